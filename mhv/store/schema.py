"""Schema versions known to this build, readable without importing Alembic.

A test checks these against the Alembic script directory, so they cannot drift.
"""

from __future__ import annotations

REVISIONS: tuple[str, ...] = (
    "0001_baseline", "0002_search", "0003_tag_index", "0004_event_notify", "0005_webhooks", "0006_repos",
    "0007_wait_until",
)
HEAD = REVISIONS[-1]
