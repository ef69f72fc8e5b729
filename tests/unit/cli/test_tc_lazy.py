"""A plain `mhv tc` without the service imports only what a create needs (issue 19): the graph
algorithms, the urgency ranking and the rest are imported by the commands that use them. Each check
runs `mhv` in a fresh interpreter (the test process has imported everything already) and reads its
``sys.modules``; the same process then links tasks, so what was left out still works when needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Not needed to add a task that links nothing (each is imported where it is used).
LAZY = (
    "mhv.tasks.graph.algorithms",
    "mhv.tasks.graph.urgency",
    "mhv.tasks.graph.answers",
    "logging",
    "uuid",
    "tomllib",
    "zoneinfo",
)

SCRIPT = """
import json, sys
from mhv.cli.entry import main

def run(*args):
    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0

lazy = json.loads(sys.argv[1])
if sys.argv[2] == "warm":  # the store exists, no migration due (a migration imports Alembic and more)
    sys.exit(run("tc", "warm up"))
codes = [run("tc", "write the report")]
loaded_after_plain = [m for m in lazy if m in sys.modules]
codes.append(run("tc", "b after #2 blocks #2"))  # a cycle: refused, nothing created
codes.append(run("tc", "c after #2"))
print(json.dumps({"codes": codes, "plain": loaded_after_plain}), file=sys.__stdout__)
"""


def _run(home: Path, what: str = "check") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MHV_HOME": str(home), "MHV_NO_SERVICE": "1", "TZ": "UTC"}
    return subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(LAZY), what], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_plain_tc_leaves_the_graph_modules_out_and_links_still_work(tmp_path: Path) -> None:
    assert _run(tmp_path, "warm").returncode == 0
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["plain"] == [], f"a plain `mhv tc` imported {result['plain']}"
    assert result["codes"] == [0, 5, 0], done.stderr
    assert "would make a cycle: #2 -> #3 -> #2" in done.stderr, done.stderr
    env = {**os.environ, "MHV_HOME": str(tmp_path), "MHV_NO_SERVICE": "1", "TZ": "UTC"}
    shown = subprocess.run([sys.executable, "-c", "from mhv.cli.entry import main; main()", "tl", "--all", "--json"],
                           env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    tasks = {t["number"]: t for t in json.loads(shown.stdout)}
    assert sorted(tasks) == [1, 2, 3]  # the refused line created nothing
    assert tasks[3]["title"] == "c" and tasks[3]["depends_on"] == [2] and tasks[3]["status"] == "blocked"
