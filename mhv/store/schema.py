"""Schema versions known to this build, readable without importing Alembic.

A test checks these against the Alembic script directory, so they cannot drift.
"""

from __future__ import annotations

REVISIONS: tuple[str, ...] = (
    "0001_baseline", "0002_search", "0003_tag_index", "0004_event_notify", "0005_webhooks", "0006_repos",
    "0007_wait_until", "0008_event_status",
)
HEAD = REVISIONS[-1]

# The events whose status changed, with what insights' timelines read, in log order: a partial
# index (``ix_event_status_change``) they are read from alone. A query uses it only when its WHERE
# says ``STATUS_CHANGE`` word for word (SQLite and PostgreSQL both prove a partial index that way).
STATUS_CHANGE = "before_status <> after_status"
STATUS_CHANGE_COLUMNS = ("seq", "task_id", "kind", "at", "before_status", "after_status")
