"""`mhv serve` (the sync service) and `mhv webhooks list|replay` (its delivery log).

Registered on the main Typer app by :func:`register`; the service's modules (Starlette, uvicorn) are
imported only when `mhv serve` runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mhv.cli.context import state

webhooks_app = typer.Typer(help="The webhook deliveries `mhv serve` received.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(webhooks_app, name="webhooks")


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default [service] host, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", help="TCP port (default [service] port, 8787; 0 picks a free one).", min=0, max=65535
        ),
    ] = None,
) -> None:
    """Run the sync service: GitHub/GitLab webhooks, the /ws event stream, the JSON-RPC socket."""
    from mhv.config.load import load_config
    from mhv.sync.server import serve as run

    loaded = load_config()
    for problem in loaded.problems:
        state().output.warn(f"{loaded.path}: {problem}")
    service = loaded.config.service
    run(host or service.host, service.port if port is None else port)


@webhooks_app.command("list")
def list_(
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="How many, newest first.", min=1, max=10_000)
    ] = 50,
    json_: JsonOpt = False,
) -> None:
    """Recent deliveries with their outcome (applied, ignored, failed)."""
    from mhv.sync.webhooks.deliveries import recent

    out = state().output
    out.json = out.json or json_
    rows = recent(state().service, limit)

    def human() -> None:
        if not rows:
            out.message("No webhook deliveries yet (see docs/sync.md to set one up).")
            return
        for r in rows:
            when = r.received_at.strftime("%Y-%m-%d %H:%M:%S") if r.received_at else ""
            out.message(f"{r.id:>6}  {when}  {r.provider:<6} {r.event[:24]:<24} {r.outcome:<8} "
                        f"{r.delivery_id[:36]:<36}  {r.detail[:80]}")  # fmt: skip

    out.result([r.to_json() for r in rows], human)


@webhooks_app.command("replay")
def replay(
    ref: Annotated[
        str, typer.Argument(help="The delivery's number in `mhv webhooks list`, or its delivery id.")
    ],
    json_: JsonOpt = False,
) -> None:
    """Apply a stored delivery again (one already applied is not applied twice)."""
    from mhv.sync.webhooks.deliveries import replay as run

    out = state().output
    out.json = out.json or json_
    service = state().service
    service.actor = "webhooks-replay"
    result = run(service, ref)
    out.result(result.to_json(), lambda: out.message(f"{result.outcome}: {result.detail}"))
