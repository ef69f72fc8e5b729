"""`mhv repo status`: counts, worktrees with dirty state, last gate, cross-repository blockers."""

from __future__ import annotations

import json
from pathlib import Path

from mhv.config import Config
from mhv.repos.status import repo_status
from mhv.repos.worktrees import Worktrees
from mhv.tasks.repo_records import GateRunRecord, add_gate_run


def test_status_on_both_stores(service, make_repo, clock):
    repo = make_repo()
    service.add_repo("api", str(repo), None, "main")
    service.add_repo("akosha", None, None, "main")
    service.create({"title": "late", "repo": "api", "due": "2026-11-01"})
    service.create({"title": "work", "repo": "api"})
    service.create({"title": "index", "repo": "akosha"})
    service.add_dependency(2, 3)
    service.start(1)
    path = Worktrees(service).create(1).path
    (path / "draft.py").write_text("x")
    add_gate_run(
        service,
        GateRunRecord(
            task_id=service.get(1).id,
            repo="api",
            name="tests",
            command="pytest",
            status="failed",
            started_at=clock(),
            finished_at=clock(),
            exit_code=1,
        ),
    )
    status = repo_status(service, Config())
    data = {r["name"]: r for r in status.to_json()["repos"]}
    assert {k: data["api"][k] for k in ("open", "in_progress", "blocked", "overdue")} == {
        "open": 2,
        "in_progress": 1,
        "blocked": 1,
        "overdue": 1,
    }
    assert data["api"]["worktrees"][0]["untracked"] == 1 and data["api"]["worktrees"][0]["dirty"]
    assert data["api"]["last_gate"]["status"] == "failed" and data["akosha"]["last_gate"] is None
    assert status.blocker_lines() == ["api #2 waits on akosha #3"]


def test_repo_status_cli(mhv, make_repo, mhv_home: Path):
    repo = make_repo()
    assert mhv("repo", "add", "api", str(repo))[0] == 0
    mhv("tc", "one @api")
    code, out, _ = mhv("repo", "status", "--json")
    assert code == 0 and json.loads(out)["repos"][0]["open"] == 1
    code, out, _ = mhv("repo", "status")
    assert "@api" in out
