"""Taskwarrior interop: read `task export` JSON, upsert by uuid, and write JSON Taskwarrior imports back.

Nothing is lost in a round trip: fields mhv has no column for (mask, parent, UDAs...) and
Taskwarrior statuses mhv folds into its own (recurring templates, waiting) are kept under
``metadata["taskwarrior"]`` and written back on export.
"""

from __future__ import annotations

import gc
import json
import re
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from typing import Any, TypeVar

from mhv.errors import ImportFormatError
from mhv.store.db import _JSON_ENCODE, Connection
from mhv.tasks.models import DATETIME_FIELDS, FINISHED_STATUSES, TASK_COLUMNS, ImportSummary, Task, TaskFilter
from mhv.tasks.rows import SELECT_TASK, task_from_row, task_params
from mhv.tasks.rules import clean_repo, clean_tags, clean_title
from mhv.tasks.service import TaskService
from mhv.tasks.service_parts.core import UPDATE_TASK, _Action

TW_DATE = "%Y%m%dT%H%M%SZ"
MAPPED = {"uuid", "description", "status", "project", "tags", "priority", "entry", "modified", "due",
          "scheduled", "start", "end", "annotations", "depends", "recur", "wait", "until"}  # fmt: skip
COMPUTED = {"id", "urgency"}  # Taskwarrior recomputes these; keeping them would be wrong after edits
_KNOWN = frozenset(MAPPED | COMPUTED)
PRIORITY_IN = {"H": "high", "M": "medium", "L": "low"}
PRIORITY_OUT = {"critical": "H", "high": "H", "medium": "M", "low": "L"}
RECUR_IN = {
    "daily": "FREQ=DAILY", "day": "FREQ=DAILY", "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY", "week": "FREQ=WEEKLY", "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "fortnight": "FREQ=WEEKLY;INTERVAL=2", "monthly": "FREQ=MONTHLY", "month": "FREQ=MONTHLY",
    "bimonthly": "FREQ=MONTHLY;INTERVAL=2", "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "semiannual": "FREQ=MONTHLY;INTERVAL=6", "annual": "FREQ=YEARLY", "yearly": "FREQ=YEARLY",
    "biannual": "FREQ=YEARLY;INTERVAL=2", "biyearly": "FREQ=YEARLY;INTERVAL=2",
}  # fmt: skip
RECUR_OUT = {v: k for k, v in reversed(list(RECUR_IN.items()))}
_RECUR_N = re.compile(r"^(\d+)\s*(d|day|days|w|wk|wks|week|weeks|mo|mos|month|months|y|yr|yrs|year|years)$")
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def tw_date(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if type(value) is str:
        return _tw_text_date(value)
    return _tw_text_date(str(value))


@lru_cache(maxsize=65_536)
def _tw_text_date(text: str) -> datetime:
    """A Taskwarrior date string, read once however many records share it (an export's ``entry`` /
    ``modified`` / ``due`` repeat: tasks added or edited together, one due date for many)."""
    if len(text) == 16 and text[8] == "T" and text[15] == "Z" and text[:8].isdigit() and text[9:15].isdigit():
        # the common form, read without strptime (3x faster, which matters at 100,000 tasks)
        return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]),
                        int(text[13:15]), tzinfo=UTC)  # fmt: skip
    try:
        return datetime.strptime(text, TW_DATE).replace(tzinfo=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def fmt_tw(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(TW_DATE) if value else None


def recur_to_rrule(text: str) -> str | None:
    key = text.strip().lower()
    if key in RECUR_IN:
        return RECUR_IN[key]
    m = _RECUR_N.match(key)
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2)
    freq = {"d": "DAILY", "w": "WEEKLY", "m": "MONTHLY", "y": "YEARLY"}[unit[0]]
    return f"FREQ={freq}" + (f";INTERVAL={n}" if n != 1 else "")


def rrule_to_recur(rule: str) -> str | None:
    if rule in RECUR_OUT:
        return RECUR_OUT[rule]
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if set(parts) - {"FREQ", "INTERVAL"}:
        return None
    unit = {"DAILY": "d", "WEEKLY": "w", "MONTHLY": "mo", "YEARLY": "y"}.get(parts.get("FREQ", ""))
    return f"{parts.get('INTERVAL', '1')}{unit}" if unit else None


def read_export(text: str, *, source: str = "input") -> list[dict[str, Any]]:
    """Parse `task export` output: a JSON array, or one JSON object per line (older versions).

    Without the cyclic garbage collector meanwhile: every object parsed stays alive, and its passes
    over them found nothing (100,000 tasks: 0.21 -> 0.15 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_export(text, source)
    finally:
        if enabled:
            gc.enable()


def _read_export(text: str, source: str) -> list[dict[str, Any]]:
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(
                f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                f"fix line {exc.lineno} (or export again with `task export > FILE`); nothing was imported",
                line=exc.lineno,
            ) from None
        records = data
    else:
        records = []
        for n, line in enumerate(stripped.splitlines(), start=1):
            line = line.strip().rstrip(",")
            if not line or line in ("[", "]"):
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ImportFormatError(
                    f"{source}: line {n} is not a JSON object ({exc.msg})",
                    f"fix or remove line {n}; nothing was imported",
                    line=n,
                ) from None
    for n, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise ImportFormatError(
                f"{source}: item {n} is {type(rec).__name__}, not a task object",
                "give the output of `task export`; nothing was imported",
            )
    return records


def _estimate(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    m = _ISO_DURATION.match(value.strip().upper())
    if not m or not any(m.groups()):
        return None
    d, h, mi = (int(x) if x else 0 for x in m.groups())
    return d * 8 * 60 + h * 60 + mi


def _map(rec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Taskwarrior record -> task fields (without id/number) and the uuids it depends on."""
    get = rec.get
    tw: dict[str, Any] = {}
    status = get("status", "pending")
    description = str(get("description", "")).strip()
    title = " ".join(description.split())
    if len(title) > 200:
        tw["description"] = description
        title = title[:199] + "…"
    elif title != description:
        tw["description"] = description
    fields: dict[str, Any] = {
        "title": title,
        "source": "taskwarrior",
        "source_ref": f"taskwarrior:{rec['uuid']}",
    }
    # tw_date's reading, without its call for the absent dates (most of them)
    v = get("start")
    start = None if v is None else tw_date(v)
    v = get("end")
    end = None if v is None else tw_date(v)
    if status == "pending":
        mapped = "in_progress" if start else "pending"
    elif status == "waiting":
        mapped = "pending"
        tw["status"] = "waiting"
    elif status == "completed":
        mapped = "completed"
    elif status == "deleted":
        mapped = "cancelled"
    elif status == "recurring":
        # The template of a recurring series: mhv recurs by completing the instance, so the template
        # is kept (hidden, as cancelled) only to be written back.
        mapped = "cancelled"
        tw["status"] = "recurring"
    else:
        raise ValueError(f"unknown status {status!r}")
    fields["status"] = mapped
    fields["started_at"] = start
    if mapped == "completed" or mapped == "cancelled":
        fields["completed_at"] = end if end is not None else tw_date(get("modified")) or tw_date(get("entry"))
    else:
        fields["completed_at"] = None
    project = get("project")
    if project:
        fields["repo"] = str(project)
    tags = get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t]
    if tags:
        lowered = [str(t).lower() for t in tags]
        if [str(t) for t in tags] != lowered:
            tw["tags"] = list(tags)
        fields["tags"] = lowered
    else:
        fields["tags"] = []
    pri = get("priority")
    if pri in PRIORITY_IN:
        fields["priority"] = PRIORITY_IN[pri]
    else:
        fields["priority"] = "medium"
        tw["priority"] = pri  # None (absent) or an unknown value, written back as it was
    fields["created_at"] = tw_date(get("entry"))
    fields["updated_at"] = tw_date(get("modified"))
    v = get("due")
    fields["due"] = None if v is None else tw_date(v)
    v = get("scheduled")
    fields["scheduled"] = None if v is None else tw_date(v)
    v = get("wait")
    fields["wait"] = None if v is None else tw_date(v)
    v = get("until")
    fields["until"] = None if v is None else tw_date(v)
    recur = get("recur")
    if recur:
        rule = recur_to_rrule(str(recur))
        fields["recurrence"] = rule
        if rule is None or rrule_to_recur(rule) != recur:
            tw["recur"] = recur
    annotations = get("annotations") or []
    if rec.keys() <= _KNOWN:
        extra: dict[str, Any] = {}
    else:
        extra = {k: v for k, v in rec.items() if k not in _KNOWN}
        estimate = _estimate(extra.get("estimate"))
        if estimate is not None:
            fields["estimate_minutes"] = estimate
        tw["extra"] = extra
    depends = get("depends") or []
    if isinstance(depends, str):
        depends = [d for d in depends.split(",") if d]
    metadata: dict[str, Any] = {"taskwarrior": tw} if tw else {}
    if annotations:
        metadata["annotations"] = [
            {"entry": a.get("entry"), "description": a.get("description", "")}
            for a in annotations
            if isinstance(a, dict)
        ]
    fields["metadata"] = metadata
    return fields, [str(d) for d in depends] if depends else []


def _check(fields: dict[str, Any]) -> None:
    """The same field rules as the Pydantic model (mhv.tasks.rules), without a model per record."""
    title = fields["title"]
    if not title or len(title) > 200:  # else clean_title passes it as it is (_map joined its words)
        clean_title(title)
    fields["tags"] = list(_tags(tuple(fields["tags"]))) if fields["tags"] else []
    raw = fields.get("repo")  # stored cleaned ('@foo' is repository foo); Taskwarrior gets its own back
    if raw is not None:
        fields["repo"] = _repo(raw)
        if fields["repo"] != raw:
            fields["metadata"].setdefault("taskwarrior", {})["project"] = raw
    if fields.get("recurrence"):
        from dateutil.rrule import rrulestr

        rrulestr("RRULE:" + fields["recurrence"], dtstart=datetime(2026, 1, 1))


@lru_cache(maxsize=4096)
def _tags(tags: tuple[str, ...]) -> list[str]:
    """``clean_tags``, once per distinct tag list (an export repeats a few); a copy each time, as
    the caller keeps it."""
    return clean_tags(tags)


_repo = lru_cache(maxsize=4096)(clean_repo)  # and once per project name


def _same_repo(project: str, repo: str | None) -> bool:
    try:
        return _repo(project) == repo
    except ValueError:
        return False


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_VALID_UUID = _UUID.fullmatch


def _what(n: int, rec: dict[str, Any]) -> str:
    return f"item {n}" + (f" ({str(rec.get('description'))[:40]!r})" if rec.get("description") else "")


def import_records(service: TaskService, records: list[dict[str, Any]]) -> ImportSummary:
    """Upsert every record by uuid in one transaction (one undo step); bad records are skipped."""
    # Every record and its mapped fields stay alive to the end: none of it is garbage, so the
    # collector's passes over them (~0.1 s at 10,000 tasks) are skipped; one collection at the end.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _import(service, records)
    finally:
        if enabled:
            gc.enable()


def _import(service: TaskService, records: list[dict[str, Any]]) -> ImportSummary:
    summary = ImportSummary()
    # Into an empty store, many records, no uuid twice: written while they are read (`_into_empty`).
    # Else mapped first, outside the transaction (the write lock is held for the writes only).
    ahead = len(records) >= 2 * _AHEAD_AT and _distinct_uuids(records) and _no_task(service)
    mapped = None if ahead else _mapped(records, summary)
    with _cache(service.store, len(records)), service.bulk("import from Taskwarrior") as act:
        if mapped is None and _no_task(service, act.conn):
            count = _into_empty(service, act, records, summary)
        else:
            if mapped is None:  # another process stored a task meanwhile
                mapped = _mapped(records, summary)
            _upsert(service, act, mapped, summary)
            count = len(mapped)
        act.label = f"import {count} tasks from Taskwarrior"
    return summary


def _no_task(service: TaskService, conn: Connection | None = None) -> bool:
    if conn is None:
        with service.store.read() as conn:
            return conn.one("SELECT 1 FROM task LIMIT 1") is None
    return conn.one("SELECT 1 FROM task LIMIT 1") is None


def _mapped(
    records: list[dict[str, Any]], summary: ImportSummary
) -> list[tuple[str, dict[str, Any], list[str]]]:
    """Each good record's ``(uuid, fields, depends)``, in order; the bad ones skipped, with why."""
    mapped: list[tuple[str, dict[str, Any], list[str]]] = []
    seen: set[str] = set()
    for n, rec in enumerate(records, start=1):
        one = _record(n, rec, summary)
        if one is None:
            continue
        uid = one[0]
        if uid in seen:
            summary.warnings.append(f"{_what(n, rec)}: uuid {uid} appears twice; the later record wins")
        seen.add(uid)
        mapped.append(one)
    return mapped


def _record(
    n: int, rec: dict[str, Any], summary: ImportSummary
) -> tuple[str, dict[str, Any], list[str]] | None:
    """Record ``n`` as ``(uuid, fields, depends)``, checked; None, with the reason in
    ``summary.skipped``, when it is not a task mhv can store."""
    raw = rec.get("uuid", "")
    if type(raw) is str and _VALID_UUID(raw):
        uid = raw
    elif not _VALID_UUID(uid := str(raw).lower()):
        summary.skipped.append((_what(n, rec), "missing or malformed uuid"))
        return None
    if not str(rec.get("description", "")).strip():
        summary.skipped.append((_what(n, rec), "empty description"))
        return None
    try:
        fields, depends = _map(rec if raw is uid else rec | {"uuid": uid})
        _check(fields)
    except (ValueError, TypeError) as exc:
        summary.skipped.append((_what(n, rec), str(exc)))
        return None
    return uid, fields, depends


def _distinct_uuids(records: list[dict[str, Any]]) -> bool:
    """No two records share a uuid (as text, in any case): then none replaces another."""
    raws = [rec.get("uuid") for rec in records]
    return all(type(raw) is str for raw in raws) and len({str(raw).lower() for raw in raws}) == len(raws)


def _into_empty(
    service: TaskService, act: _Action, records: list[dict[str, Any]], summary: ImportSummary
) -> int:
    """Records that all become new tasks (no task is stored, no uuid repeats: the first import into a
    store, the usual large one), written while they are read: each thousand records are mapped,
    checked and built into rows and ``task.created`` events in a second thread while this one writes
    the thousand before. SQLite lets go of the interpreter while it writes, so the two overlap on a
    second core (10,000 tasks: docs/performance.md, session 17). Returns how many were created."""
    conn = act.conn
    first = service._reserve_numbers(conn, len(records))  # the skipped ones' given back below
    build = _NewRows(service.store.dialect, service.tz, act.at, snapshots=service._graph.loaded)
    uids: list[str] = []
    wanted: list[tuple[str, str]] = []  # (task, the task it depends on)
    chunks = _read_and_built(records, summary, build, first, uids, wanted)
    with _new_task_indexes(conn, first, len(records)), act.events_in_chunks(len(records)) as add_events:
        for rows, filled, events, encoded, statuses in ahead_in_thread(chunks):
            _task_rows(conn, rows, filled)
            add_events(events, encoded, statuses)
    if len(uids) < len(records):
        conn.execute("UPDATE meta SET value = ? WHERE key = 'next_number'", (str(first + len(uids)),))
    summary.created += len(uids)
    _link(service, act, wanted, set(uids), summary)
    return len(uids)


_Chunk = tuple[list[list[Any]], frozenset[int], list[tuple[str, str, None, Any]], list[tuple[None, str]],
               list[tuple[None, str]]]  # fmt: skip


def _read_and_built(records: list[dict[str, Any]], summary: ImportSummary, build: _NewRows, number: int,
                    uids: list[str], wanted: list[tuple[str, str]]) -> Iterator[_Chunk]:  # fmt: skip
    """``_into_empty``'s rows, the optional columns they fill so far and their events, ``_AHEAD_AT``
    tasks at a time after a first fifth of that; each task's uuid appended to ``uids`` and its
    dependencies to ``wanted``."""
    rows: list[list[Any]] = []
    events: list[tuple[str, str, None, Any]] = []
    encoded: list[tuple[None, str]] = []
    statuses: list[tuple[None, str]] = []
    size = _AHEAD_AT // 5  # a first part that is soon ready: the writer waits for it
    for n, rec in enumerate(records, start=1):
        one = _record(n, rec, summary)
        if one is None:
            continue
        uid, fields, depends = one
        row, snap, text = build(uid, number, fields)
        number += 1
        uids.append(uid)
        if depends:
            wanted.extend((uid, dep.lower()) for dep in depends)
        rows.append(row)
        events.append(("task.created", uid, None, snap))
        encoded.append((None, text))
        statuses.append((None, fields["status"]))
        if len(rows) == size:
            yield rows, frozenset(build.filled), events, encoded, statuses
            rows, events, encoded, statuses = [], [], [], []
            size = _AHEAD_AT
    if rows:
        yield rows, frozenset(build.filled), events, encoded, statuses


@contextmanager
def _cache(store: Any, count: int) -> Iterator[None]:
    """On SQLite, for a large import, entered before its transaction: a page cache that holds the
    import's pages (~1.6 kB a task: row, event, indexes, search index), then the connection's own
    again (with the default 2 MB, a large import writes pages out and reads them back while it still
    updates them); and temporary data in memory, where SQLite otherwise keeps a multi-row
    statement's journal in a file (10,000 tasks: 2.7 MB written to /var/tmp and never read)."""
    if store.dialect.name != "sqlite" or count < 1_000:
        yield
        return
    with store.read() as conn:
        before, temp = conn.scalar("PRAGMA cache_size"), conn.scalar("PRAGMA temp_store")
        conn.execute(f"PRAGMA cache_size = {-min(2 * count, 1_048_576)}")  # KiB: 2 kB a task, at most 1 GiB
        conn.execute("PRAGMA temp_store = MEMORY")  # read when the transaction begins
        try:
            yield
        finally:
            conn.execute(f"PRAGMA cache_size = {int(before)}")
            conn.execute(f"PRAGMA temp_store = {int(temp)}")


def _upsert(service: TaskService, act: _Action, mapped: list[tuple[str, dict[str, Any], list[str]]],
            summary: ImportSummary) -> None:  # fmt: skip
    """Write mapped records in bulk inside ``act``: new tasks and their ``task.created`` events a
    thousand rows to a statement (the FTS triggers fire as for any insert), changed tasks updated,
    then the dependencies (see :func:`_link`)."""
    conn, d = act.conn, service.store.dialect
    latest = {uid: (fields, deps) for uid, fields, deps in mapped}
    existing: dict[str, Task] = {}
    uids = list(latest)
    stored = conn.one("SELECT 1 FROM task LIMIT 1") is not None  # else none of them is stored yet
    for i in range(0, len(uids) if stored else 0, 500):
        chunk = uids[i : i + 500]
        for row in conn.all(SELECT_TASK + f" WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
            t = task_from_row(row)
            existing[t.id] = t
    new_count = len(uids) - len(existing)
    number = service._reserve_numbers(conn, new_count) if new_count else 0
    now = act.at
    # the snapshots as dicts only for a graph that follows the events (act._mirror)
    build = _NewRows(d, service.tz, now, snapshots=service._graph.loaded)
    rows: list[list[Any]] = []
    updates: list[list[Any]] = []
    events: list[tuple[str, str | None, Any, Any]] = []
    encoded: list[tuple[Any, Any]] = []
    recheck: list[str] = []  # updated tasks whose derived status may have to change
    statuses: list[tuple[str | None, str | None]] = []
    for uid in uids:
        fields, _ = latest[uid]
        old = existing.get(uid)
        if old is None:
            row, snap, text = build(uid, number, fields)
            number += 1
            rows.append(row)
            events.append(("task.created", uid, None, snap))
            encoded.append((None, text))
            statuses.append((None, fields["status"]))
            summary.created += 1
            continue
        task = Task(id=uid, number=old.number, title=fields["title"])
        for name, value in fields.items():
            setattr(task, name, value)
        task.created_at = task.created_at or now
        task.updated_at = task.updated_at or now
        if task.due is not None:
            local = task.due.astimezone(service.tz)
            task.due_all_day = (local.hour, local.minute, local.second) == (0, 0, 0)
        # keep what mhv knows that Taskwarrior does not
        task.description, task.parent_id = old.description, old.parent_id
        task.estimate_minutes = task.estimate_minutes or old.estimate_minutes
        if old.status == "blocked" and task.status in ("pending", "in_progress"):
            task.status = "blocked"  # derived, Taskwarrior has no such status: checked again below
            recheck.append(uid)
        elif (old.status in FINISHED_STATUSES) != (task.status in FINISHED_STATUSES):
            recheck.extend(service._dependents(conn, uid))  # they may be blocked, or free, now
        before, after = old.snapshot(), task.snapshot()
        if after != before:
            updates.append([*task_params(task, d)[1:], uid])
            events.append(("task.updated", uid, before, after))
            encoded.append((d.json_in(before), d.json_in(after)))
            statuses.append((before["status"], after["status"]))
            summary.updated += 1
    _insert_new(conn, rows, build.filled)
    if updates:
        conn.executemany(UPDATE_TASK, updates)
    assert build.snapshots or not service._graph.loaded  # nothing above loads the graph
    act.events_many(events, encoded, statuses)
    _link(service, act, [(uid, dep.lower()) for uid in uids for dep in latest[uid][1]], set(uids), summary)
    service._derive_status(act, recheck)


_T = TypeVar("_T")


def ahead_in_thread(items: Iterator[_T]) -> Iterator[_T]:
    """``items``, made in a thread of their own while the caller works on the ones before: for a
    producer of pure Python beside a consumer that waits in C with the interpreter let go (SQLite's
    writes). An error in the producer is raised here, at the item it stopped on; when the caller
    stops early the producer stops at its next item, and the thread is always joined before this
    returns."""
    made: deque[tuple[bool, Any]] = deque()  # (True, item) or, last, (False, the error or None)
    ready = threading.Semaphore(0)  # one release per entry in ``made``
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                made.append((True, item))
                ready.release()
                if stop.is_set():
                    return
            made.append((False, None))
        except BaseException as exc:  # handed to the consumer, raised there
            made.append((False, exc))
        ready.release()

    # The producer keeps the interpreter until the writer asks for it and the switch interval has
    # passed: with the default 5 ms, the writer could wait that long at the end of each statement;
    # at 0.2 ms the switches themselves cost more (10,000 tasks, in-process medians of 8: 596 ms,
    # 547 ms at 1 ms, 588 ms at 5 ms, 688 ms without the thread).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.001))
    thread = threading.Thread(target=produce, name="mhv-import-rows", daemon=True)
    thread.start()
    try:
        while True:
            ready.acquire()
            more, item = made.popleft()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)


def _insert_new(conn: Connection, rows: list[list[Any]], filled: set[int]) -> None:
    """The new tasks' rows: see ``_task_rows`` and ``_new_task_indexes``."""
    if rows:
        with _new_task_indexes(conn, rows[0][_I_NUMBER], len(rows)):
            _task_rows(conn, rows, filled)


def _task_rows(conn: Connection, rows: list[list[Any]], filled: set[int] | frozenset[int]) -> None:
    """New tasks' rows, without the columns every one of them leaves empty (NULL, as the column's
    default: SQLite compiles each bound value of a multi-row statement, and 12 of the 28 are empty in
    most exports)."""
    keep = [i for i, name in enumerate(TASK_COLUMNS) if name not in _NULL_DEFAULT or i in filled]
    columns = [TASK_COLUMNS[i] for i in keep]
    if len(keep) < len(TASK_COLUMNS):
        pick = itemgetter(*keep)
        rows = [pick(row) for row in rows]  # type: ignore[misc]
    conn.insert_rows("task", columns, rows)


@contextmanager
def _new_task_indexes(conn: Connection, first: int, count: int) -> Iterator[None]:
    """Around the insert of ``count`` new tasks numbered from ``first``: on SQLite, when they
    outnumber the tasks already stored, the secondary indexes built once after them and the search
    index filled by one statement instead of its insert trigger (the same rows the trigger writes, in
    the same order; 10,000 tasks: 0.19 -> 0.12 s of CPU); the task_fts_au / task_fts_ad triggers
    stay."""
    if conn.dialect != "sqlite" or count < _DEFER_AT or count < first - 1:
        yield
        return
    with conn.indexes_deferred("task", ("task_fts_ai",)):
        yield
        conn.execute(
            "INSERT INTO task_fts(rowid, title, description, tags) "
            "SELECT number, title, description, tags FROM task WHERE number BETWEEN ? AND ? ORDER BY number",
            (first, first + count - 1),
        )


_DEFER_AT = 1_000  # new tasks from which the indexes may be built after them instead of row by row
# New tasks built in a thread a thousand at a time, from two thousand. Smaller parts (500, 250) or
# the indexes kept row by row meanwhile (the writer waits for the builder ~90 ms of 10,000 tasks)
# were no faster at 10,000 and slower at 100,000 (4.1 s; 4.3-4.9 s).
_AHEAD_AT = 1_000
# The task columns that are NULL when an insert leaves them out (nullable, no default; checked by
# tests/unit/tasks/test_tw_bulk_import.py against the schema).
_NULL_DEFAULT = frozenset(
    {"due", "scheduled", "estimate_minutes", "recurrence", "parent_id", "assignee", "source_ref", "source_url",
     "worktree_path", "branch", "started_at", "completed_at", "wait", "until", "repo"}
)  # fmt: skip
_I_NUMBER = TASK_COLUMNS.index("number")


class _NewRows:
    """A new task's stored row, its snapshot (``Task.snapshot()``: what ``task.created`` keeps) and
    that snapshot as stored JSON, built from the mapped fields in one pass without a `Task`: at
    100,000 tasks the `Task`, its ``task_params`` and its snapshot cost more than the inserts."""

    def __init__(self, dialect: Any, tz: Any, now: datetime, *, snapshots: bool = True) -> None:
        """``snapshots`` False: no snapshot dict (None in its place), only its JSON; the event's
        statuses are the caller's to take from the fields (an import where no graph follows the events:
        100,000 dicts of 28 keys, ~120 MB, not made)."""
        blank = Task(id="", number=0, title="")
        self.snap = blank.snapshot()
        self.snapshots = snapshots
        self.scratch = dict(self.snap)  # written and never read when there are no snapshots
        self.row = task_params(blank, dialect)
        self.dialect, self.tz = dialect, tz
        self.index = {name: i for i, name in enumerate(TASK_COLUMNS)}
        # each column's place and how its value is written
        self.kinds = {name: (i, _kind(name)) for i, name in enumerate(TASK_COLUMNS)}
        assert all(self.row[i] is None for i, name in enumerate(TASK_COLUMNS) if name in _NULL_DEFAULT)
        self.filled: set[int] = set()  # the columns of _NULL_DEFAULT a row has a value in
        # Many records share a date: encode it once. Keyed with the zone too (equal instants in two
        # zones are equal datetimes, but their isoformat differs).
        self.dates: dict[tuple[datetime, int], tuple[str, Any, str]] = {}
        self.tag_lists: dict[tuple[str, ...], Any] = {}  # and a tag list
        self.metadata: dict[tuple[tuple[str, str | None], ...], Any] = {}  # and a metadata of few words
        self.now = now
        # The snapshot's JSON from a template: each column's ``"name":`` and its value's JSON, the
        # blank task's until a field says otherwise; the same text ``Dialect.json_in(snapshot)``
        # writes (checked by tests/unit/tasks/test_taskwarrior_bulk.py), at a third of its cost.
        self.template = "{" + ",".join(_ENCODE(name) + ":%s" for name in TASK_COLUMNS) + "}"
        self.blank = [_ENCODE(self.snap[name]) for name in TASK_COLUMNS]

    def _date(self, value: datetime) -> tuple[str, Any, str]:
        """``value`` as the snapshot keeps it, as the row stores it, and as the snapshot's JSON."""
        key = (value, id(value.tzinfo))  # (some zones are unhashable; every one outlives the import)
        found = self.dates.get(key)
        if found is None:
            iso = value.isoformat()
            found = self.dates[key] = (iso, self.dialect.dt_in(value), _ESCAPE(iso))
        return found

    def _tags(self, tags: list[str]) -> Any:
        key = tuple(tags)
        found = self.tag_lists.get(key)
        if found is None:
            found = self.tag_lists[key] = self.dialect.json_in(tags)
        return found

    def _metadata(self, value: dict[str, Any]) -> Any:
        """``metadata`` as stored, once per distinct value when it only keeps Taskwarrior's words
        (most exports: ``{"taskwarrior": {"priority": null}}``, a task without a priority)."""
        tw, key = value.get("taskwarrior"), None
        if (len(value) == 1 and type(tw) is dict and tw.keys() <= _WORDS_KEPT
                and all(v is None or type(v) is str for v in tw.values())):  # fmt: skip
            key = tuple(tw.items())
            found = self.metadata.get(key)
            if found is not None:
                return found
        stored = self.dialect.json_in(value)
        if key is not None:
            self.metadata[key] = stored
        return stored

    def __call__(
        self, uid: str, number: int, fields: dict[str, Any]
    ) -> tuple[list[Any], dict[str, Any] | None, str]:
        snap = dict(self.snap) if self.snapshots else self.scratch
        row, kinds, dates, filled = list(self.row), self.kinds, self.dates, self.filled.add
        text = list(self.blank)
        snap["id"] = row[0] = uid
        text[0] = _ESCAPE(uid)
        snap["number"] = row[1] = number
        text[1] = int.__repr__(number)
        for name, value in fields.items():
            if value is None:
                if name in _NOT_NULL:
                    raise ValueError(f"{name} cannot be empty")
                continue  # the blank task's value (None) already
            i, kind = kinds[name]
            if kind is _PLAIN or kind is _OPTIONAL:
                if kind is _OPTIONAL:
                    filled(i)
                snap[name] = row[i] = value
                text[i] = _ESCAPE(value) if type(value) is str else _ENCODE(value)
            elif kind is _DATE or kind is _OPTIONAL_DATE:
                if kind is _OPTIONAL_DATE:
                    filled(i)
                found = dates.get((value, id(value.tzinfo)))
                snap[name], row[i], text[i] = found if found is not None else self._date(value)
            elif kind is _TAGS:
                snap[name] = value
                row[i] = text[i] = self._tags(value)
            else:
                snap[name] = value
                row[i] = text[i] = self._metadata(value) if value else "{}"
        for name in ("created_at", "updated_at"):
            if fields.get(name) is None:  # as the blank task's
                i = self.index[name]
                snap[name], row[i], text[i] = self._date(self.now)
        due = fields.get("due")
        if due is not None:
            local = due.astimezone(self.tz)
            all_day = (local.hour, local.minute, local.second) == (0, 0, 0)
            snap["due_all_day"] = row[_I_ALL_DAY] = all_day
            text[_I_ALL_DAY] = "true" if all_day else "false"
        return row, snap if self.snapshots else None, self.template % tuple(text)


# How the builder writes a column's value (compared by identity); the optional ones are _NULL_DEFAULT's
_PLAIN, _DATE, _TAGS, _METADATA, _OPTIONAL, _OPTIONAL_DATE = (
    "plain",
    "date",
    "tags",
    "metadata",
    "opt",
    "opt-date",
)


def _kind(name: str) -> str:
    if name in DATETIME_FIELDS:
        return _OPTIONAL_DATE if name in _NULL_DEFAULT else _DATE
    if name in ("tags", "metadata"):
        return _TAGS if name == "tags" else _METADATA
    return _OPTIONAL if name in _NULL_DEFAULT else _PLAIN


_NOT_NULL = frozenset(
    {"title", "status", "priority", "tags", "metadata", "source", "gate_status", "description"}
)
_I_ALL_DAY = TASK_COLUMNS.index("due_all_day")
_WORDS_KEPT = frozenset({"priority", "status"})  # metadata["taskwarrior"] keys of a few distinct values
_ENCODE = _JSON_ENCODE  # Dialect.json_in's encoder (the same on both dialects)
_ESCAPE = encode_basestring_ascii  # a str's JSON, as that encoder writes it (ensure_ascii)


def _link(service: TaskService, act: _Action, wanted: list[tuple[str, str]], known: set[str],
          summary: ImportSummary) -> None:  # fmt: skip
    """The imported ``depends`` (``(task, the task it depends on)``; ``known``: the tasks just
    written), once every task exists. When the new links close no cycle with the stored ones (the
    usual case) they are written in bulk; otherwise one by one, each checked, so a cycle in the
    imported data skips only the link that closes it."""
    conn = act.conn
    if not wanted:
        return
    others = sorted({dep for _, dep in wanted if dep not in known})
    for i in range(0, len(others), 500):
        chunk = others[i : i + 500]
        known.update(
            r["id"]
            for r in conn.all(f"SELECT id FROM task WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
        )
    links: list[tuple[str, str]] = []
    for uid, dep in wanted:
        if dep not in known:
            summary.warnings.append(f"task {uid} depends on unknown task {dep}; dependency skipped")
        else:
            links.append((uid, dep))
    if not links:
        return
    if not service._link_many(act, links):
        touched: list[str] = []
        for uid, dep in links:
            task = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (uid,)))
            blocker = task_from_row(conn.one(SELECT_TASK + " WHERE id = ?", (dep,)))
            try:
                if service._add_dependency(act, task, blocker, "blocks"):
                    touched.append(uid)
            except Exception as exc:  # a cycle in the imported data
                summary.warnings.append(f"dependency #{task.number} -> #{blocker.number} skipped: {exc}")
        service._derive_status(act, touched)


def export_records(service: TaskService, *, include_finished: bool = True) -> list[dict[str, Any]]:
    tasks = service.list_tasks(TaskFilter(statuses=() if include_finished else None, order="number"))
    by_id = {t.id: t for t in tasks}
    depends: dict[str, list[str]] = {}
    with service.store.read() as conn:
        for row in conn.all(
            "SELECT task_id, depends_on_id FROM dependency WHERE kind = 'blocks' ORDER BY created_at"
        ):
            if row["task_id"] in by_id:
                depends.setdefault(row["task_id"], []).append(row["depends_on_id"])
    return [to_record(t, depends.get(t.id, [])) for t in tasks]


def to_record(task: Task, depends: list[str]) -> dict[str, Any]:
    tw: dict[str, Any] = task.metadata.get("taskwarrior", {}) if isinstance(task.metadata, dict) else {}
    rec: dict[str, Any] = {"uuid": task.id}
    desc = tw.get("description")
    rec["description"] = (
        desc if desc and " ".join(desc.split())[:199] == task.title[:199].rstrip("…") else task.title
    )
    status = {"pending": "pending", "in_progress": "pending", "blocked": "pending",
              "completed": "completed", "cancelled": "deleted"}[task.status]  # fmt: skip
    if tw.get("status") == "recurring" and task.status == "cancelled":
        status = "recurring"
    elif tw.get("status") == "waiting" and status == "pending":
        status = "waiting"
    rec["status"] = status
    rec["entry"] = fmt_tw(task.created_at)
    rec["modified"] = fmt_tw(task.updated_at)
    project = tw.get("project")  # a project mhv stores cleaned ('@foo'), while the task's repo is its name
    if isinstance(project, str) and _same_repo(project, task.repo):
        rec["project"] = project
    elif task.repo:
        rec["project"] = task.repo
    if task.tags:
        original = tw.get("tags")
        rec["tags"] = (
            original if original and [str(t).lower() for t in original] == task.tags else list(task.tags)
        )
    if "priority" in tw and task.priority == "medium":
        if tw["priority"] is not None:
            rec["priority"] = tw["priority"]
    else:
        rec["priority"] = PRIORITY_OUT[task.priority]
    for key, value in (("due", task.due), ("scheduled", task.scheduled), ("start", task.started_at),
                       ("wait", task.wait), ("until", task.until)):  # fmt: skip
        if value is not None:
            rec[key] = fmt_tw(value)
    if task.status in ("completed", "cancelled") and status != "recurring" and task.completed_at:
        rec["end"] = fmt_tw(task.completed_at)
    annotations = task.metadata.get("annotations") if isinstance(task.metadata, dict) else None
    if annotations:
        rec["annotations"] = [
            {"entry": a.get("entry"), "description": a.get("description", "")} for a in annotations
        ]
    if depends:
        rec["depends"] = depends
    if task.recurrence:
        rec["recur"] = tw.get("recur") or rrule_to_recur(task.recurrence) or task.recurrence
    elif tw.get("recur"):
        rec["recur"] = tw["recur"]
    for key, value in (tw.get("extra") or {}).items():
        rec.setdefault(key, value)
    if task.estimate_minutes and "estimate" not in rec:
        rec["estimate"] = f"PT{task.estimate_minutes // 60}H{task.estimate_minutes % 60}M".replace("H0M", "H")
    return {k: v for k, v in rec.items() if v is not None}
