"""A git worktree per task: create (or reuse), inspect, remove when clean and merged, prune.

Everything runs the real ``git``. mhv records in the task (``branch``, ``worktree_path`` and
``metadata.worktree``) whether it created the branch, and never deletes a branch it did not create.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhv.errors import NotFoundError, ValidationError
from mhv.repos import git
from mhv.repos.errors import (
    BaseBranchMissingError,
    DetachedHeadError,
    GitError,
    NoRepoError,
    PathTakenError,
    RepoMovedError,
    WorktreeKeptError,
    WorktreeLockedError,
)
from mhv.repos.settings import RepoSettings, plain_worktree_settings, raw_config, repo_settings
from mhv.tasks.models import FINISHED_STATUSES, Task

if TYPE_CHECKING:
    from mhv.config.model import Config
    from mhv.tasks.service import TaskService

SLUG_MAX = 40
Progress = Callable[[str], None]


# ---------------------------------------------------------------------------------- names
def slugify(title: str, limit: int = SLUG_MAX) -> str:
    """Lowercase ASCII words joined by dashes, cut at a dash to at most ``limit`` characters.

    Letters, digits and single dashes only, so the branch is valid under git's ref-format rules
    (no "..", "@{", control characters, trailing "." or ".lock", spaces or ~^:?*[\\)."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            if not slug:
                slug = word[:limit]
            break
        slug = candidate
    return slug


def branch_name(number: int, title: str) -> str:
    slug = slugify(title)
    return f"mhv-{number}-{slug}" if slug else f"mhv-{number}"


# ---------------------------------------------------------------------------------- git facts
@dataclass(slots=True)
class WorktreeInfo:
    path: Path
    head: str | None = None
    branch: str | None = None  # short name; None when detached
    detached: bool = False
    locked: str | None = None  # the lock reason ("" when locked without one); None when not locked
    prunable: bool = False
    bare: bool = False


def list_worktrees(repo: Path) -> list[WorktreeInfo]:
    """``git worktree list --porcelain`` of the repository at ``repo``."""
    done = git.run(repo, "worktree", "list", "--porcelain")
    out: list[WorktreeInfo] = []
    for block in done.stdout.split("\n\n"):
        info: WorktreeInfo | None = None
        for line in block.splitlines():
            key, _, value = line.partition(" ")
            if key == "worktree":
                info = WorktreeInfo(Path(value))
                out.append(info)
            elif info is None:
                continue
            elif key == "HEAD":
                info.head = value
            elif key == "branch":
                info.branch = value.removeprefix("refs/heads/")
            elif key == "detached":
                info.detached = True
            elif key == "locked":
                info.locked = value
            elif key == "prunable":
                info.prunable = True
            elif key == "bare":
                info.bare = True
    return out


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _find(worktrees: list[WorktreeInfo], path: Path) -> WorktreeInfo | None:
    return next((w for w in worktrees if _same(w.path, path)), None)


@dataclass(slots=True)
class WorktreeState:
    """How a task's worktree stands: what would be lost by removing it."""

    path: Path
    branch: str | None
    base: str
    exists: bool = True
    modified: int = 0
    untracked: int = 0
    not_on_base: int = 0  # commits whose change is not on the base branch
    unpushed: int | None = None  # commits ahead of the upstream, when there is one
    merged: bool | None = None  # None: could not tell (then it is kept)
    merged_by: str | None = None  # ancestry | cherry | squash
    detached: bool = False
    locked: str | None = None

    @property
    def clean(self) -> bool:
        return self.modified == 0 and self.untracked == 0

    @property
    def removable(self) -> bool:
        return self.exists and self.clean and self.merged is True and not self.detached and self.locked is None

    def reasons(self) -> list[str]:
        out = []
        if self.locked is not None:
            out.append("locked" + (f" ({self.locked})" if self.locked else ""))
        if self.detached:
            out.append("detached HEAD")
        if self.modified:
            out.append(f"{self.modified} modified")
        if self.untracked:
            out.append(f"{self.untracked} untracked")
        if self.merged is False:
            n = self.not_on_base
            out.append(f"{n} commit{'s' if n != 1 else ''} not on {self.base}")
        elif self.merged is None and not self.detached:
            out.append(f"could not tell whether it is merged into {self.base}")
        if self.unpushed:
            out.append(f"{self.unpushed} commit{'s' if self.unpushed != 1 else ''} not pushed")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "branch": self.branch, "base": self.base, "exists": self.exists,
                "modified": self.modified, "untracked": self.untracked, "not_on_base": self.not_on_base,
                "unpushed": self.unpushed, "merged": self.merged, "merged_by": self.merged_by,
                "detached": self.detached, "locked": self.locked, "clean": self.clean,
                "removable": self.removable, "reasons": self.reasons()}  # fmt: skip


def dirty_counts(path: Path) -> tuple[int, int]:
    """(modified or staged, untracked) entries of ``git status`` in the checkout at ``path``."""
    done = git.run(path, "status", "--porcelain=v1", "-z")
    modified = untracked = 0
    entries = done.stdout.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if not entry:
            continue
        if entry.startswith("??"):
            untracked += 1
        else:
            modified += 1
            if entry[:1] in ("R", "C"):  # a rename is followed by its old path
                i += 1
    return modified, untracked


def _bases(repo: Path, base: str) -> list[str]:
    refs = []
    for ref in (f"refs/heads/{base}", f"refs/remotes/origin/{base}"):
        if git.ok(repo, "rev-parse", "--verify", "--quiet", ref + "^{commit}"):
            refs.append(ref)
    return refs


def merged_into(repo: Path, branch: str, base: str) -> tuple[bool | None, str | None, int]:
    """Is ``branch`` merged into ``base`` (the local branch or origin's)? By ancestry (a normal or
    fast-forward merge), else ``git cherry`` (every commit's change upstream: a rebase merge), else
    the whole branch as one change (a squash merge). Returns (merged, how, commits not on base);
    merged is None when git could not tell."""
    refs = _bases(repo, base)
    if not refs:
        return None, None, 0
    not_on_base = 0
    try:
        for ref in refs:
            if git.ok(repo, "merge-base", "--is-ancestor", branch, ref):
                return True, "ancestry", 0
        for ref in refs:
            lines = git.out(repo, "cherry", ref, branch).splitlines()
            plus = sum(1 for line in lines if line.startswith("+"))
            not_on_base = plus if ref == refs[0] else min(not_on_base, plus)
            if plus == 0:
                return True, "cherry", 0
        for ref in refs:
            fork = git.out(repo, "merge-base", ref, branch)
            tree = git.out(repo, "rev-parse", branch + "^{tree}")
            squashed = git.out(repo, "commit-tree", tree, "-p", fork, "-m", "mhv: squash check")
            lines = git.out(repo, "cherry", ref, squashed).splitlines()
            if lines and all(line.startswith("-") for line in lines):
                return True, "squash", 0
    except GitError:
        return None, None, not_on_base
    return False, None, not_on_base


# ---------------------------------------------------------------------------------- results
@dataclass(slots=True)
class Created:
    task: Task
    path: Path
    branch: str
    created_branch: bool  # this call made the branch
    reused: bool  # the worktree was there already (nothing was reset)
    copied: list[str] = field(default_factory=list)  # .worktreeinclude files copied
    skipped: list[str] = field(default_factory=list)  # .worktreeinclude files not copied (why)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task.number, "path": str(self.path), "branch": self.branch,
                "created_branch": self.created_branch, "reused": self.reused, "copied": self.copied,
                "skipped": self.skipped, "warnings": self.warnings}  # fmt: skip


@dataclass(slots=True)
class Removal:
    task: Task
    path: Path
    branch: str | None
    removed: bool
    branch_deleted: bool = False
    reasons: list[str] = field(default_factory=list)  # why it was kept (or what a force threw away)
    forced: bool = False

    def describe(self) -> str:
        if self.removed:
            text = f"removed worktree {self.path}"
            if self.branch_deleted:
                text += f" and branch {self.branch}"
            elif self.branch:
                text += f" (branch {self.branch} kept)"
            if self.forced and self.reasons:
                text += f"; forced past: {', '.join(self.reasons)}"
            return text
        return f"kept worktree {self.path}: {', '.join(self.reasons)}"

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task.number, "path": str(self.path), "branch": self.branch, "removed": self.removed,
                "branch_deleted": self.branch_deleted, "reasons": self.reasons, "forced": self.forced}  # fmt: skip


HOOK = """#!/bin/sh
# Installed by mhv for task #{number}, in this worktree only (core.hooksPath of its config.worktree).
# Adds mhv-{number} to each commit message so the forge links the commit to the task.
orig="{orig}/prepare-commit-msg"
if [ -x "$orig" ]; then "$orig" "$@" || exit $?; fi
if ! grep -qw "mhv-{number}" "$1"; then
  git interpret-trailers --in-place --trailer "Refs: mhv-{number}" "$1"
fi
"""
WRAPPER = '#!/bin/sh\n# mhv: the repository\'s own hook, run from this worktree\'s hooks folder\nexec "{hook}" "$@"\n'


# ---------------------------------------------------------------------------------- the manager
class Worktrees:
    """Worktrees of tasks, over the task service and the configuration."""

    def __init__(self, service: TaskService, config: Config | None = None, *,
                 load_config: Callable[[], Config] | None = None) -> None:  # fmt: skip
        """``config`` as given; or, with ``load_config``, config.toml read as plain TOML when its
        worktree keys are plain values (no Pydantic: `mhv start N --worktree` stays one short process),
        the model (``load_config()``, which reports problems) only when they are not."""
        self.service = service
        self._config = config
        self._load_config = load_config

    @property
    def config(self) -> Config:
        if self._config is None:
            if self._load_config is not None:
                self._config = self._load_config()
            else:
                from mhv.config.model import Config

                self._config = Config()
        return self._config

    def settings(self, repo: str) -> RepoSettings:
        if self._config is None and self._load_config is not None:
            raw = raw_config()
            plain = plain_worktree_settings(self.service, repo, raw) if raw is not None else None
            if plain is not None:
                return plain
        return repo_settings(self.service, self.config, repo)

    def wants_worktree(self, task: Task) -> bool:
        """Does `mhv start` make a worktree for this task by itself (``[repos.NAME] worktrees = true``)?"""
        return task.repo is not None and self.settings(task.repo).worktrees

    def _repository(self, task: Task) -> tuple[RepoSettings, Path, str]:
        """The task's repository settings and checkout (which must be a folder), and the fix to
        name when it is not where it should be."""
        if not task.repo:
            raise NoRepoError(f"#{task.number} has no repository, so it cannot have a worktree",
                              f"give it one: mhv tu {task.number} @REPO")  # fmt: skip
        s = self.settings(task.repo)
        if s.path is None:
            raise NoRepoError(f"repository @{task.repo} has no path on this machine",
                              f"register it: mhv repo add {task.repo} PATH --replace")  # fmt: skip
        fix = (f"update path in config.toml [repos.{s.name}]" if s.path_source == "config.toml"
               else f"mhv repo add {s.name} NEW_PATH --replace")  # fmt: skip
        if not s.path.is_dir():
            raise RepoMovedError(f"repository @{s.name} is not at {s.path} any more (moved or deleted)", fix)
        return s, s.path, fix

    def _checkout(self, task: Task) -> tuple[RepoSettings, Path, list[WorktreeInfo]]:
        s, _repo, fix = self._repository(task)
        assert s.path is not None
        try:
            worktrees = list_worktrees(s.path)
        except GitError:
            raise RepoMovedError(f"{s.path} (repository @{s.name}) is no longer a git checkout", fix) from None
        return s, s.path, worktrees

    def _base(self, s: RepoSettings, repo: Path) -> str:
        base = s.default_branch
        if not base:
            base = git.git_defaults(repo)[1]
        if not base:
            raise DetachedHeadError(
                f"@{s.name} has no default branch and its checkout {repo} is on a detached HEAD",
                f"set one: mhv repo add {s.name} {repo} --branch main --replace (or check out a branch)")  # fmt: skip
        return base

    def _existing_branch(self, repo: Path, task: Task) -> str | None:
        if task.branch and git.ok(repo, "show-ref", "--verify", "--quiet", f"refs/heads/{task.branch}"):
            return task.branch
        found = git.out(repo, "for-each-ref", "--format=%(refname:short)",
                        f"refs/heads/mhv-{task.number}", f"refs/heads/mhv-{task.number}-*")  # fmt: skip
        names = found.splitlines()
        return names[0] if names else None

    def target_path(self, s: RepoSettings, task: Task, branch: str) -> Path:
        text = s.template.format(worktrees=str(s.root), repo=s.name, branch=branch, number=task.number)
        return Path(text).expanduser()

    def create(self, ref: int | str, progress: Progress | None = None) -> Created:
        """The task's worktree: reused when it is there (never reset), else made on the task's branch
        (reused too) or a new ``mhv-N-slug`` branch from the default branch."""
        say = progress or (lambda _text: None)
        task = self.service.get(ref)
        if not task.worktree_path and not task.branch:
            made = self._create_fresh(task, say)
            if made is not None:
                return made
        s, repo, worktrees = self._checkout(task)
        meta = dict(task.metadata.get("worktree") or {})
        if task.worktree_path:
            current = _find(worktrees, Path(task.worktree_path))
            if current is not None and Path(task.worktree_path).is_dir():
                if current.detached:
                    raise DetachedHeadError(
                        f"the worktree of #{task.number} at {current.path} is on a detached HEAD",
                        f"check out its branch there: git -C {current.path} switch {task.branch or 'BRANCH'}")  # fmt: skip
                branch = current.branch or task.branch or ""
                if branch != task.branch:
                    task = self._record(task, current.path, branch, meta)
                return Created(task, current.path, branch, created_branch=False, reused=True)
        say("looking for the task's branch")
        found = self._existing_branch(repo, task)
        created_branch = False
        if found is not None:
            branch = found
            holder = next((w for w in worktrees if w.branch == branch), None)
            if holder is not None and holder.locked is None and not holder.path.is_dir():
                git.run(repo, "worktree", "prune")  # its folder was deleted by hand: make it again
                worktrees = [w for w in worktrees if w is not holder]
                holder = None
            if holder is not None:
                if holder.locked is not None and not holder.path.is_dir():
                    raise WorktreeLockedError(f"the worktree of {branch} at {holder.path} is locked and missing",
                                              f"git -C {repo} worktree unlock {holder.path}")  # fmt: skip
                task = self._record(task, holder.path, branch, meta)
                return Created(task, holder.path, branch, created_branch=False, reused=True)
            path = self._free_path(s, task, branch, worktrees)
            say(f"adding worktree {path} on {branch}")
            git.run(repo, "worktree", "add", str(path), branch)
        else:
            base = self._base(s, repo)
            start = next((r for r in _bases(repo, base)), None)
            if start is None:
                raise BaseBranchMissingError(
                    f"the base branch {base!r} of @{s.name} does not exist in {repo}",
                    f"create or fetch it (git -C {repo} fetch origin {base}), or set another: "
                    f"mhv repo add {s.name} {repo} --branch NAME --replace")  # fmt: skip
            branch = branch_name(task.number, task.title)
            path = self._free_path(s, task, branch, worktrees)
            say(f"adding worktree {path} on a new branch {branch} from {base}")
            git.run(repo, "worktree", "add", "--no-track", "-b", branch, str(path), start)
            created_branch = True
            meta.update({"created_branch": True, "base": base})
        meta.setdefault("created_branch", False)
        meta.setdefault("base", s.default_branch or self._base(s, repo))
        return self._set_up(task, s, repo, path, branch, meta, say, created_branch=created_branch)

    def _create_fresh(self, task: Task, say: Progress) -> Created | None:
        """The common case in two git calls: a task with no branch yet gets a new worktree on a new
        branch. One ``rev-parse`` tells the hooks folder, whether a ``mhv-N`` branch exists and which
        base refs do; then ``git worktree add -b``. None when anything is less simple (a branch to
        reuse, the path taken, git refusing): the caller's full path then looks at every worktree."""
        s, repo, fix = self._repository(task)
        base = self._base(s, repo)
        if base[:1] in ("!", "^", "]"):  # would not survive the [x] glob trick below
            return None
        first, rest = base[0], base[1:]
        # a glob with [..] matches the name itself; a plain one would mean "refs/heads/main/*"
        probe = git.run(repo, "rev-parse", "--git-path", "hooks", "--symbolic-full-name",
                        f"--glob=refs/heads/mhv-{task.number}*", f"--glob=refs/heads/[{first}]{rest}",
                        f"--glob=refs/remotes/origin/[{first}]{rest}", check=False)  # fmt: skip
        if probe.returncode != 0:
            raise RepoMovedError(f"{repo} (repository @{s.name}) is no longer a git checkout", fix)
        hooks, *refs = probe.stdout.splitlines()
        mine = f"refs/heads/mhv-{task.number}"
        if any(r == mine or r.startswith(mine + "-") for r in refs):
            return None  # a branch of this task to reuse
        start = next((r for r in (f"refs/heads/{base}", f"refs/remotes/origin/{base}") if r in refs), None)
        if start is None:
            raise BaseBranchMissingError(
                f"the base branch {base!r} of @{s.name} does not exist in {repo}",
                f"create or fetch it (git -C {repo} fetch origin {base}), or set another: "
                f"mhv repo add {s.name} {repo} --branch NAME --replace")  # fmt: skip
        branch = branch_name(task.number, task.title)
        path = self.target_path(s, task, branch)
        if path.exists() or path.is_symlink():
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        say(f"adding worktree {path} on a new branch {branch} from {base}")
        added = git.run(repo, "worktree", "add", "--no-track", "-b", branch, str(path), start, check=False)
        if added.returncode != 0:
            # `git worktree add -b` makes the branch before it checks the path (a stale, registered
            # one): a branch made here with no worktree on it is ours to take back
            if not path.exists():
                git.run(repo, "branch", "-D", branch, check=False)
            return None
        meta = {**(task.metadata.get("worktree") or {}), "created_branch": True, "base": base}
        return self._set_up(task, s, repo, path, branch, meta, say, created_branch=True, hooks=(repo / hooks).resolve())

    def _set_up(self, task: Task, s: RepoSettings, repo: Path, path: Path, branch: str, meta: dict[str, Any],
                say: Progress, *, created_branch: bool, hooks: Path | None = None) -> Created:  # fmt: skip
        """A new worktree's hook, included files, the task's record and post_create."""
        meta["repo"] = s.name
        result = Created(task, path, branch, created_branch=created_branch, reused=False)
        say("installing the mhv-N commit hook")
        self._install_hook(path, task.number, hooks)
        self._copy_included(repo, path, result)
        result.task = self._record(task, path, branch, meta)
        if s.post_create:
            say(f"running post_create: {s.post_create}")
            warning = run_post_create(s.post_create, path, s.post_create_timeout)
            if warning:
                result.warnings.append(warning)
        return result

    def _free_path(self, s: RepoSettings, task: Task, branch: str, worktrees: list[WorktreeInfo]) -> Path:
        path = self.target_path(s, task, branch)
        listed = _find(worktrees, path)
        if listed is not None:
            if listed.locked is not None:
                raise WorktreeLockedError(f"{path} is a locked worktree of {listed.branch or 'a detached HEAD'}",
                                          f"unlock it (git worktree unlock {path}) or remove it")  # fmt: skip
            if not path.exists():  # a stale entry: its folder was deleted by hand
                git.run(s.path or path, "worktree", "prune")
                return path
            raise PathTakenError(f"{path} is already a worktree of {listed.branch or 'a detached HEAD'}",
                                 "remove it (git worktree remove), or change [worktrees] path in config.toml")  # fmt: skip
        if path.exists() and (path.is_file() or any(path.iterdir())):
            raise PathTakenError(f"{path} exists and is not a worktree of @{s.name}",
                                 "move it away, or change [worktrees] path in config.toml")  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _record(self, task: Task, path: Path, branch: str, meta: dict[str, Any]) -> Task:
        metadata = {**task.metadata, "worktree": meta}
        return self.service.update(task.id, {"worktree_path": str(path), "branch": branch, "metadata": metadata})

    def _install_hook(self, path: Path, number: int, hooks: Path | None = None) -> None:
        """prepare-commit-msg in this worktree only: core.hooksPath in its config.worktree, pointing at
        a folder in its private git dir, with wrappers for the repository's own hooks (``hooks``, the
        repository's hooks folder, when the caller knows it already)."""
        git_dir = _private_git_dir(path) if hooks is not None else None
        if git_dir is None or hooks is None:
            found, hooks_text = git.out(path, "rev-parse", "--git-dir", "--git-path", "hooks").splitlines()
            git_dir, hooks = (path / found).resolve(), (path / hooks_text).resolve()
        private = git_dir / "mhv-hooks"
        orig = hooks
        private.mkdir(parents=True, exist_ok=True)
        if orig.is_dir():
            for hook in orig.iterdir():
                if hook.name.endswith(".sample") or hook.name == "prepare-commit-msg" or not os.access(hook, os.X_OK):
                    continue
                _write_exec(private / hook.name, WRAPPER.format(hook=hook))
        _write_exec(private / "prepare-commit-msg", HOOK.format(number=number, orig=orig))
        if not _worktree_config_on(git_dir):
            git.run(path, "config", "extensions.worktreeConfig", "true")
        own = git_dir / "config.worktree"
        if own.exists() or not _config_safe(str(private)):
            git.run(path, "config", "--worktree", "core.hooksPath", str(private))
        else:  # a new worktree's own config file: written as `git config --worktree` would
            own.write_text(f'[core]\n\thooksPath = "{_config_quote(str(private))}"\n', encoding="utf-8")

    def _copy_included(self, repo: Path, path: Path, result: Created) -> None:
        """Untracked, ignored files of the main checkout that ``.worktreeinclude`` lists (``.env``),
        copied into the new worktree; never over a file that is there (a tracked one)."""
        include = repo / ".worktreeinclude"
        if not include.is_file():
            return
        listed = git.out(repo, "ls-files", "-z", "--others", "--ignored", f"--exclude-from={include}")
        ignored = set(git.out(repo, "ls-files", "-z", "--others", "--ignored", "--exclude-standard").split("\0"))
        for rel in filter(None, listed.split("\0")):
            if rel not in ignored:
                result.skipped.append(f"{rel} (not ignored by git)")
                continue
            dst = path / rel
            if dst.exists() or dst.is_symlink():
                result.skipped.append(f"{rel} (already in the worktree)")
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo / rel, dst, follow_symlinks=False)
            result.copied.append(rel)

    # ------------------------------------------------------------------ inspecting
    def worktree_of(self, ref: int | str) -> tuple[Task, RepoSettings, Path, WorktreeInfo | None]:
        task = self.service.get(ref)
        if not task.worktree_path:
            raise NotFoundError(f"#{task.number} has no worktree", f"make one: mhv worktree create {task.number}")
        s, repo, worktrees = self._checkout(task)
        return task, s, repo, _find(worktrees, Path(task.worktree_path))

    def state(self, ref: int | str) -> WorktreeState:
        task, s, repo, info = self.worktree_of(ref)
        return self._state(task, s, repo, info)

    def _state(self, task: Task, s: RepoSettings, repo: Path, info: WorktreeInfo | None) -> WorktreeState:
        base = (task.metadata.get("worktree") or {}).get("base") or s.default_branch or self._base(s, repo)
        path = Path(task.worktree_path or "")
        st = WorktreeState(path, task.branch, base)
        if info is None or not path.is_dir():
            st.exists = False
            st.merged = None
            return st
        st.locked, st.detached = info.locked, info.detached
        st.modified, st.untracked = dirty_counts(path)
        branch = info.branch or task.branch
        if info.detached or not branch:
            return st
        st.branch = branch
        st.merged, st.merged_by, st.not_on_base = merged_into(repo, branch, base)
        ahead = git.run(path, "rev-list", "--count", "@{upstream}..HEAD", check=False)
        if ahead.returncode == 0 and ahead.stdout.strip().isdigit():
            st.unpushed = int(ahead.stdout.strip())
        return st

    # ------------------------------------------------------------------ removing
    def remove(self, ref: int | str, *, force: bool = False, reason: str | None = None) -> Removal:
        """Remove the task's worktree when it is clean and merged (and the branch, when mhv made it);
        otherwise raise WorktreeKeptError saying why. ``force`` (with a reason) removes it anyway and
        still deletes only a merged branch that mhv created."""
        if force and not (reason or "").strip():
            raise ValidationError("--force needs a reason", 'say why: --force --reason "abandoned spike"')
        task, s, repo, info = self.worktree_of(ref)
        path = Path(task.worktree_path or "")
        if info is None:
            if path.exists():
                raise PathTakenError(f"{path} (recorded for #{task.number}) is not a worktree of @{s.name}",
                                     f"look at it, then forget it: mhv tu {task.number} (or remove the folder)")  # fmt: skip
            git.run(repo, "worktree", "prune")  # the folder is gone: drop git's stale entry
            task = self._forget(task, "missing")
            return Removal(task, path, task.branch, removed=True, reasons=["the folder was already gone"])
        st = self._state(task, s, repo, info)
        if st.locked is not None:
            raise WorktreeLockedError(f"the worktree of #{task.number} at {path} is locked"
                                      + (f": {st.locked}" if st.locked else ""),
                                      f"unlock it first: git -C {repo} worktree unlock {path}")  # fmt: skip
        if st.detached and not force:
            raise DetachedHeadError(f"the worktree of #{task.number} at {path} is on a detached HEAD: "
                                    "mhv cannot tell what would be lost",
                                    f"check out its branch (git -C {path} switch {task.branch}) or use --force --reason")  # fmt: skip
        if not st.removable and not force:
            raise WorktreeKeptError(f"kept the worktree of #{task.number} at {path}: {', '.join(st.reasons())}",
                                    "commit and merge it, or remove it anyway: "
                                    f'mhv worktree remove {task.number} --force --reason "..."',
                                    reasons=st.reasons())  # fmt: skip
        args = ["worktree", "remove", *(["--force"] if force else []), str(path)]
        git.run(repo, *args)
        meta = task.metadata.get("worktree") or {}
        deleted = False
        if meta.get("created_branch") and st.branch and st.merged:
            deleted = git.ok(repo, "branch", "-D", st.branch)
        task = self._forget(task, reason if force else "merged")
        return Removal(task, path, st.branch, removed=True, branch_deleted=deleted,
                       reasons=st.reasons() if force else [], forced=force)  # fmt: skip

    def _forget(self, task: Task, why: str | None) -> Task:
        meta = {**(task.metadata.get("worktree") or {}), "removed": why or "", "removed_path": task.worktree_path}
        return self.service.update(task.id, {"worktree_path": None, "metadata": {**task.metadata, "worktree": meta}})

    def finish(self, ref: int | str, *, force: bool = False, reason: str | None = None) -> Removal | None:
        """After `mhv td`: remove a clean, merged worktree; keep anything else and say why."""
        task = self.service.get(ref)
        if not task.worktree_path:
            return None
        try:
            return self.remove(task.id, force=force, reason=reason)
        except (WorktreeKeptError, DetachedHeadError, WorktreeLockedError, PathTakenError) as err:
            reasons = err.details.get("reasons") or [err.message]
            return Removal(task, Path(task.worktree_path), task.branch, removed=False, reasons=list(reasons))

    def prune(self, *, dry_run: bool = False) -> list[Removal]:
        """Remove clean, merged worktrees of finished tasks (and the branches mhv made); keep any
        whose state cannot be told."""
        from mhv.tasks.repo_records import tasks_with_worktrees

        out: list[Removal] = []
        for task in tasks_with_worktrees(self.service):
            if task.status not in FINISHED_STATUSES:
                continue
            path = Path(task.worktree_path or "")
            try:
                st = self.state(task.id)
            except Exception as err:  # undetermined means keep
                out.append(Removal(task, path, task.branch, removed=False, reasons=[str(getattr(err, "message", err))]))
                continue
            if not st.exists and not path.exists():
                if not dry_run:
                    out.append(self.remove(task.id))
                else:
                    out.append(Removal(task, path, task.branch, removed=True, reasons=["the folder is gone"]))
                continue
            if not st.removable:
                out.append(Removal(task, path, task.branch, removed=False, reasons=st.reasons()))
                continue
            if dry_run:
                meta = task.metadata.get("worktree") or {}
                out.append(Removal(task, path, st.branch, removed=True, branch_deleted=bool(meta.get("created_branch"))))
            else:
                try:
                    out.append(self.remove(task.id))
                except Exception as err:
                    out.append(Removal(task, path, task.branch, removed=False,
                                       reasons=[str(getattr(err, "message", err))]))  # fmt: skip
        if not dry_run:
            for name in {t.task.repo for t in out if t.task.repo}:
                s = self.settings(name)
                if s.path is not None and s.path.is_dir():
                    git.run(s.path, "worktree", "prune", check=False)
        return out

    def listing(self, repo: str | None = None) -> list[dict[str, Any]]:
        """The tasks' worktrees with their state (dirty counts) for `mhv worktree list`."""
        from mhv.tasks.repo_records import tasks_with_worktrees

        rows = []
        for task in tasks_with_worktrees(self.service, repo=repo):
            item: dict[str, Any] = {"task": task.number, "title": task.title, "status": task.status,
                                    "repo": task.repo, "branch": task.branch, "path": task.worktree_path}  # fmt: skip
            try:
                path = Path(task.worktree_path or "")
                if path.is_dir():
                    item["modified"], item["untracked"] = dirty_counts(path)
                    item["exists"] = True
                else:
                    item["exists"] = False
            except GitError as err:
                item["error"] = err.message
            rows.append(item)
        return rows


def run_post_create(command: str, cwd: Path, timeout: float) -> str | None:
    """Run ``post_create`` in the new worktree; a failure or a timeout is a warning (returned)."""
    try:
        proc = subprocess.Popen(command, shell=True, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, start_new_session=True)  # fmt: skip
    except OSError as exc:
        return f"post_create could not start: {exc}"
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return f"post_create ({command}) did not finish in {timeout:g} s and was stopped; the worktree is kept"
    if proc.returncode != 0:
        tail = " | ".join(output.strip().splitlines()[-3:])
        return f"post_create ({command}) failed with exit code {proc.returncode}: {tail}; the worktree is kept"
    return None


def _kill(proc: subprocess.Popen[Any]) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def _private_git_dir(path: Path) -> Path | None:
    """The worktree's own git dir, from its ``.git`` file (``gitdir: ...``); None when unreadable."""
    try:
        text = (path / ".git").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("gitdir: "):
        return None
    found = (path / text[len("gitdir: "):].strip()).resolve()
    return found if found.is_dir() else None


def _worktree_config_on(git_dir: Path) -> bool:
    """Is ``extensions.worktreeConfig = true`` plainly in the common config? False when unsure (the
    caller then sets it with git, which is harmless when it was set)."""
    try:
        common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        text = (common / "config").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[] \t").lower()
        elif section == "extensions" and re.fullmatch(r"worktreeconfig\s*=\s*true", line, flags=re.IGNORECASE):
            return True
    return False


def _config_safe(value: str) -> bool:
    return "\n" not in value and "\r" not in value and "\0" not in value


def _config_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _write_exec(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
