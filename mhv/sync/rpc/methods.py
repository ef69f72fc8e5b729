"""mhv's JSON-RPC methods (docs/protocol.md): each checks its named parameters, then makes one
task-service call on the context's task thread with the connection's actor (``rpc:<client>``), so a
write is one transaction with its events, and ``tasks.undo`` takes it back like any other action.
Results are the CLI's JSON: task JSON is `Task.to_json` with links (``mhv show N --json``), a parse
is `Parse.to_json` (``mhv parse --json``), ``tasks.next``/``tasks.search`` are ``mhv next/ts --json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mhv import __version__
from mhv.errors import CancelledError, ConflictError, UsageError
from mhv.sync.errors import SubscriberTooSlow, SyncError
from mhv.sync.rpc.jsonrpc import Dispatcher, InvalidParams, Session
from mhv.tasks.models import STATUSES, TaskFilter

if TYPE_CHECKING:
    from mhv.sync.context import SyncContext
    from mhv.tasks.service import TaskService

PROTOCOL = 1
_CLIENT = re.compile(r"[A-Za-z0-9._-]{1,64}")
_ORDERS = ("default", "number", "due", "priority", "updated", "created", "title")
_MISSING = object()


def _check_text(value: Any, where: str, problems: list[str], depth: int = 0) -> None:
    """Strings must be storable: valid Unicode (no lone surrogates) and no NUL characters."""
    if depth > 50:
        problems.append(f"{where}: nested too deeply")
    elif isinstance(value, str):
        if "\x00" in value:
            problems.append(f"{where}: contains a NUL character")
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                problems.append(f"{where}: not valid Unicode (a lone surrogate)")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k, where, problems, depth + 1)
            _check_text(v, f"{where}.{k}", problems, depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_text(v, f"{where}[{i}]", problems, depth + 1)


class Params:
    """Named parameters, checked: unknown names, missing required ones and wrong types are -32602."""

    def __init__(self, raw: Any, allowed: tuple[str, ...]) -> None:
        if raw is None or raw == []:
            raw = {}
        if not isinstance(raw, dict):
            raise InvalidParams("mhv's methods take named parameters: send params as an object")
        problems = [
            f"unknown parameter {k!r} (known: {', '.join(allowed) or 'none'})"
            for k in raw
            if k not in allowed
        ]
        _check_text(raw, "params", problems)
        if problems:
            raise InvalidParams(*problems)
        self.raw = raw

    def _get(self, name: str, required: bool) -> Any:
        value = self.raw.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise InvalidParams(f"{name} is required")
            return None
        return value

    def text(self, name: str, *, required: bool = False, max_len: int = 10_000) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidParams(f"{name} must be a string")
        if len(value) > max_len:
            raise InvalidParams(f"{name} is longer than {max_len} characters")
        return value

    def integer(self, name: str, default: int | None = None, *, lo: int = 0, hi: int = 2**62) -> int | None:
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidParams(f"{name} must be an integer")
        if not lo <= value <= hi:
            raise InvalidParams(f"{name} must be between {lo} and {hi}")
        return value

    def flag(self, name: str) -> bool:
        value = self._get(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise InvalidParams(f"{name} must be true or false")
        return value

    def obj(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        value = self._get(name, required)
        if value is not None and not isinstance(value, dict):
            raise InvalidParams(f"{name} must be an object")
        return value

    def strings(self, name: str) -> list[str] | None:
        value = self._get(name, False)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 1000:
            raise InvalidParams(f"{name} must be an array of at most 1000 strings")
        return value

    def ref(self, name: str = "ref") -> int | str:
        value = self._get(name, True)
        return _ref(value, name)

    def refs(self, name: str) -> list[int | str]:
        value = self._get(name, False)
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > 1000:
            raise InvalidParams(f"{name} must be an array of task refs")
        return [_ref(v, f"{name}[{i}]") for i, v in enumerate(value)]


def _ref(value: Any, name: str) -> int | str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidParams(f"{name} must be a task number or id")
    if isinstance(value, int) and not 0 < value < 2**31:
        raise InvalidParams(f"{name}: no task has number {value}")
    if isinstance(value, str) and not 0 < len(value) <= 100:
        raise InvalidParams(f"{name} must be a task number or id")
    return value


def _statuses(value: Any) -> tuple[str, ...] | None:
    """``"open"``/absent: open ones (None); ``"all"``: every status (()); or a list of statuses."""
    if value is None or value == "open":
        return None
    if value == "all":
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        wanted: list[str] = []
        for v in value:
            v = v.replace("-", "_")
            if v == "open":
                wanted += ["pending", "in_progress", "blocked"]
            elif v in STATUSES:
                wanted.append(v)
            else:
                raise InvalidParams(f"unknown status {v!r} (use {', '.join(STATUSES)}, open)")
        return tuple(dict.fromkeys(wanted))
    raise InvalidParams('status must be "open", "all" or an array of statuses')


def _now(svc: TaskService) -> datetime:
    return svc.clock().astimezone(svc.tz)


def _known_repos(ctx: SyncContext, svc: TaskService) -> list[str]:
    return sorted(svc.repo_names_registered() | set(ctx.config.repos))


def _quick(ctx: SyncContext) -> Any:
    from mhv.tasks.intents import quick_settings

    return quick_settings(ctx.config)


def _task_json(svc: TaskService, ref: int | str) -> dict[str, Any]:
    return svc.get(ref, links=True).to_json()


_KEY_WINDOW = 2000  # how many of the latest tasks a `client_key` retry is looked up among


def _expect_updated_at(svc: TaskService, conn: Any, ref: int | str, expected: str) -> None:
    """The precondition of tasks.update/start/complete, read in the write's own transaction: the task's
    ``updated_at`` must still be the one the client saw, else MHV-103 with the task as it is now."""
    seen = svc._resolve(conn, ref).to_json()["updated_at"]  # read in this transaction
    if seen != expected:
        current = _task_json(svc, ref)
        raise ConflictError(
            f"#{current['number']} changed since you saw it (updated_at {seen}, you sent {expected}): not done",
            "look at the task as it is now (details.task), then send the change again with its updated_at",
            task=current,
        )


def _fresh(svc: TaskService, result: dict[str, Any]) -> dict[str, Any]:
    """A task JSON made inside a transaction, read again once it committed (PostgreSQL's readers
    don't see a transaction before its commit)."""
    out = _task_json(svc, result["id"])
    if "next" in result:
        out["next"] = _task_json(svc, result["next"]["id"])
    return out


def _guarded(svc: TaskService, verb: str, ref: int | str, expected: str | None, change: Any) -> Any:
    """``change()`` in one transaction (one undo step, labelled as the change itself) with the
    ``if_updated_at`` check before it."""
    if expected is None:
        return change()
    with svc.bulk(f"{verb} {ref}") as act:
        _expect_updated_at(svc, act.conn, ref, expected)
        result = change()
    return _fresh(svc, result)


def _keyed_task(svc: TaskService, key: str) -> dict[str, Any] | None:
    """The task a ``tasks.create`` with this ``client_key`` made before (among the latest ones)."""
    for task in svc.list_tasks(TaskFilter(statuses=STATUSES, order="created", limit=_KEY_WINDOW)):
        if task.metadata.get("client_key") == key:
            return {"id": task.id}
    return None


def mhv_dispatcher(ctx: SyncContext) -> Dispatcher:
    """The dispatcher with every method of docs/protocol.md, acting through ``ctx``."""
    d = Dispatcher()

    async def run(session: Session, fn: Any) -> Any:
        return await ctx.run(session.actor, fn)

    # -- server ------------------------------------------------------------------------------------
    @d.method("server.hello")
    async def hello(raw: Any, session: Session) -> Any:
        p = Params(raw, ("client", "version"))
        client = p.text("client", required=True, max_len=64)
        assert client is not None
        if not _CLIENT.fullmatch(client):
            raise InvalidParams("client must be 1-64 characters from A-Z a-z 0-9 . _ -")
        p.text("version", max_len=100)
        session.client = client
        return {"server": "mhv", "version": __version__, "protocol": PROTOCOL, "actor": session.actor}

    @d.method("server.ping")
    async def ping(raw: Any, session: Session) -> Any:
        Params(raw, ())
        return "pong"

    @d.method("server.version")
    async def version(raw: Any, session: Session) -> Any:
        Params(raw, ())
        from mhv.store.schema import HEAD

        return {
            "version": __version__,
            "protocol": PROTOCOL,
            "schema": HEAD,
            "database": ctx.store.dialect.name,
        }

    # -- reading tasks -------------------------------------------------------------------------------
    @d.method("tasks.list")
    async def tasks_list(raw: Any, session: Session) -> Any:
        p = Params(raw, ("status", "repo", "tags", "priority", "text", "order", "limit", "offset"))
        order = p.text("order") or "default"
        if order not in _ORDERS:
            raise InvalidParams(f"order must be one of {', '.join(_ORDERS)}")
        priority = p.text("priority", max_len=20)
        if priority is not None:
            from mhv.tasks.rules import PRIORITIES, priority_word

            priority = priority_word(priority)
            if priority not in PRIORITIES:
                raise InvalidParams("priority must be critical, high, medium or low (or p1-p4)")
        repo = p.text("repo", max_len=200)
        flt = TaskFilter(
            statuses=_statuses(p.raw.get("status")), repo=repo.lstrip("@") if repo else None,
            tags=tuple(t.lstrip("#+").lower() for t in p.strings("tags") or ()), priority=priority,
            text=p.text("text", max_len=1000), order=order,
            limit=p.integer("limit", 1000, lo=1, hi=10_000), offset=p.integer("offset", 0) or 0,
        )  # fmt: skip
        # list_json: the same dicts as [t.to_json() for t in list_tasks(flt, links=True)], built from
        # the rows without a Task each (what `mhv tl --json` uses; at 10,000 tasks half the call's time)
        return await run(session, lambda svc: svc.list_json(flt))

    @d.method("tasks.get")
    async def tasks_get(raw: Any, session: Session) -> Any:
        ref = Params(raw, ("ref",)).ref()
        return await run(session, lambda svc: _task_json(svc, ref))

    @d.method("tasks.search")
    async def tasks_search(raw: Any, session: Session) -> Any:
        p = Params(raw, ("query", "limit", "mode", "status", "repo", "tags"))
        query = p.text("query", required=True, max_len=1000)
        mode = p.text("mode") or "hybrid"
        if mode not in ("hybrid", "text", "vector"):
            raise InvalidParams("mode must be hybrid, text or vector")
        limit = p.integer("limit", 10, lo=1, hi=100)
        repo = p.text("repo", max_len=200)
        flt = TaskFilter(statuses=_statuses(p.raw.get("status")), repo=repo.lstrip("@") if repo else None,
                         tags=tuple(t.lstrip("#").lower() for t in p.strings("tags") or ()))  # fmt: skip

        def search(svc: TaskService) -> Any:
            from mhv.tasks.search import SearchService

            return SearchService(svc).search(query, flt, limit=limit, mode=mode).to_json()  # type: ignore[arg-type]

        return await run(session, search)

    @d.method("tasks.next")
    async def tasks_next(raw: Any, session: Session) -> Any:
        p = Params(raw, ("limit", "repo", "tag", "blocked"))
        limit = p.integer("limit", 10, lo=1, hi=1000)
        repo, tag = p.text("repo", max_len=200), p.text("tag", max_len=200)
        statuses = ("in_progress", "pending", "blocked") if p.flag("blocked") else ("in_progress", "pending")
        flt = TaskFilter(statuses=statuses, repo=repo.lstrip("@") if repo else None,
                         tags=(tag.lstrip("#").lower(),) if tag else (), limit=limit)  # fmt: skip

        def rank(svc: TaskService) -> Any:
            svc.set_urgency_coefficients(ctx.config.urgency)
            return [r.to_json(i) for i, r in enumerate(svc.ranked(flt), start=1)]

        return await run(session, rank)

    @d.method("repos.list")
    async def repos_list(raw: Any, session: Session) -> Any:
        Params(raw, ())
        return await run(session, lambda svc: [r.to_json() for r in svc.list_repos()])

    @d.method("nlp.parse")
    async def nlp_parse(raw: Any, session: Session) -> Any:
        p = Params(raw, ("text", "now"))
        text = p.text("text", required=True, max_len=2000)
        assert text is not None
        now_text = p.text("now", max_len=40)

        def parse_it(svc: TaskService) -> Any:
            from mhv.nlp import parse

            now = _now(svc)
            if now_text is not None:
                try:
                    given = datetime.fromisoformat(now_text.strip().upper().replace("Z", "+00:00"))
                except ValueError:
                    raise InvalidParams("now must be ISO 8601: 2026-11-26T10:00 or 2026-11-26") from None
                now = given.replace(tzinfo=svc.tz) if given.tzinfo is None else given
            return parse(
                text, now=now, known_repos=_known_repos(ctx, svc), settings=_quick(ctx).parse
            ).to_json()

        return await run(session, parse_it)

    # -- writing tasks -------------------------------------------------------------------------------
    @d.method("tasks.create")
    async def tasks_create(raw: Any, session: Session) -> Any:
        p = Params(raw, ("text", "fields", "yes", "client_key"))
        text, fields, yes = p.text("text", max_len=2000), p.obj("fields"), p.flag("yes")
        key = p.text("client_key", max_len=100)
        if (text is None) == (fields is None):
            raise InvalidParams('give either "text" (a quick-add line) or "fields" (an object)')

        def keyed(svc: TaskService, make: Any) -> Any:
            """Without a key: make it. With one: the task made before with this key, else make it
            (remembering the key in its metadata), in one transaction."""
            if key is None:
                return _fresh(svc, make(svc, None))
            with svc.bulk("create"):
                made = _keyed_task(svc, key) or make(svc, key)
            return _fresh(svc, made)

        if fields is not None:
            base = dict(fields)

            def create_fields(svc: TaskService, key: str | None) -> Any:
                data = dict(base)
                if key is not None:
                    data["metadata"] = {**(data.get("metadata") or {}), "client_key": key}
                return {"id": svc.create(data).id}

            return await run(session, lambda svc: keyed(svc, create_fields))
        assert text is not None

        def create(svc: TaskService, key: str | None) -> Any:
            from mhv.tasks.intents import CREATE, apply, understand

            if not text.strip():
                raise UsageError(
                    "nothing to add", 'give the task, e.g. {"text": "fix login tomorrow p1 #auth"}'
                )
            now = _now(svc)
            action = understand(text, now=now, known_repos=_known_repos(ctx, svc), settings=_quick(ctx))
            if action.kind != CREATE:
                raise UsageError(
                    f"{text!r} reads as a command ({action.kind}), not a new task",
                    f"call tasks.{action.kind} for that, or put the words in double quotes to make them a title",
                )
            if action.needs_confirmation and not yes:
                raise CancelledError(
                    f"not done: {action.describe(now)} (the parse is unsure: confidence {action.confidence:.2f})",
                    'send it again with "yes": true to create it anyway, or rephrase ("quotes" keep words as title text)',
                )
            if key is not None:
                action.fields["metadata"] = {**(action.fields.get("metadata") or {}), "client_key": key}
            outcome = apply(svc, action)
            assert outcome.task is not None
            return {"id": outcome.task.id}

        return await run(session, lambda svc: keyed(svc, create))

    @d.method("tasks.update")
    async def tasks_update(raw: Any, session: Session) -> Any:
        p = Params(raw, ("ref", "fields", "text", "depends_on", "blocks", "unblock", "yes", "if_updated_at"))
        ref, expected = p.ref(), p.text("if_updated_at", max_len=64)
        fields, text = p.obj("fields"), p.text("text", max_len=2000)
        if fields is not None and text is not None:
            raise InvalidParams('give "fields" or "text", not both')
        depends_on, blocks = p.refs("depends_on"), p.refs("blocks")
        unblock: list[int | str] | None = None if p.raw.get("unblock") == "all" else p.refs("unblock")
        yes = p.flag("yes")
        if text is not None:
            words = text.split()
            return await run(session, lambda svc: _guarded(svc, "update", ref, expected, lambda: _update_from_text(
                ctx, svc, ref, words, yes=yes)))  # fmt: skip
        if not (fields or depends_on or blocks or unblock is None or unblock):
            raise InvalidParams(
                'nothing to change: give "fields", "text", "depends_on", "blocks" or "unblock"'
            )
        changes = dict(fields or {})
        return await run(session, lambda svc: _guarded(svc, "update", ref, expected, lambda: _task_json(
            svc, svc.update(ref, changes, depends_on=depends_on, blocks=blocks, unblock=unblock).id)))  # fmt: skip

    @d.method("tasks.start")
    async def tasks_start(raw: Any, session: Session) -> Any:
        p = Params(raw, ("ref", "if_updated_at"))
        ref, expected = p.ref(), p.text("if_updated_at", max_len=64)
        return await run(
            session,
            lambda svc: _guarded(svc, "start", ref, expected, lambda: _task_json(svc, svc.start(ref).id)),
        )

    @d.method("tasks.complete")
    async def tasks_complete(raw: Any, session: Session) -> Any:
        p = Params(raw, ("ref", "if_updated_at"))
        ref, expected = p.ref(), p.text("if_updated_at", max_len=64)

        def complete(svc: TaskService) -> Any:
            return _guarded(svc, "complete", ref, expected, lambda: completed(svc))

        def completed(svc: TaskService) -> Any:
            done, nxt = svc.complete(ref)
            data = _task_json(svc, done.id)
            if nxt is not None:
                data["next"] = _task_json(svc, nxt.id)
            return data

        return await run(session, complete)

    @d.method("tasks.undo")
    async def tasks_undo(raw: Any, session: Session) -> Any:
        Params(raw, ())

        def undo(svc: TaskService) -> Any:
            res = svc.undo()
            return {"undone": res.label, "txn": res.txn, "tasks": [t.to_json() for t in res.tasks]}

        return await run(session, undo)

    @d.method("tasks.redo")
    async def tasks_redo(raw: Any, session: Session) -> Any:
        Params(raw, ())

        def redo(svc: TaskService) -> Any:
            res = svc.redo()
            return {"redone": res.label, "txn": res.txn, "tasks": [t.to_json() for t in res.tasks]}

        return await run(session, redo)

    # -- events ------------------------------------------------------------------------------------------
    @d.method("events.subscribe")
    async def subscribe(raw: Any, session: Session) -> Any:
        since = Params(raw, ("since",)).integer("since", None)
        if session.state.get("subscription") is not None:
            raise SyncError("this connection is already subscribed", "call events.unsubscribe first, or open another connection",
                            code="MHV-706")  # fmt: skip
        sub = ctx.bus.subscribe(since)
        start = await sub.ready()
        session.state["subscription"] = sub

        async def forward() -> None:
            try:
                async for event in sub:
                    await session.notify("event", event)
            except SubscriberTooSlow as slow:
                await session.notify("events.dropped", {
                    "subscription": sub.id, "since": slow.last_seq, "code": "MHV-707",
                    "message": "this client fell too far behind; subscribe again with since"})  # fmt: skip
            finally:
                if session.state.get("subscription") is sub:
                    session.state["subscription"] = None

        def begin() -> None:
            task = asyncio.create_task(forward(), name=f"mhv-rpc-events-{sub.id}")
            session.state["forward"] = task

            def close() -> None:
                sub.close()
                task.cancel()

            session.state["close"] = close

        session.after_response(begin)
        return {"subscription": sub.id, "seq": start}

    @d.method("events.unsubscribe")
    async def unsubscribe(raw: Any, session: Session) -> Any:
        number = Params(raw, ("subscription",)).integer("subscription", None, lo=0)
        sub = session.state.get("subscription")
        if sub is None or sub.id != number:
            return False
        sub.close()
        task = session.state.pop("forward", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        session.state["subscription"] = None
        return True

    from mhv.sync.rpc.cli_methods import register  # the one-shot CLI's methods (cli.create/complete)

    register(d, ctx)
    return d


def _update_from_text(
    ctx: SyncContext, svc: TaskService, ref: int | str, words: list[str], *, yes: bool
) -> Any:
    """``mhv tu REF WORDS`` over JSON-RPC: ``+tag``/``-tag`` add/remove, the pieces of the quick-add
    language are changes, the words left over the new title."""
    from mhv.nlp import parse
    from mhv.tasks.intents import apply, plan_update

    task = svc.get(ref)
    add = [w[1:].lstrip("#").lower() for w in words if w.startswith("+") and len(w) > 1]
    remove = [
        w[1:].lstrip("#").lower() for w in words if w.startswith("-") and len(w) > 1 and not w[1:].isdigit()
    ]
    rest = [w for w in words if not ((w.startswith("+") and len(w) > 1)
                                     or (w.startswith("-") and len(w) > 1 and not w[1:].isdigit()))]  # fmt: skip
    text = " ".join(rest)
    now = _now(svc)
    registered = _known_repos(ctx, svc)
    p = parse(text, now=now, known_repos=registered, settings=_quick(ctx).parse)
    action = plan_update(task.number, p, tz=now.tzinfo, text=text, registered=registered,
                         add_tags=add, remove_tags=remove)  # fmt: skip
    if not (action.fields or action.add_tags or action.remove_tags or action.depends_on or action.blocks):
        raise UsageError("nothing to change", 'e.g. {"text": "friday p1 +ci"}, or {"text": "a new title"}')
    if action.needs_confirmation and not yes:
        raise CancelledError(f"not done: {action.describe(now)} (the parse is unsure)",
                             'send it again with "yes": true, or rephrase')  # fmt: skip
    outcome = apply(svc, action)
    assert outcome.task is not None
    return _task_json(svc, outcome.task.id)
