"""Synthetic Taskwarrior records for the TUI benchmark and manual tries (deterministic)."""

from __future__ import annotations

import random
import uuid
from typing import Any

REPOS = ["crackerjack", "acb", "fastblocks", "session-mgmt", "mhv", "splashstand"]
TAGS = ["ci", "perf", "bug", "docs", "refactor", "security", "ux", "db"]
VERBS = ["fix", "add", "refactor", "document", "test", "speed up", "remove", "review"]
NOUNS = ["auth flow", "flaky test", "cache layer", "CLI help", "sync service", "importer", "parser",
         "migration", "release notes", "webhook", "theme", "palette"]  # fmt: skip


def records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(n):
        status = rnd.choices(["pending", "completed"], [4, 1])[0]
        rec: dict[str, Any] = {
            "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "description": f"{rnd.choice(VERBS)} {rnd.choice(NOUNS)} {i}",
            "status": status,
            "entry": "20260101T090000Z",
            "modified": "20260102T090000Z",
            "project": rnd.choice(REPOS),
            "tags": rnd.sample(TAGS, rnd.randint(0, 2)),
        }
        if rnd.random() < 0.5:
            rec["priority"] = rnd.choice("HML")
        if rnd.random() < 0.3:
            rec["due"] = f"202612{rnd.randint(1, 28):02d}T170000Z"
        if status == "completed":
            rec["end"] = "20260103T090000Z"
        out.append(rec)
    return out


def seed(service: Any, n: int) -> None:
    from mhv.tasks.interop.taskwarrior import import_records

    import_records(service, records(n))
