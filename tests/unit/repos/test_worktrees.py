"""Worktrees per task on real git repositories: create, reuse, hook, .worktreeinclude, post_create,
removal only when clean and merged (normal, squash, rebase), prune, and the clear errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhv.config import check_text
from mhv.repos.errors import (
    BaseBranchMissingError,
    PathTakenError,
    RepoMovedError,
    WorktreeKeptError,
    WorktreeLockedError,
)
from mhv.repos.worktrees import Worktrees, branch_name, slugify
from tests.unit.repos.conftest import git


def _wt(service, repo: Path, toml: str = "") -> Worktrees:
    service.add_repo("api", str(repo), None, "main")
    config, problems = check_text(toml)
    assert problems == []
    return Worktrees(service, config)


def _commit(path: Path, name: str, text: str = "x\n", msg: str | None = None) -> None:
    (path / name).write_text(text)
    git(path, "add", name)
    git(path, "commit", "-qm", msg or f"add {name}")


class TestNames:
    def test_branch_from_title(self):
        assert branch_name(42, "Fix the Ünïcode login.lock bug..") == "mhv-42-fix-the-unicode-login-lock-bug"
        assert branch_name(7, "日本語だけ") == "mhv-7"
        assert len(slugify("word " * 40)) <= 40

    @settings(max_examples=60, deadline=None)
    @given(st.text(min_size=1, max_size=120))
    def test_every_title_gives_a_valid_ref(self, title: str):
        name = branch_name(12, title)
        done = subprocess.run(["git", "check-ref-format", "--branch", name], capture_output=True, text=True)
        assert done.returncode == 0, name
        assert len(name) <= len("mhv-12-") + 40


class TestCreate:
    def test_create_records_branch_and_path_and_reuses(self, service, make_repo, mhv_home: Path):
        repo = make_repo()
        wt = _wt(service, repo)
        task = service.create({"title": "add login page", "repo": "api"})
        created = wt.create(task.number)
        assert created.created_branch and not created.reused
        assert created.path == mhv_home / "data" / "worktrees" / "api" / "mhv-1-add-login-page"
        assert git(created.path, "rev-parse", "--abbrev-ref", "HEAD") == "mhv-1-add-login-page"
        stored = service.get(1)
        assert (stored.branch, stored.worktree_path) == ("mhv-1-add-login-page", str(created.path))
        assert stored.metadata["worktree"]["created_branch"] is True
        (created.path / "wip.txt").write_text("unsaved work\n")
        again = wt.create(1)
        assert again.reused and (created.path / "wip.txt").read_text() == "unsaved work\n"  # never reset

    def test_a_deleted_folder_is_made_again_on_the_same_branch(self, service, make_repo):
        import shutil

        repo = make_repo()
        wt = _wt(service, repo)
        service.create({"title": "work", "repo": "api"})
        path = wt.create(1).path
        _commit(path, "a.py")
        shutil.rmtree(path)
        again = wt.create(1)
        assert (
            again.path == path and not again.reused and (path / "a.py").exists()
        )  # the branch kept its commit
        assert service.get(1).metadata["worktree"]["created_branch"] is True

    def test_existing_branch_is_reused_and_not_marked_as_ours(self, service, make_repo):
        repo = make_repo()
        git(repo, "branch", "mhv-1-someone-elses")
        wt = _wt(service, repo)
        service.create({"title": "add login page", "repo": "api"})
        created = wt.create(1)
        assert created.branch == "mhv-1-someone-elses" and not created.created_branch
        assert service.get(1).metadata["worktree"]["created_branch"] is False
        git(repo, "merge", "-q", "mhv-1-someone-elses")
        removal = wt.remove(1)
        assert removal.removed and not removal.branch_deleted  # never delete a branch mhv did not create
        assert "mhv-1-someone-elses" in git(repo, "branch")

    def test_hook_tags_commits_in_the_worktree_only(self, service, make_repo):
        repo = make_repo()
        hooks = repo / ".git" / "hooks"
        (hooks / "prepare-commit-msg").write_text('#!/bin/sh\necho "repo hook ran" >> "$1"\n')
        (hooks / "prepare-commit-msg").chmod(0o755)
        wt = _wt(service, repo)
        service.create({"title": "add login page", "repo": "api"})
        path = wt.create(1).path
        _commit(path, "a.py")
        message = git(path, "log", "-1", "--format=%B")
        assert "Refs: mhv-1" in message and "repo hook ran" in message  # the repository's hook still runs
        _commit(path, "b.py", msg="mentions mhv-1 already")
        assert git(path, "log", "-1", "--format=%B").count("mhv-1") == 1
        _commit(repo, "c.py")
        assert "mhv-1" not in git(repo, "log", "-1", "--format=%B")

    def test_worktreeinclude_copies_ignored_files_never_over_tracked(self, service, make_repo):
        repo = make_repo()
        (repo / ".gitignore").write_text(".env\nlocal/\n")
        (repo / ".worktreeinclude").write_text(".env\nlocal/\nREADME.md\nconfig.ini\n")
        (repo / "config.ini").write_text("tracked\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "ignore")
        (repo / ".env").write_text("SECRET=1\n")
        (repo / "local").mkdir()
        (repo / "local" / "db.sqlite").write_text("data")
        (repo / "config.ini").write_text("changed but tracked\n")
        wt = _wt(service, repo)
        service.create({"title": "t", "repo": "api"})
        created = wt.create(1)
        assert sorted(created.copied) == [".env", "local/db.sqlite"]
        assert (created.path / ".env").read_text() == "SECRET=1\n"
        assert (created.path / "config.ini").read_text() == "tracked\n"

    def test_post_create_failure_and_timeout_warn_and_keep(self, service, make_repo):
        repo = make_repo()
        wt = _wt(service, repo, '[repos.api]\npost_create = "echo setting up; exit 3"\n')
        service.create({"title": "one", "repo": "api"})
        created = wt.create(1)
        assert created.path.is_dir() and "exit code 3" in created.warnings[0]
        wt = Worktrees(
            service, check_text('[repos.api]\npost_create = "sleep 5"\npost_create_timeout = 0.3\n')[0]
        )
        service.create({"title": "two", "repo": "api"})
        created = wt.create(2)
        assert created.path.is_dir() and "did not finish in 0.3 s" in created.warnings[0]

    def test_errors(self, service, make_repo, tmp_path: Path):
        repo = make_repo()
        wt = _wt(service, repo, '[repos.api]\ndefault_branch = "develop"\n')
        service.create({"title": "one", "repo": "api"})
        with pytest.raises(BaseBranchMissingError, match="'develop'"):
            wt.create(1)
        wt = Worktrees(service, check_text("")[0])
        taken = wt.target_path(wt.settings("api"), service.get(1), "mhv-1-one")
        taken.mkdir(parents=True)
        (taken / "notes.txt").write_text("mine")
        with pytest.raises(PathTakenError, match="is not a worktree"):
            wt.create(1)
        (taken / "notes.txt").unlink()
        path = wt.create(1).path
        git(repo, "worktree", "lock", "--reason", "on a usb disk", str(path))
        with pytest.raises(WorktreeLockedError, match="usb disk"):
            wt.remove(1)
        moved = tmp_path / "elsewhere"
        repo.rename(moved)
        with pytest.raises(RepoMovedError, match="not at") as err:
            wt.create(1)
        assert "--replace" in err.value.hint


class TestRemove:
    def test_dirty_and_unmerged_are_kept_with_reasons(self, service, make_repo):
        repo = make_repo()
        wt = _wt(service, repo)
        service.create({"title": "work", "repo": "api"})
        path = wt.create(1).path
        _commit(path, "a.py")
        _commit(path, "b.py")
        for name in ("README.md",):
            (path / name).write_text("changed\n")
        (path / "c.py").write_text("new\n")
        with pytest.raises(WorktreeKeptError) as err:
            wt.remove(1)
        assert err.value.details["reasons"] == ["1 modified", "1 untracked", "2 commits not on main"]
        removal = wt.remove(1, force=True, reason="spike abandoned")
        assert removal.removed and removal.forced and not removal.branch_deleted  # unmerged commits stay
        assert not path.exists() and "mhv-1-work" in git(repo, "branch")

    @pytest.mark.parametrize("how", ["merge", "squash", "rebase"])
    def test_merged_by_any_means_is_removed_with_its_branch(self, service, make_repo, how: str):
        repo = make_repo()
        wt = _wt(service, repo)
        service.create({"title": "work", "repo": "api"})
        path = wt.create(1).path
        _commit(path, "a.py", "a\n")
        _commit(path, "b.py", "b\n")
        _commit(repo, "other.py")  # main moved on meanwhile
        if how == "merge":
            git(repo, "merge", "-q", "--no-edit", "mhv-1-work")
        elif how == "squash":
            git(repo, "merge", "-q", "--squash", "mhv-1-work")
            git(repo, "commit", "-qm", "squashed")
        else:
            git(repo, "cherry-pick", "main..mhv-1-work")
        state = wt.state(1)
        assert (
            state.merged is True
            and state.merged_by == {"merge": "ancestry", "squash": "squash", "rebase": "cherry"}[how]
        )
        removal = wt.remove(1)
        assert removal.removed and removal.branch_deleted
        assert not path.exists() and "mhv-1-work" not in git(repo, "branch")
        assert service.get(1).worktree_path is None

    def test_merged_on_the_remote_and_unpushed(self, service, make_repo, tmp_path: Path):
        repo = make_repo(remote=True)
        wt = _wt(service, repo)
        service.create({"title": "work", "repo": "api"})
        path = wt.create(1).path
        _commit(path, "a.py")
        git(path, "push", "-q", "-u", "origin", "mhv-1-work")
        _commit(path, "b.py")
        state = wt.state(1)
        assert state.unpushed == 1 and "1 commit not pushed" in state.reasons()
        git(path, "push", "-q")
        other = tmp_path / "clone"  # someone merges on the forge's side
        git(tmp_path, "clone", "-q", "-b", "main", str(tmp_path / "remotes" / "api.git"), str(other))
        git(other, "config", "user.email", "forge@example.com")
        git(other, "config", "user.name", "Forge")
        git(other, "merge", "-q", "--no-edit", "origin/mhv-1-work")
        git(other, "push", "-q", "origin", "main")
        git(repo, "fetch", "-q", "origin")
        assert wt.state(1).merged is True

    def test_prune_removes_finished_merged_and_keeps_the_rest(self, service, make_repo):
        repo = make_repo()
        wt = _wt(service, repo)
        for title in ("merged one", "dirty one", "open one"):
            service.create({"title": title, "repo": "api"})
            wt.create(service.list_tasks()[-1].number)
        _commit(Path(service.get(1).worktree_path), "a.py")
        git(repo, "merge", "-q", "--no-edit", "mhv-1-merged-one")
        (Path(service.get(2).worktree_path) / "x").write_text("x")
        service.complete(1)
        service.complete(2)
        dry = wt.prune(dry_run=True)
        assert [(r.task.number, r.removed) for r in dry] == [(1, True), (2, False)]
        assert Path(service.get(1).worktree_path).exists()
        done = wt.prune()
        assert [(r.task.number, r.removed, r.reasons) for r in done] == [
            (1, True, []),
            (2, False, ["1 untracked"]),
        ]
        assert service.get(1).worktree_path is None and service.get(3).worktree_path is not None


class TestShortRoad:
    """`mhv start N --worktree` for a task with no branch yet: two git calls, config.toml read without
    Pydantic when its worktree keys are plain; anything less simple takes the full road."""

    def test_start_worktree_is_two_git_calls_without_pydantic(self, make_repo, mhv_home: Path, tmp_path: Path):
        import os
        import sys

        repo = make_repo()
        shim = tmp_path / "bin"
        shim.mkdir()
        log = tmp_path / "git.log"
        real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout.strip()
        (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n')
        (shim / "git").chmod(0o755)
        mhv_home.mkdir(parents=True, exist_ok=True)
        (mhv_home / "config.toml").write_text('[repos.api]\npost_create_timeout = 30\n[worktrees]\npath = "{worktrees}/{repo}/{number}"\n')
        env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}

        def mhv(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-X", "importtime", "-m", "mhv", *args], env=env,
                                  capture_output=True, text=True, check=True)  # fmt: skip

        mhv("repo", "add", "api", str(repo), "--branch", "main")
        mhv("tc", "--yes", "write the login page @api")
        mhv("tc", "--yes", "write the logout page @api")
        log.write_text("")
        done = mhv("start", "1", "--worktree")
        assert "Created worktree for #1 on mhv-1-write-the-login-page" in done.stdout
        calls = log.read_text().splitlines()
        assert len(calls) == 3 and "rev-parse" in calls[0] and "worktree add" in calls[1], calls
        assert "config extensions.worktreeConfig true" in calls[2]  # once per repository
        log.write_text("")
        done = mhv("start", "2", "--worktree")
        calls = log.read_text().splitlines()
        assert len(calls) == 2 and "rev-parse" in calls[0] and "worktree add" in calls[1], calls
        assert not [line for line in done.stderr.splitlines() if line.rstrip().endswith("| pydantic")]
        for number in (1, 2):
            path = mhv_home / "data" / "worktrees" / "api" / str(number)
            _commit(path, "page.py", msg="a page")
            assert f"Refs: mhv-{number}" in git(path, "log", "-1", "--format=%B")
        path = mhv_home / "data" / "worktrees" / "api" / "1"
        assert "Refs: mhv-1" not in git(repo, "log", "-1", "--format=%B")  # the hook is the worktree's only

    def test_a_stale_registration_at_the_path_takes_the_full_road(self, service, make_repo):
        import shutil

        repo = make_repo()
        wt = _wt(service, repo)
        task = service.create({"title": "stale", "repo": "api"})
        path = wt.target_path(wt.settings("api"), task, "mhv-1-stale")
        git(repo, "worktree", "add", "-q", "-b", "someone-else", str(path), "main")
        shutil.rmtree(path)  # registered with git, folder gone
        created = wt.create(1)
        assert created.path == path and created.created_branch and path.is_dir()
        branches = git(repo, "branch", "--format=%(refname:short)").splitlines()
        assert sorted(branches) == ["main", "mhv-1-stale", "someone-else"]

    @pytest.mark.parametrize(
        "toml",
        [
            "",
            '[repos.api]\nworktrees = true\ndefault_branch = "main"\npost_create = "make"\npost_create_timeout = 5\n',
            '[repos.api]\nworktree_path = "/w/{repo}-{number}"\ngates = { tests = "pytest -q" }\n',
            '[worktrees]\nroot = "~/trees"\npath = "{worktrees}/{branch}"\n[repos.other]\nworktrees = true\n',
        ],
    )
    def test_plain_settings_are_the_models(self, service, make_repo, toml: str):
        import tomllib

        from mhv.repos.settings import plain_worktree_settings, repo_settings

        service.add_repo("api", str(make_repo()), None, "main")
        plain = plain_worktree_settings(service, "api", tomllib.loads(toml))
        model = repo_settings(service, check_text(toml)[0], "api")
        assert plain is not None
        model.gates = {}  # the short road does not read gates (a worktree does not need them)
        assert plain == model

    @pytest.mark.parametrize(
        "toml",
        [
            '[repos.api]\nworktrees = "yes"\n',
            "[repos.api]\npost_create_timeout = 0\n",
            "[repos.api]\nworktree = true\n",
            '[worktrees]\npath = "{worktrees}/{title}"\n',
            "[worktrees]\nroot = 3\n",
        ],
    )
    def test_anything_else_is_read_by_the_model(self, service, make_repo, toml: str):
        import tomllib

        from mhv.repos.settings import plain_worktree_settings

        service.add_repo("api", str(make_repo()), None, "main")
        assert plain_worktree_settings(service, "api", tomllib.loads(toml)) is None
        assert check_text(toml)[1]  # and the model reports it
