"""todo.txt and CSV import (CSV round-trips `mhv export --format csv`), the sample workspace and the
repository scan (real git checkouts). Run against SQLite and PostgreSQL like the service tests."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mhv.errors import ImportFormatError
from mhv.repos.scan import register, scan_repos
from mhv.tasks.interop.csv_import import import_csv
from mhv.tasks.interop.exporting import export_text
from mhv.tasks.interop.todotxt import import_todotxt
from mhv.tasks.models import STATUSES, TaskFilter
from mhv.tasks.sample import REPOS, SAMPLE, load_sample

TODO = """\
x 2026-11-20 2026-11-01 Call Mom +family @phone due:2026-12-05 pri:A
(B) 2026-11-02 review PR +crackerjack +ci @work t:2026-11-30 url:https://example.com/pr/1
plain task with no extras
(C)
(Z) someday maybe rec:weekly
bad date due:2026-13-01
"""


def everything(service):
    return service.list_tasks(TaskFilter(statuses=STATUSES, order="number"))


class TestTodoTxt:
    def test_fields_and_skips(self, service):
        seen: list[tuple[int, int]] = []
        summary = import_todotxt(service, TODO, progress=lambda done, total: seen.append((done, total)))
        assert (summary.created, summary.updated) == (4, 0)
        assert summary.skipped == [("line 4 ('(C)')", "no task text"),
                                   ("line 6 ('bad date due:2026-13-01')", "bad date (month must be in 1..12)")]  # fmt: skip
        assert seen[-1] == (4, 4)
        mom, pr, plain, someday = everything(service)
        assert (mom.title, mom.status, mom.priority, mom.repo, mom.tags) == (
            "Call Mom",
            "completed",
            "critical",
            "family",
            ["phone"],
        )
        assert mom.completed_at == datetime(2026, 11, 20, tzinfo=UTC) and mom.created_at == datetime(
            2026, 11, 1, tzinfo=UTC
        )
        assert mom.due == datetime(2026, 12, 5, tzinfo=UTC) and mom.due_all_day
        assert (pr.priority, pr.repo, pr.tags) == ("high", "crackerjack", ["ci", "work"])
        assert pr.scheduled == datetime(2026, 11, 30, tzinfo=UTC)
        assert pr.metadata == {"todotxt": {"url": "https://example.com/pr/1"}}
        assert (plain.priority, plain.repo, plain.tags, plain.source) == ("medium", None, [], "todotxt")
        assert (someday.priority, someday.recurrence) == ("low", "FREQ=WEEKLY")

    def test_reimport_changes_nothing_and_edits_update(self, service):
        import_todotxt(service, TODO)
        seq = service.last_seq()
        again = import_todotxt(service, TODO)
        assert (again.created, again.updated) == (0, 0)
        assert ("4 task(s)", "already imported and unchanged") in again.skipped
        assert service.last_seq() == seq  # nothing written
        edited = TODO.replace("plain task with no extras", "plain task with no extras @home")
        summary = import_todotxt(service, edited)
        assert (summary.created, summary.updated) == (0, 1)
        assert everything(service)[2].tags == ["home"]

    def test_one_undo_step(self, service):
        import_todotxt(service, TODO)
        service.undo()
        assert everything(service) == []


class TestCsv:
    def test_round_trip_of_the_exporter(self, service, tmp_path):
        load_sample(service)
        service.update(3, {"description": 'multi\nline, with "quotes"', "metadata": {"k": [1, 2]}})
        text = export_text(service, "csv")
        from mhv.store import open_store
        from mhv.tasks.service import TaskService

        other = TaskService(
            open_store(f"sqlite:///{tmp_path / 'other.db'}"), clock=service.clock, tz=service.tz, actor="t"
        )
        try:
            summary = import_csv(other, text)
            assert (summary.created, summary.updated, summary.skipped) == (17, 0, [])
            assert export_text(other, "csv") == text  # every column, dependencies included
            again = import_csv(other, text)
            assert (again.created, again.updated) == (0, 0)
            assert [t.to_json() for t in everything(other)] == [t.to_json() for t in everything(service)]
        finally:
            other.store.close()

    def test_minimal_columns_updates_and_skips(self, service):
        text = "title,priority,tags,depends_on,number\nship it,high,release,2,1\nwrite notes,,docs,,2\n,low,,,\nx,urgent,,,\n"
        summary = import_csv(service, text)
        assert (summary.created, summary.updated) == (2, 0)
        assert summary.skipped == [
            ("line 4", "empty title"),
            ("line 5 ('x')", "unknown priority 'urgent' (use critical, high, medium, low)"),
        ]
        ship = service.get(1, links=True)
        assert (ship.title, ship.priority, ship.tags, ship.status) == (
            "ship it",
            "high",
            ["release"],
            "blocked",
        )
        assert ship.depends_on == [2]
        # a row with an id updates that task
        row = f"id,title,priority\n{ship.id},ship it now,critical\n"
        summary = import_csv(service, row)
        assert (summary.created, summary.updated) == (0, 1)
        assert (service.get(1).title, service.get(1).priority) == ("ship it now", "critical")

    def test_no_title_column(self, service):
        with pytest.raises(ImportFormatError) as err:
            import_csv(service, "name,prio\na,b\n", source="x.csv")
        assert err.value.message == "x.csv: the first line has no 'title' column (found: name, prio)"


class TestSample:
    def test_every_view_has_something(self, service, clock):
        assert load_sample(service) == len(SAMPLE) == 17
        counts = service.counts_by_status()
        assert counts == {"pending": 9, "in_progress": 2, "blocked": 3, "completed": 3}
        assert {r.name for r in service.list_repos()} == {name for name, _ in REPOS}
        now = clock()
        assert service.count(TaskFilter(due_before=now.replace(hour=23, minute=59))) >= 2  # today
        release = service.get(4, links=True)
        assert release.status == "blocked" and sorted(release.depends_on) == [1, 2, 5]
        kinds = [e.kind for e in service.history(1)]
        assert kinds == ["task.created", "task.started"]  # history to show
        created = [e.at for e in service.events_since(0) if e.kind == "task.created"]
        assert min(created) < max(created)  # spread over two weeks, not one instant
        assert service.clock is clock  # the real clock is back


def _git_repo(path: Path, remote: str | None = None) -> None:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    if remote:
        subprocess.run(["git", "-C", str(path), "remote", "add", "origin", remote], check=True)


class TestScan:
    def test_finds_checkouts_and_registers_new_ones(self, service, tmp_path):
        src = tmp_path / "src"
        _git_repo(src / "alpha", "git@example.com:me/alpha.git")
        _git_repo(src / "work" / "beta")
        _git_repo(src / "work" / "beta" / "vendored")  # inside a checkout: not descended into
        _git_repo(src / "other" / "alpha")  # same folder name: gets a unique one
        (src / "node_modules" / "x").mkdir(parents=True)
        _git_repo(src / "a" / "b" / "c" / "too-deep")
        found = scan_repos(src, service)
        assert [(f.name, f.path.relative_to(src).as_posix(), f.remote, f.branch) for f in found] == [
            ("alpha", "alpha", "git@example.com:me/alpha.git", "main"),
            ("alpha-2", "other/alpha", None, "main"),
            ("beta", "work/beta", None, "main"),
        ]
        assert register(service, found) == ["alpha", "alpha-2", "beta"]
        again = scan_repos(src, service)
        assert all(f.registered for f in again) and register(service, again) == []
        assert "alpha" in service.repo_names()
