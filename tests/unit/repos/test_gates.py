"""Quality gates as real processes: pass, fail, hang (timeout), missing program, coverage.json from the
real coverage.py, GateRun rows and gate_status, reuse for the same commit, `mhv td` refusing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mhv.config import check_text
from mhv.repos.errors import GateFailedError
from mhv.repos.gates import Gates, read_coverage, run_command
from mhv.tasks.repo_records import gate_runs
from tests.unit.repos.conftest import git

PY = sys.executable


def _gates(service, repo: Path, gates_toml: str) -> Gates:
    service.add_repo("api", str(repo), None, "main")
    config, problems = check_text(f"[repos.api]\n{gates_toml}\n")
    assert problems == []
    return Gates(service, config)


class TestCommands:
    def test_pass_fail_timeout_missing(self, tmp_path: Path):
        lines: list[str] = []
        ok = run_command("t", f"{PY} -c \"print('hello')\"", tmp_path, 10, lambda n, line: lines.append(line))
        assert ok.passed and ok.exit_code == 0 and lines == ["hello"]
        bad = run_command("t", f"{PY} -c 'import sys; print(\"boom\"); sys.exit(3)'", tmp_path, 10)
        assert not bad.passed and bad.exit_code == 3 and bad.reason == "exit code 3" and "boom" in bad.tail
        hang = run_command("t", f"{PY} -c 'import time; time.sleep(30)'", tmp_path, 0.5)
        assert not hang.passed and hang.reason == "timed out after 0.5 s" and hang.duration_ms < 5000
        missing = run_command("t", "no-such-program-xyz --flag", tmp_path, 5)
        assert not missing.passed and missing.reason == "program not found: no-such-program-xyz"
        missing_sh = run_command("t", "no-such-program-xyz && true", tmp_path, 5)
        assert not missing_sh.passed and "program not found" in missing_sh.reason

    def test_coverage_json_from_real_coverage(self, tmp_path: Path):
        (tmp_path / "mod.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n\nf(1)\n")
        gate = run_command("cov", f"{PY} -m coverage run mod.py", tmp_path, 60)
        assert gate.passed
        run_command("cov", f"{PY} -m coverage json -q", tmp_path, 60)
        value, why = read_coverage(tmp_path / "coverage.json")
        assert why == "" and value == pytest.approx(80.0)
        (tmp_path / "coverage.json").write_text("{not json")
        assert read_coverage(tmp_path / "coverage.json")[0] is None

    def test_a_coverage_json_left_by_an_earlier_run_is_refused(self, tmp_path: Path):
        """Judged by the file (changed or not while the gate ran), not by this process's clock."""
        from mhv.config.model import GateConfig
        from mhv.repos.gates import file_stamp, run_gate

        report = tmp_path / "coverage.json"
        report.write_text(json.dumps({"totals": {"percent_covered": 95.0}}))
        stale = run_gate("cov", GateConfig(command=f"{PY} -c pass", min_coverage=80), tmp_path)
        assert not stale.passed and stale.reason == "coverage unknown: coverage.json was not written by this run"
        write = "import json; json.dump({'totals': {'percent_covered': 91.0}}, open('coverage.json', 'w'))"
        fresh = run_gate("cov", GateConfig(command=f'{PY} -c "{write}"', min_coverage=80), tmp_path)
        assert fresh.passed and fresh.coverage == 91.0
        before = file_stamp(report)
        assert read_coverage(report, before) == (None, "coverage.json was not written by this run")
        assert file_stamp(tmp_path / "absent.json") is None


class TestTaskGates:
    def test_runs_in_parallel_are_stored_and_set_gate_status(self, service, make_repo):
        repo = make_repo()
        gates = _gates(
            service,
            repo,
            f'gates = {{ ok = "{PY} -c pass", slow = "{PY} -c \'import time; time.sleep(0.6)\'", '
            f"slow2 = \"{PY} -c 'import time; time.sleep(0.6)'\" }}",
        )
        task = service.create({"title": "t", "repo": "api"})
        outcome = gates.run(task.number)
        assert outcome.passed and [r.name for r in outcome.results] == ["ok", "slow", "slow2"]
        assert service.get(1).gate_status == "passed"
        runs = gate_runs(service, task.id)
        assert {r.name for r in runs} == {"ok", "slow", "slow2"}
        assert all(r.commit_sha == git(repo, "rev-parse", "HEAD") for r in runs)

    def test_td_refuses_on_failure_then_overrides(self, service, make_repo):
        repo = make_repo()
        gates = _gates(
            service,
            repo,
            f'gates = {{ tests = "{PY} -c \'import sys; print(\\"2 failed\\"); sys.exit(1)\'", '
            'docs = { command = "false", required = false } }',
        )
        service.create({"title": "t", "repo": "api"})
        with pytest.raises(GateFailedError) as err:
            gates.before_completion(1)
        assert (
            err.value.exit_code == 8
            and "2 failed" in err.value.message
            and err.value.details["failed"] == ["tests"]
        )
        assert service.get(1).gate_status == "failed" and service.get(1).status == "pending"
        gates.before_completion(1, override_reason="flaky, see #9")
        assert service.get(1).gate_status == "overridden"
        assert gate_runs(service, service.get(1).id)[0].reason == "flaky, see #9"

    def test_passing_run_of_the_same_commit_is_reused(self, service, make_repo):
        repo = make_repo()
        (repo / "count.py").write_text(
            "import pathlib\np = pathlib.Path('runs.txt')\np.write_text(p.read_text() + 'x' if p.exists() else 'x')\n"
        )
        (repo / ".gitignore").write_text("runs.txt\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "counter")
        gates = _gates(service, repo, f'gates = {{ count = "{PY} count.py" }}')
        service.create({"title": "t", "repo": "api"})
        gates.run(1)
        outcome = gates.before_completion(1)
        assert outcome is not None and outcome.results[0].reused and (repo / "runs.txt").read_text() == "x"
        (repo / "README.md").write_text("changed\n")  # a dirty tree is not that commit: run again
        gates.before_completion(1)
        assert (repo / "runs.txt").read_text() == "xx"

    def test_min_coverage_and_unreadable_result_fail(self, service, make_repo):
        repo = make_repo()
        gates = _gates(
            service, repo, f'gates = {{ cov = {{ command = "{PY} -c pass", min_coverage = 80 }} }}'
        )
        service.create({"title": "t", "repo": "api"})
        result = gates.run(1).results[0]
        assert not result.passed and result.reason.startswith("coverage unknown: no coverage.json")
        (repo / "write.py").write_text(
            "import json\njson.dump({'totals': {'percent_covered': 71.5}}, open('coverage.json', 'w'))\n"
        )
        gates = Gates(
            service,
            check_text(
                f'[repos.api]\ngates = {{ cov = {{ command = "{PY} write.py", min_coverage = 80 }} }}\n'
            )[0],
        )
        result = gates.run(1).results[0]
        assert not result.passed and result.coverage == 71.5 and "below the minimum 80%" in result.reason


class TestCli:
    def test_td_gate_then_worktree_end_to_end(self, mhv, make_repo, mhv_home: Path):
        repo = make_repo()
        (repo / "check.py").write_text("import sys\nsys.exit(0)\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "check")
        mhv_home.mkdir(parents=True, exist_ok=True)
        (mhv_home / "config.toml").write_text(
            f'[repos.api]\nworktrees = true\ngates = {{ check = "{PY} check.py" }}\n'
        )
        assert mhv("repo", "add", "api", str(repo))[0] == 0
        assert mhv("tc", "add check @api")[0] == 0
        code, out, err = mhv("start", "1", "--json")
        assert code == 0, err
        path = Path(json.loads(out)["worktree"]["path"])
        (path / "check.py").write_text("import sys\nprint('check failed')\nsys.exit(1)\n")
        git(path, "commit", "-qam", "break")
        assert "Refs: mhv-1" in git(path, "log", "-1", "--format=%B")
        code, out, err = mhv("td", "1")
        assert code == 8 and "gate 'check' failed" in err and "check failed" in err
        code, out, err = mhv("td", "1", "--override")
        assert code == 2 and "need --reason" in err
        (path / "check.py").write_text("print('fine')\n")
        git(path, "commit", "-qam", "fix")
        code, out, err = mhv("td", "1")
        assert (
            code == 0
            and "Completed task 1" in out
            and "kept worktree" in err
            and "2 commits not on main" in err
        )
        git(repo, "merge", "-q", "--no-edit", "mhv-1-add-check")
        code, out, _ = mhv("worktree", "prune", "--json")
        assert code == 0 and json.loads(out)[0]["removed"] is True and not path.exists()
        code, out, _ = mhv("gate", "list", "1", "--json")
        assert [r["status"] for r in json.loads(out)["runs"]] == ["passed", "failed"]
        code, out, _ = mhv("show", "1", "--json")
        assert json.loads(out)["branch"] == "mhv-1-add-check" and json.loads(out)["gate_status"] == "passed"


def test_worktree_open_runs_the_shell_in_the_worktree(mhv, make_repo, tmp_path: Path, monkeypatch):
    repo = make_repo()
    shell = tmp_path / "shell.sh"
    shell.write_text(f"#!/bin/sh\npwd > {tmp_path / 'where.txt'}\nexit 3\n")
    shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(shell))
    mhv("repo", "add", "api", str(repo))
    mhv("tc", "try it @api")
    code, _, err = mhv("worktree", "open", "1")
    assert code == 3, err  # the shell's own exit code
    assert (tmp_path / "where.txt").read_text().strip().endswith("/api/mhv-1-try-it")
