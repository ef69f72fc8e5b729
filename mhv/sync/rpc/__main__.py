"""`python -m mhv.sync.rpc [--socket PATH] [--database URL]`: serve only the JSON-RPC socket.

A dev entry (tests of other parts use it; `mhv serve` runs the same server next to HTTP). Prints
``listening on PATH`` on stdout once the socket accepts connections; SIGTERM/SIGINT close it
(finishing the request in hand) and remove the socket file. Exit 5 when another server holds the
socket (the message names its pid).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from mhv.errors import MhvError
from mhv.sync.signals import accept_stop_signals


async def serve(socket: str | None, database: str | None) -> None:
    from mhv.sync.context import SyncContext
    from mhv.sync.rpc.server import start_unix_server

    ctx = SyncContext.open(database, socket_path=socket)
    try:
        await ctx.bus.start()
        server = await start_unix_server(ctx)
        try:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            sys.stdout.write(f"listening on {server.path}\n")
            sys.stdout.flush()
            await stop.wait()
        finally:
            await server.close()
    finally:
        await ctx.bus.stop()
        ctx.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mhv.sync.rpc", description=__doc__.splitlines()[0])
    parser.add_argument("--socket", help="socket path (default $MHV_HOME/run/mhv.sock)")
    parser.add_argument("--database", help="database URL (default MHV_DATABASE_URL or the SQLite file)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    accept_stop_signals()
    try:
        asyncio.run(serve(args.socket, args.database))
    except MhvError as err:
        sys.stderr.write(f"error {err.code} {err.message}\n")
        if err.hint:
            sys.stderr.write(f"  hint: {err.hint}\n")
        return err.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
