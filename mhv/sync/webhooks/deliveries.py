"""The delivery log: a verified delivery is applied and recorded in ONE transaction, so a crash never
loses or doubles it, and a delivery id seen before is answered without applying it again.

Outcomes: ``applied`` (its changes are the events of ``txn``; none when nothing changed), ``ignored``
(an event mhv does not use), ``failed`` (the changes were refused, e.g. a validation error; nothing
changed; a redelivery or `mhv webhooks replay` tries again). A duplicate is not a new row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mhv.errors import MhvError
from mhv.sync.webhooks import github, gitlab
from mhv.sync.webhooks.errors import DeliveryNotFoundError
from mhv.sync.webhooks.mapping import Applier, Operation
from mhv.tasks.service import TaskService

PARSERS: dict[str, Callable[[str, dict[str, Any]], list[Operation] | str]] = {
    "github": github.operations,
    "gitlab": gitlab.operations,
}


@dataclass(slots=True)
class Delivery:
    provider: str  # github | gitlab
    delivery_id: str
    event: str
    payload: dict[str, Any]
    body: str  # the verified body, as received (kept for replay)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Result:
    outcome: str  # applied | ignored | failed | duplicate
    detail: str = ""
    tasks: list[int] = field(default_factory=list)
    txn: str | None = None
    id: int | None = None  # the delivery row

    def to_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "detail": self.detail, "tasks": self.tasks, "txn": self.txn,
                "delivery": self.id}  # fmt: skip


def operations(delivery: Delivery) -> list[Operation] | str:
    """Parse (raises PayloadError for a payload its event cannot be read from: nothing is stored)."""
    return PARSERS[delivery.provider](delivery.event, delivery.payload)


def ingest(service: TaskService, delivery: Delivery, ops: list[Operation] | str | None = None) -> Result:
    """Apply ``delivery`` once. ``ops``: its parsed operations (parsed here when not given)."""
    if ops is None:
        ops = operations(delivery)
    try:
        return _apply(service, delivery, ops, replay_of=None)
    except MhvError as exc:
        return _record_failure(service, delivery, f"{exc.code}: {exc.message}")


def _existing(conn: Any, provider: str, delivery_id: str) -> Any:
    return conn.one(
        "SELECT id, outcome, detail, txn FROM webhook_delivery WHERE provider = ? AND delivery_id = ?",
        (provider, delivery_id),
    )


def _apply(
    service: TaskService, delivery: Delivery, ops: list[Operation] | str, replay_of: int | None
) -> Result:
    d = service.store.dialect
    label = f"{delivery.provider} {delivery.event} {delivery.delivery_id}"[:300]
    with service.bulk(label) as act:
        conn = act.conn
        row = _existing(conn, delivery.provider, delivery.delivery_id)
        if row is not None and row["outcome"] != "failed":
            return Result("duplicate", f"delivery {delivery.delivery_id} was {row['outcome']} already",
                          txn=row["txn"], id=int(row["id"]))  # fmt: skip
        if isinstance(ops, str):
            outcome, detail, tasks = "ignored", ops, []
        else:
            applier = Applier(service, act)
            for op in ops:
                applier.apply(op)
            outcome, tasks = "applied", applier.result.tasks
            detail = "; ".join(applier.result.notes) or "no change"
        txn = act.id if act.events else None
        values = (outcome, detail[:2000], txn, delivery.body, d.json_in(delivery.headers))
        if row is None:
            conn.execute(
                "INSERT INTO webhook_delivery (provider, delivery_id, event, received_at, outcome, detail, txn, "
                "payload, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (delivery.provider, delivery.delivery_id, delivery.event[:100], d.dt_in(act.at), *values),
            )
            new_id = conn.scalar(
                "SELECT id FROM webhook_delivery WHERE provider = ? AND delivery_id = ?",
                (delivery.provider, delivery.delivery_id),
            )
        else:
            conn.execute(
                "UPDATE webhook_delivery SET outcome = ?, detail = ?, txn = ?, payload = ?, headers = ? WHERE id = ?",
                (*values, row["id"]),
            )
            new_id = row["id"]
        return Result(outcome, detail, tasks, txn, int(new_id))


def _record_failure(service: TaskService, delivery: Delivery, detail: str) -> Result:
    """The changes were rolled back; record the delivery as failed (a redelivery tries again)."""
    d = service.store.dialect
    with service.store.write() as conn:
        row = _existing(conn, delivery.provider, delivery.delivery_id)
        if row is not None and row["outcome"] != "failed":  # applied meanwhile by another instance
            return Result("duplicate", f"delivery {delivery.delivery_id} was {row['outcome']} already",
                          txn=row["txn"], id=int(row["id"]))  # fmt: skip
        if row is None:
            conn.execute(
                "INSERT INTO webhook_delivery (provider, delivery_id, event, received_at, outcome, detail, payload, "
                "headers) VALUES (?, ?, ?, ?, 'failed', ?, ?, ?)",
                (delivery.provider, delivery.delivery_id, delivery.event[:100], d.dt_in(service.clock()),
                 detail[:2000], delivery.body, d.json_in(delivery.headers)),
            )  # fmt: skip
        else:
            conn.execute("UPDATE webhook_delivery SET detail = ? WHERE id = ?", (detail[:2000], row["id"]))
        new_id = conn.scalar(
            "SELECT id FROM webhook_delivery WHERE provider = ? AND delivery_id = ?",
            (delivery.provider, delivery.delivery_id),
        )
    return Result("failed", detail, id=int(new_id))


# ------------------------------------------------------------------ reading and replaying
@dataclass(slots=True)
class DeliveryRow:
    id: int
    provider: str
    delivery_id: str
    event: str
    received_at: datetime | None
    outcome: str
    detail: str
    txn: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "provider": self.provider, "delivery_id": self.delivery_id, "event": self.event,
                "received_at": self.received_at.isoformat() if self.received_at else None,
                "outcome": self.outcome, "detail": self.detail, "txn": self.txn}  # fmt: skip


def recent(service: TaskService, limit: int = 50) -> list[DeliveryRow]:
    d = service.store.dialect
    with service.store.read() as conn:
        rows = conn.all(
            "SELECT id, provider, delivery_id, event, received_at, outcome, detail, txn FROM webhook_delivery "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
    return [DeliveryRow(int(r["id"]), r["provider"], r["delivery_id"], r["event"], d.dt_out(r["received_at"]),
                        r["outcome"], r["detail"], r["txn"]) for r in rows]  # fmt: skip


def replay(service: TaskService, ref: int | str) -> Result:
    """Apply a stored delivery again (by row id or delivery id). Deduplication holds: one that was
    applied or ignored answers ``duplicate``; a failed one is tried again."""
    d = service.store.dialect
    with service.store.read() as conn:
        text = str(ref).strip()
        row = None
        if text.isdigit():
            row = conn.one("SELECT * FROM webhook_delivery WHERE id = ?", (int(text),))
        if row is None:
            row = conn.one(
                "SELECT * FROM webhook_delivery WHERE delivery_id = ? ORDER BY id LIMIT 1", (text,)
            )
    if row is None:
        raise DeliveryNotFoundError(
            f"no stored delivery {text!r}", "see the recent ones with `mhv webhooks list`"
        )
    if not row["payload"]:
        raise DeliveryNotFoundError(f"delivery {text!r} kept no payload", "ask the forge to redeliver it")
    delivery = Delivery(
        provider=row["provider"], delivery_id=row["delivery_id"], event=row["event"],
        payload=json.loads(row["payload"]), body=row["payload"], headers=d.json_out(row["headers"]) or {},
    )  # fmt: skip
    return ingest(service, delivery)
