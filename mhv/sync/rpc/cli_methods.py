"""The ``cli.*`` methods: what the one-shot `mhv tc`, `tu` and `td` need to print exactly the text
they print without the service, and the read commands `mhv tl`, `show`, `next` and `ts` (``cli.list``,
``cli.show``, ``cli.next``, ``cli.search``): the view of mhv/tasks/views/ the CLI would run itself,
given its arguments and the client's clock, zone and terminal, answered as ``{"stdout", "stderr"}`` (mhv/tasks/report.py builds it on both sides; mhv/cli/render.py
prints it). They act as the ``actor`` the CLI names (the socket is the user's own, mode 0600), so
`mhv show` history reads the same either way.

``cli.create`` answers ``{"direct": why}`` instead of acting when the line needs the CLI itself: a
command (`done #42`), an empty line, or an unsure parse (the CLI asks on a terminal, or refuses with
its own message). Nothing is written then; the CLI runs the line directly. ``cli.search`` answers
``{"direct": "another model"}`` when the client names another embedding model folder than the
service's (the hits would differ).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mhv.sync.rpc.jsonrpc import Dispatcher, InvalidParams, Session
from mhv.sync.rpc.methods import Params, _known_repos, _now, _quick

if TYPE_CHECKING:
    from mhv.sync.context import SyncContext
    from mhv.tasks.service import TaskService


def _actor(p: Params, session: Session) -> str:
    name = p.text("actor", max_len=100)
    if name is None:
        return session.actor
    if not name.strip() or any(not c.isprintable() for c in name):
        raise InvalidParams("actor must be printable text")
    return name


def register(d: Dispatcher, ctx: SyncContext) -> None:
    @d.method("cli.create")
    async def cli_create(raw: Any, session: Session) -> Any:
        p = Params(raw, ("text", "actor"))
        text = p.text("text", required=True, max_len=100_000)
        assert text is not None

        def create(svc: TaskService) -> Any:
            from mhv.tasks.intents import CREATE, apply, understand
            from mhv.tasks.report import outcome_report

            if not text.strip():
                return {"direct": "empty"}
            now = _now(svc)
            action = understand(text, now=now, known_repos=_known_repos(ctx, svc), settings=_quick(ctx))
            if action.kind != CREATE:
                return {"direct": "command"}
            if action.needs_confirmation:
                return {"direct": "unsure"}
            return outcome_report(apply(svc, action), now, svc.tz)

        return await ctx.run(_actor(p, session), create)

    @d.method("cli.update")
    async def cli_update(raw: Any, session: Session) -> Any:
        p = Params(raw, ("ref", "words", "actor"))
        ref = p.ref()
        words = p.strings("words") or []

        def update(svc: TaskService) -> Any:
            from mhv.nlp import parse
            from mhv.tasks.intents import apply, plan_update
            from mhv.tasks.report import outcome_report

            task = svc.get(ref)
            now = _now(svc)
            add: list[str] = []
            remove: list[str] = []
            rest: list[str] = []
            for w in words:  # as `mhv tu` reads them (mhv/cli/quick.py run_update)
                if w.startswith("-") and len(w) > 1 and not w[1:].isdigit():
                    remove.append(w[1:].lstrip("#").lower())
                elif w.startswith("+") and len(w) > 1:
                    add.append(w[1:].lstrip("#").lower())
                else:
                    rest.append(w)
            text = " ".join(rest)
            registered = _known_repos(ctx, svc)
            parsed = parse(text, now=now, known_repos=registered, settings=_quick(ctx).parse)
            if any(alt.get("kind") == "past" for alt in getattr(parsed, "alternatives", None) or []):
                return {"direct": "past date"}  # the CLI's own refusal, word for word
            action = plan_update(task.number, parsed, tz=now.tzinfo, text=text, registered=registered,
                                 add_tags=add, remove_tags=remove)  # fmt: skip
            for key in ("due", "scheduled"):  # a time belongs to the zone, as `mhv tu` does it
                value = action.fields.get(key)
                if isinstance(value, datetime):
                    action.fields[key] = value.replace(tzinfo=svc.tz)
            if not (
                action.fields or action.add_tags or action.remove_tags or action.depends_on or action.blocks
            ):
                return {"direct": "nothing to change"}
            if action.needs_confirmation:
                return {"direct": "unsure"}
            return outcome_report(apply(svc, action), now, svc.tz)

        return await ctx.run(_actor(p, session), update)

    @d.method("cli.complete")
    async def cli_complete(raw: Any, session: Session) -> Any:
        p = Params(raw, ("ref", "actor"))
        ref = p.ref()

        def complete(svc: TaskService) -> Any:
            from mhv.repos.completion import needs_gates_or_worktree
            from mhv.tasks.report import completion

            if needs_gates_or_worktree(svc, [str(ref)]):  # gates first: the CLI's own `mhv td`
                return {"direct": "gates or worktree"}
            return completion(svc, ref)

        return await ctx.run(_actor(p, session), complete)

    def _read(method: str, module: str, name: str) -> None:
        @d.method(method)
        async def read(raw: Any, session: Session) -> Any:
            import importlib

            from mhv.tasks.views import Client, with_client

            views = importlib.import_module(f"mhv.tasks.views.{module}")
            p = Params(raw, ("args", "client"))
            args = _args(p.obj("args", required=True) or {}, views.ARGS)
            try:
                client = Client.from_json(p.obj("client", required=True))
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidParams(f"client: {exc}") from None
            if method == "cli.show" and "ref" not in args:
                raise InvalidParams("args.ref is required")
            search = method == "cli.search"
            if search and p.raw["client"].get("model_dir") != (os.environ.get("MHV_EMBED_MODEL_DIR") or None):
                return {"direct": "another model"}

            def view(svc: TaskService) -> Any:
                extra = {"searcher": _searcher(svc)} if search else {}
                with with_client(svc, client):
                    return getattr(views, name)(svc, args, client, **extra).to_json()

            return await ctx.run(session.actor, view)

    searchers: dict[int, Any] = {}

    def _searcher(svc: TaskService) -> Any:
        """One SearchService for the service's TaskService: the model loads once, not per `mhv ts`."""
        found = searchers.get(id(svc))
        if found is None:
            from mhv.tasks.search import SearchService

            found = searchers[id(svc)] = SearchService(svc)
        return found

    for method, module, name in (("cli.list", "listing", "list_view"), ("cli.show", "detail", "show_view"),
                                 ("cli.next", "ranking", "next_view"), ("cli.search", "hits", "search_view")):  # fmt: skip
        _read(method, module, name)


def _args(raw: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The command's arguments, checked against the view's ``ARGS`` (name -> type; null allowed)."""
    problems = [f"args: unknown argument {k!r}" for k in raw if k not in schema]
    for key, value in raw.items():
        want = schema.get(key)
        if want is None or value is None:
            continue
        if (isinstance(value, bool) and want is not bool) or not isinstance(value, want):
            problems.append(f"args.{key} must be {getattr(want, '__name__', want)}")
        elif isinstance(value, list) and not all(isinstance(v, str) for v in value):
            problems.append(f"args.{key} must be an array of strings")
    if problems:
        raise InvalidParams(*problems)
    return raw
