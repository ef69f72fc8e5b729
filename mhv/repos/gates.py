"""Quality gates: run a repository's gates for a task (in its worktree, else the repository's path),
independent gates in parallel, each a real process with a timeout, each run stored as a GateRun.

A missing program, a timeout or an unreadable result is a failure with its reason, never a pass.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhv.config.model import Config, GateConfig
from mhv.errors import ValidationError
from mhv.repos import git
from mhv.repos.errors import GateFailedError, NoGatesError, NoRepoError
from mhv.repos.settings import RepoSettings, repo_settings
from mhv.tasks.models import Task
from mhv.tasks.repo_records import GateRunRecord, add_gate_run, gate_runs
from mhv.tasks.service import TaskService

TAIL_LINES = 40
OnLine = Callable[[str, str], None]  # (gate name, output line)
OnStart = Callable[[str], None]  # (gate name), from the gate's worker thread as it starts
OnDone = Callable[["GateResult"], None]  # each result as its gate ends (first finished, first told)
_SHELL_CHARS = set("|&;<>()$`*?[]{}~'\"\\\n")


@dataclass(slots=True)
class GateResult:
    name: str
    command: str
    passed: bool
    exit_code: int | None
    duration_ms: int
    tail: str
    reason: str = ""  # why it failed (or "" when it passed)
    coverage: float | None = None
    required: bool = True
    reused: bool = False  # a passing run of the same commit, not run again

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "command": self.command, "passed": self.passed, "exit_code": self.exit_code,
                "duration_ms": self.duration_ms, "reason": self.reason, "coverage": self.coverage,
                "required": self.required, "reused": self.reused, "tail": self.tail}  # fmt: skip


# ---------------------------------------------------------------------------------- one process
def run_command(name: str, command: str | list[str], cwd: Path, timeout: float,
                on_line: OnLine | None = None, env: dict[str, str] | None = None) -> GateResult:  # fmt: skip
    """Run one command, streaming its output lines; a plain command runs without a shell (so a missing
    program is named), one with shell syntax through ``sh -c``."""
    shown = command if isinstance(command, str) else shlex.join(command)
    if isinstance(command, list):
        argv, shell = command, False
    elif _SHELL_CHARS & set(command):
        argv, shell = ["sh", "-c", command], True
    else:
        argv, shell = shlex.split(command), False
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                text=True, errors="replace", start_new_session=True, env=env)  # fmt: skip
    except FileNotFoundError:
        return GateResult(name, shown, False, None, 0, "", f"program not found: {argv[0]}")
    except OSError as exc:
        return GateResult(name, shown, False, None, 0, "", f"could not start: {exc}")
    tail: deque[str] = deque(maxlen=TAIL_LINES)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            tail.append(line)
            if on_line is not None:
                on_line(name, line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait()
    reader.join(timeout=2)
    ms = int((time.monotonic() - start) * 1000)
    text = "\n".join(tail)
    if timed_out:
        return GateResult(name, shown, False, None, ms, text, f"timed out after {timeout:g} s")
    code = proc.returncode
    if shell and code == 127:
        return GateResult(name, shown, False, code, ms, text, "program not found (exit 127 from the shell)")
    return GateResult(name, shown, code == 0, code, ms, text, "" if code == 0 else f"exit code {code}")


def file_stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when a file is written (inode, size, mtime and ctime in ns); None if absent."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_coverage(path: Path, before: tuple[int, int, int, int] | None = None) -> tuple[float | None, str]:
    """``totals.percent_covered`` of a coverage.py JSON report; (None, why) when it cannot be used.

    ``before``: the file's stamp taken before the gate ran (``file_stamp``, None: there was none); a report left unchanged
    since is an older run's and is refused. Judged by the file itself, not by comparing its mtime with
    this process's clock, which can disagree (a network filesystem, a clock moved meanwhile)."""
    try:
        if before is not None and file_stamp(path) == before:
            return None, f"{path.name} was not written by this run"
        data = json.loads(path.read_text(encoding="utf-8"))
        value = data["totals"]["percent_covered"]
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None, f"{path.name}: totals.percent_covered is not a number"
        return float(value), ""
    except FileNotFoundError:
        return None, f"no {path.name} was written"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"{path.name} is unreadable ({exc.__class__.__name__})"


def run_gate(name: str, gate: GateConfig, cwd: Path, on_line: OnLine | None = None,
             on_start: OnStart | None = None) -> GateResult:  # fmt: skip
    if on_start is not None:
        on_start(name)
    if gate.kind == "command":
        before = file_stamp(cwd / "coverage.json")
        result = run_command(name, gate.command or "", cwd, gate.timeout, on_line)
        coverage, _why = read_coverage(cwd / "coverage.json", before)
        result.coverage = coverage
        if result.passed and gate.min_coverage is not None:
            _judge_coverage(result, gate.min_coverage, coverage, _why)
    elif gate.mode == "mcp":
        from mhv.repos.crackerjack_mcp import run_mcp_gate

        result = run_mcp_gate(name, gate, cwd, on_line)
    else:
        before = file_stamp(cwd / "coverage.json")
        result = run_command(name, [gate.python, "-m", "crackerjack", "run", *gate.flags], cwd, gate.timeout, on_line)
        coverage, why = read_coverage(cwd / "coverage.json", before)
        result.coverage = coverage
        if result.passed and gate.min_coverage is not None:
            _judge_coverage(result, gate.min_coverage, coverage, why)
    result.required = gate.required
    return result


def _judge_coverage(result: GateResult, minimum: float, coverage: float | None, why: str) -> None:
    if coverage is None:
        result.passed, result.reason = False, f"coverage unknown: {why}"
    elif coverage < minimum:
        result.passed, result.reason = False, f"coverage {coverage:.1f}% is below the minimum {minimum:g}%"


def run_gates(gates: dict[str, GateConfig], cwd: Path, on_line: OnLine | None = None,
              on_done: OnDone | None = None, on_start: OnStart | None = None) -> list[GateResult]:  # fmt: skip
    """Every gate at once (they are independent): ``on_done`` hears each as it ends, the list comes
    back in the configured order."""
    if not gates:
        return []
    with ThreadPoolExecutor(max_workers=min(len(gates), 8), thread_name_prefix="mhv-gate") as pool:
        futures = {pool.submit(run_gate, name, gate, cwd, on_line, on_start): name for name, gate in gates.items()}
        done: dict[str, GateResult] = {}
        for future in as_completed(futures):
            result = future.result()
            done[futures[future]] = result
            if on_done is not None:
                on_done(result)
    return [done[name] for name in gates]


# ---------------------------------------------------------------------------------- for a task
@dataclass(slots=True)
class GateOutcome:
    task: Task
    results: list[GateResult] = field(default_factory=list)
    commit: str | None = None

    @property
    def failed(self) -> list[GateResult]:
        return [r for r in self.results if r.required and not r.passed]

    @property
    def passed(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task.number, "gate_status": self.task.gate_status, "commit": self.commit,
                "passed": self.passed, "gates": [r.to_json() for r in self.results]}  # fmt: skip


class Gates:
    def __init__(self, service: TaskService, config: Config | None = None) -> None:
        self.service = service
        self.config = config or Config()

    def settings_for(self, task: Task) -> RepoSettings | None:
        return repo_settings(self.service, self.config, task.repo) if task.repo else None

    def required(self, task: Task) -> dict[str, GateConfig]:
        s = self.settings_for(task)
        return s.required_gates if s is not None else {}

    def where(self, task: Task, s: RepoSettings) -> Path:
        if task.worktree_path and Path(task.worktree_path).is_dir():
            return Path(task.worktree_path)
        if s.path is not None and s.path.is_dir():
            return s.path
        raise NoRepoError(f"#{task.number} has no worktree and @{s.name} has no path here to run its gates in",
                          f"mhv repo add {s.name} PATH --replace, or mhv worktree create {task.number}")  # fmt: skip

    def _commit(self, cwd: Path) -> str | None:
        """HEAD of ``cwd`` when the tree is clean (a dirty tree is not that commit)."""
        head = git.run(cwd, "rev-parse", "HEAD", check=False)
        if head.returncode != 0:
            return None
        status = git.run(cwd, "status", "--porcelain", "--untracked-files=no", check=False)
        return head.stdout.strip() if status.returncode == 0 and not status.stdout.strip() else None

    def run(self, ref: int | str, *, only: list[str] | None = None, reuse: bool = False,
            on_line: OnLine | None = None, on_done: OnDone | None = None, on_start: OnStart | None = None
            ) -> GateOutcome:  # fmt: skip
        """Run the task's gates (``only`` some; ``reuse``: keep a passing run of the same commit)."""
        task = self.service.get(ref)
        s = self.settings_for(task)
        if s is None or not s.gates:
            where = f"[repos.{task.repo}]" if task.repo else "a repository"
            raise NoGatesError(f"#{task.number} has no gates to run", f'add gates to {where} in config.toml: '
                               'gates = { tests = "pytest -q" }')  # fmt: skip
        gates = dict(s.gates)
        if only:
            unknown = [g for g in only if g not in gates]
            if unknown:
                raise ValidationError(f"no gate {unknown[0]!r} in @{s.name}", f"its gates: {', '.join(gates)}")
            gates = {k: v for k, v in gates.items() if k in only}
        cwd = self.where(task, s)
        commit = self._commit(cwd)
        outcome = GateOutcome(task, commit=commit)
        if reuse and commit:
            previous: dict[str, GateRunRecord] = {}
            for run in gate_runs(self.service, task.id, limit=200):
                previous.setdefault(run.name, run)
            for name in list(gates):
                last = previous.get(name)
                if last is not None and last.status == "passed" and last.commit_sha == commit:
                    outcome.results.append(GateResult(name, last.command, True, last.exit_code, last.duration_ms or 0,
                                                      last.output_tail, coverage=last.coverage,
                                                      required=gates[name].required, reused=True))  # fmt: skip
                    if on_done is not None:
                        on_done(outcome.results[-1])
                    del gates[name]
        started = self.service.clock()
        fresh = run_gates(gates, cwd, on_line, on_done, on_start)
        finished = self.service.clock()
        for r in fresh:
            add_gate_run(self.service, GateRunRecord(
                task_id=task.id, repo=task.repo, name=r.name, command=r.command,
                status="passed" if r.passed else "failed", started_at=started, finished_at=finished,
                exit_code=r.exit_code, duration_ms=r.duration_ms, output_tail=r.tail[-4000:],
                coverage=r.coverage, commit_sha=commit, reason=r.reason))  # fmt: skip
        order = list(s.gates)
        outcome.results = sorted([*outcome.results, *fresh], key=lambda r: order.index(r.name))
        status = "passed" if outcome.passed else "failed"
        if task.gate_status != status:
            outcome.task = self.service.update(task.id, {"gate_status": status})
        return outcome

    def override(self, ref: int | str, reason: str) -> Task:
        if not reason.strip():
            raise ValidationError("an override needs a reason", 'say why: --reason "flaky test, tracked in #51"')
        task = self.service.get(ref)
        now = self.service.clock()
        add_gate_run(self.service, GateRunRecord(task_id=task.id, repo=task.repo, name="override", command="",
                                                 status="overridden", started_at=now, finished_at=now,
                                                 reason=reason.strip()))  # fmt: skip
        return self.service.update(task.id, {"gate_status": "overridden"})

    def before_completion(self, ref: int | str, *, override_reason: str | None = None,
                          on_line: OnLine | None = None, on_done: OnDone | None = None,
                          on_start: OnStart | None = None) -> GateOutcome | None:  # fmt: skip
        """`mhv td` / `d`: a task whose repository has required gates runs them (or reuses a passing
        run of the same commit) and is refused on a failure (GateFailedError), unless overridden."""
        task = self.service.get(ref)
        required = self.required(task)
        if not required:
            return None
        if override_reason is not None:
            self.override(task.id, override_reason)
            return None
        outcome = self.run(task.id, only=list(required), reuse=True, on_line=on_line, on_done=on_done, on_start=on_start)
        if outcome.failed:
            first = outcome.failed[0]
            tail = "\n".join(first.tail.splitlines()[-12:])
            raise GateFailedError(
                f"#{task.number} was not completed: gate {first.name!r} failed ({first.reason})"
                + (f"\n{tail}" if tail else ""),
                f'fix it and run `mhv td {task.number}` again, or complete anyway: '
                f'mhv td {task.number} --override --reason "..."',
                failed=[r.name for r in outcome.failed])  # fmt: skip
        return outcome
