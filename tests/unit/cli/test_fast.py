"""The fast path and the full Typer CLI give the same results for the forms the fast path takes."""

from __future__ import annotations

import json

from mhv.cli.context import CliState
from mhv.cli.fast import try_fast


def run_full(capsys, *args):
    from mhv.cli.app import app
    from mhv.cli.context import new_state

    st = new_state()
    app(list(args), prog_name="mhv", standalone_mode=False)
    st.close()
    return capsys.readouterr()


def run_fast(capsys, *args):
    st = CliState()
    assert try_fast(list(args), st) is True
    st.close()
    return capsys.readouterr()


def test_same_created_task(capsys):
    fast = json.loads(run_fast(capsys, "tc", "fix login #auth @api", "--json").out)
    full = json.loads(run_full(capsys, "tc", "fix login #auth @api", "--json").out)
    drop = {"id", "number", "created_at", "updated_at"}
    assert {k: v for k, v in fast.items() if k not in drop} == {
        k: v for k, v in full.items() if k not in drop
    }
    assert fast["tags"] == ["auth"] and fast["repo"] == "api"


def test_same_human_output(capsys):
    run_full(capsys, "tc", "one")
    a = run_fast(capsys, "tc", "two @x")
    # what the parser understood is shown under the result (new with the quick-add language)
    assert a.out == "Created task 2: two\n  understood: @x\n" and "not a registered repository" in a.err
    b = run_full(capsys, "tc", "three @x")
    assert b.out == "Created task 3: three\n  understood: @x\n"
    assert run_fast(capsys, "tl").out == run_full(capsys, "tl").out
    assert run_fast(capsys, "td", "1").out == "Completed task 1: one\n"


def test_declines_forms_it_does_not_handle():
    st = CliState()
    for args in (
        ["tc"],
        ["tc", "x", "--due", "fri"],
        ["td", "abc"],
        ["tl", "--help"],
        ["tl", "-an", "5"],  # short options run together: Typer reads those
        ["tl", "--limit"],
        ["tl", "--limit", "x"],
        ["tl", "--", "-x"],
        ["tl", "--json=1"],
        ["show"],
        ["show", "1", "2"],
        ["next", "--predicted"],
        ["next", "-n", "0"],
        ["ts"],
        ["ts", "x", "--bogus"],
        ["tc", "-h"],
        ["import", "taskwarrior"],
        ["import", "taskwarrior", "--help"],
        ["import", "taskwarrior", "a.json", "b.json"],
        ["import", "todotxt", "a.txt"],
        [],
    ):
        assert try_fast(args, st) is False


def test_fast_path_validates_like_pydantic(capsys):
    import pytest

    from mhv.errors import ValidationError

    st = CliState()
    with pytest.raises(ValidationError) as info:
        try_fast(["tc", "x" * 300], st)
    assert "limit is 200" in str(info.value)


def test_stats_fast_path_matches_typer(capsys, clock):
    """`mhv stats` runs without the Typer app; with every option form, the same bytes as through it."""
    from dateutil.tz import UTC

    from mhv.store import open_store
    from mhv.tasks.service import TaskService

    store = open_store()
    svc = TaskService(store, clock=clock, tz=UTC, actor="test")
    for i in range(8):
        t = svc.create({"title": f"task {i}", "repo": "api" if i % 2 else "web", "tags": ["db"] if i % 3 else [],
                        "estimate_minutes": 30})  # fmt: skip
        svc.start(t.number)
        clock.advance(minutes=20 + 7 * i)
        svc.complete(t.number)
        clock.advance(hours=9)
    store.close()
    now = ["--now", "2026-12-20T09:00"]
    for args in (["stats", *now], ["stats", "--json", *now], ["stats", "-r", "@api", "--json", *now],
                 ["stats", "--tag=#DB", *now], ["stats", "--since", "2026-11-26", "-t", "db", *now],
                 ["stats", "--repo", "x", "--repo", "web", *now]):  # fmt: skip
        fast = run_fast(capsys, *args)
        full = run_full(capsys, *args)
        assert fast.out == full.out and fast.err == full.err, args
        assert fast.out.strip()
    st = CliState()
    for args in (["stats", "--help"], ["stats", "extra"], ["stats", "-rapi"], ["stats", "--predicted"],
                 ["stats", "--now"], ["stats", "--json=1"]):  # fmt: skip
        assert try_fast(args, st) is False, args


def test_taskwarrior_import_fast_path_matches_typer(capsys, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"uuid": "0b3c2f3e-1111-4222-8333-444455556666", "description": "one",
                                   "status": "pending", "entry": "20261124T090000Z", "modified": "20261124T090000Z"},
                                  {"description": "no uuid"}]))  # fmt: skip
    fast = run_fast(capsys, "import", "taskwarrior", str(export))
    full = run_full(capsys, "import", "taskwarrior", str(export))
    assert fast.out.replace("1 created, 0 updated", "0 created, 0 updated") == full.out
    assert fast.out.startswith("Imported from Taskwarrior: 1 created, 0 updated, 1 skipped")
    as_json = json.loads(run_fast(capsys, "import", "taskwarrior", "--json", str(export)).out)
    assert (as_json["created"], as_json["updated"], len(as_json["skipped"])) == (0, 0, 1)
    from mhv.errors import ValidationError

    try:
        run_fast(capsys, "import", "taskwarrior", str(tmp_path / "missing.json"))
    except ValidationError as err:
        assert "no file" in str(err)
    else:
        raise AssertionError("a missing file must be an error")
