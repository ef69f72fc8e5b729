from __future__ import annotations

import json

from mhv.cli.entry import main


def run_batch(capsys, tmp_path, lines: list[str]) -> tuple[int, list[dict]]:
    path = tmp_path / "cmds.txt"
    path.write_text("\n".join(lines) + "\n")
    try:
        main(["--batch", str(path)])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_batch_runs_each_line_and_skips_bad_ones(capsys, tmp_path):
    code, results = run_batch(capsys, tmp_path, [
        "tc write migration #db @mahavishnu",
        "# a comment",
        "",
        "tc add index --after 1",
        "td 42",
        'tc "unclosed',
        "frobnicate",
        "td 1",
        "tl",
    ])  # fmt: skip
    assert code == 1
    assert [r["line"] for r in results] == [1, 4, 5, 6, 7, 8, 9]
    ok = {r["line"]: r["ok"] for r in results}
    assert ok == {1: True, 4: True, 5: False, 6: False, 7: False, 8: True, 9: True}
    assert results[0]["result"]["tags"] == ["db"]
    assert results[1]["result"]["status"] == "blocked"
    assert results[2]["error"]["code"] == "MHV-101"
    assert "quotation" in results[3]["error"]["error"] and "quote" in results[3]["error"]["hint"]
    assert "No such command" in results[4]["error"]["error"]
    listed = results[6]["result"]
    assert [t["number"] for t in listed] == [2] and listed[0]["status"] == "pending"


def test_batch_from_stdin(capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("tc one\ntc two\n"))
    try:
        main(["--batch", "-"])
    except SystemExit as exc:
        assert exc.code == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["result"]["number"] for x in lines] == [1, 2]
