"""The schema, as SQLModel tables: the single source of truth for migrations.

Only migrations and tests import this module (``import sqlmodel`` costs ~300 ms, too much for a
one-shot command); the runtime talks to the same tables through :mod:`mhv.store.db` with plain SQL.
A test checks that the Alembic head matches these tables exactly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from mhv.store.schema import STATUS_CHANGE, STATUS_CHANGE_COLUMNS

JsonType = JSON().with_variant(JSONB(), "postgresql")
TZ = DateTime(timezone=True)

STATUSES = ("pending", "in_progress", "blocked", "completed", "cancelled")
PRIORITIES = ("critical", "high", "medium", "low")
GATE_STATUSES = ("unknown", "passed", "failed", "overridden")
DEPENDENCY_KINDS = ("blocks", "related")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="ck_task_status"),
        CheckConstraint(_in("priority", PRIORITIES), name="ck_task_priority"),
        CheckConstraint(_in("gate_status", GATE_STATUSES), name="ck_task_gate_status"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="ck_task_title_length"),
        Index("ix_task_status_number", "status", "number"),
        Index("ix_task_repo", "repo"),
        # Covering index for "which open tasks of repo X" (search masks vectors with it: 45 ms -> ~3 ms
        # at 100,000 tasks). Migration 0002_search.
        Index("ix_task_repo_status_number", "repo", "status", "number"),
        Index("ix_task_due", "due"),
        Index("ix_task_source_ref", "source_ref"),
        Index("ix_task_parent_id", "parent_id"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    number: int = Field(sa_column=Column(Integer, nullable=False, unique=True))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(sa_column=Column(String(16), nullable=False, server_default="pending"))
    priority: str = Field(sa_column=Column(String(16), nullable=False, server_default="medium"))
    repo: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    due: datetime | None = Field(default=None, sa_column=Column(TZ, nullable=True))
    due_all_day: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default="0"))
    scheduled: datetime | None = Field(default=None, sa_column=Column(TZ, nullable=True))
    estimate_minutes: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    recurrence: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    parent_id: str | None = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("task.id", ondelete="SET NULL"), nullable=True),
    )
    assignee: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    source: str = Field(sa_column=Column(String(32), nullable=False, server_default="manual"))
    source_ref: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    source_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    worktree_path: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    branch: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    gate_status: str = Field(sa_column=Column(String(16), nullable=False, server_default="unknown"))
    created_at: datetime = Field(sa_column=Column(TZ, nullable=False))
    updated_at: datetime = Field(sa_column=Column(TZ, nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(TZ, nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=Column(TZ, nullable=True))
    metadata_: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column("metadata", JsonType, nullable=False)
    )
    # Taskwarrior's wait (hidden from the open lists until then) and until (expires then). 0007.
    wait: datetime | None = Field(default=None, sa_column=Column(TZ, nullable=True))
    until: datetime | None = Field(default=None, sa_column=Column(TZ, nullable=True))


class Dependency(SQLModel, table=True):
    __tablename__ = "dependency"
    __table_args__ = (
        CheckConstraint(_in("kind", DEPENDENCY_KINDS), name="ck_dependency_kind"),
        CheckConstraint("task_id <> depends_on_id", name="ck_dependency_not_self"),
        Index("ix_dependency_depends_on", "depends_on_id"),
    )

    task_id: str = Field(
        sa_column=Column(String(36), ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    )
    depends_on_id: str = Field(
        sa_column=Column(String(36), ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    )
    kind: str = Field(sa_column=Column(String(16), nullable=False, server_default="blocks"))
    created_at: datetime = Field(sa_column=Column(TZ, nullable=False))


class Repo(SQLModel, table=True):
    __tablename__ = "repo"

    name: str = Field(sa_column=Column(String(200), primary_key=True))
    path: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    remote: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    default_branch: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    gates: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
    created_at: datetime = Field(sa_column=Column(TZ, nullable=False))


class Txn(SQLModel, table=True):
    """One user action (the unit of undo/redo); its changes are the events with the same ``txn``."""

    __tablename__ = "txn"
    __table_args__ = (
        CheckConstraint("kind IN ('action', 'undo', 'redo')", name="ck_txn_kind"),
        Index("ix_txn_seq", "seq"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    kind: str = Field(sa_column=Column(String(8), nullable=False, server_default="action"))
    target: str | None = Field(default=None, sa_column=Column(String(36), nullable=True))
    undone: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default="0"))
    label: str = Field(sa_column=Column(String(300), nullable=False, server_default=""))
    actor: str = Field(sa_column=Column(String(200), nullable=False, server_default=""))
    at: datetime = Field(sa_column=Column(TZ, nullable=False))


class Event(SQLModel, table=True):
    """The append-only log: every change, in ``seq`` order (DESIGN section 4)."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_task_id", "task_id"),
        Index("ix_event_txn", "txn"),
        Index(
            "ix_event_status_change",
            *STATUS_CHANGE_COLUMNS,
            sqlite_where=text(STATUS_CHANGE),
            postgresql_where=text(STATUS_CHANGE),
        ),
    )

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    txn: str = Field(sa_column=Column(String(36), nullable=False))
    task_id: str | None = Field(default=None, sa_column=Column(String(36), nullable=True))
    kind: str = Field(sa_column=Column(String(64), nullable=False))
    at: datetime = Field(sa_column=Column(TZ, nullable=False))
    actor: str = Field(sa_column=Column(String(200), nullable=False, server_default=""))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    # ``before.status`` / ``after.status``, kept beside the snapshots so timelines read no JSON.
    before_status: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    after_status: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))


class Embedding(SQLModel, table=True):
    __tablename__ = "embedding"

    task_id: str = Field(
        sa_column=Column(String(36), ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    )
    model: str = Field(sa_column=Column(String(200), nullable=False))
    dim: int = Field(sa_column=Column(Integer, nullable=False))
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: datetime = Field(sa_column=Column(TZ, nullable=False))


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("provider", "delivery_id", name="uq_webhook_delivery"),
        Index("ix_webhook_delivery_received", "received_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    provider: str = Field(sa_column=Column(String(32), nullable=False))
    delivery_id: str = Field(sa_column=Column(String(200), nullable=False))
    event: str = Field(sa_column=Column(String(100), nullable=False, server_default=""))
    received_at: datetime = Field(sa_column=Column(TZ, nullable=False))
    outcome: str = Field(sa_column=Column(String(32), nullable=False))
    detail: str = Field(sa_column=Column(Text, nullable=False, server_default=""))
    # Migration 0005_webhooks: the verified body and event headers (for replay), the applying txn.
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    headers: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonType, nullable=True))
    txn: str | None = Field(default=None, sa_column=Column(String(36), nullable=True))


class GateRun(SQLModel, table=True):
    __tablename__ = "gate_run"
    __table_args__ = (
        Index("ix_gate_run_task_id", "task_id"),
        Index("ix_gate_run_task_name", "task_id", "name"),  # migration 0006_repos
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    task_id: str = Field(
        sa_column=Column(String(36), ForeignKey("task.id", ondelete="CASCADE"), nullable=False)
    )
    repo: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    command: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    exit_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    started_at: datetime = Field(sa_column=Column(TZ, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(TZ, nullable=True))
    output_tail: str = Field(sa_column=Column(Text, nullable=False, server_default=""))
    # Migration 0006_repos: the gate's name, the commit it judged, how long it took, the coverage it
    # reported and, for an override, why.
    name: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    commit_sha: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    duration_ms: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    coverage: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Meta(SQLModel, table=True):
    """Small counters and settings that must survive deletes (e.g. the next task number)."""

    __tablename__ = "meta"

    key: str = Field(sa_column=Column(String(100), primary_key=True))
    value: str = Field(sa_column=Column(Text, nullable=False))


metadata = SQLModel.metadata

# Search objects that exist in one dialect only (migrations 0002_search, 0003_tag_index), so they are
# not modelled here: the FTS5 table and its shadow tables on SQLite, the tsvector column, the pgvector
# column and their indexes and the tags GIN index on PostgreSQL. Autogenerate (and
# tests/unit/test_schema.py) skip them.
SEARCH_ONLY_TABLES = ("task_fts",)
SEARCH_ONLY_COLUMNS = {("task", "search_tsv"), ("embedding", "vec")}
SEARCH_ONLY_INDEXES = {"ix_task_search_tsv", "ix_embedding_vec_hnsw", "ix_task_tags_gin"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic ``include_object`` hook: False for the dialect-specific search objects."""
    if type_ == "table" and name is not None and name.startswith(SEARCH_ONLY_TABLES):
        return False
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", None)
        return (table, name) not in SEARCH_ONLY_COLUMNS
    if type_ == "index":
        return name not in SEARCH_ONLY_INDEXES
    return True
