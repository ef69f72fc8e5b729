"""`mhv db check|upgrade|backup|restore`: the database as a release step or an init container sees it.

`check` reads the schema revision and changes nothing (exit 0 current, 8 with MHV-004 when a migration
is due, 6 with MHV-002 when the database is newer than this mhv). `upgrade` migrates under the lock
that lets several instances start together (docs/deploy.md). `backup` / `restore` wrap SQLite's online
backup API, or pg_dump / pg_restore on PostgreSQL (mhv.store.backup).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mhv.cli.context import state

db_app = typer.Typer(help="The database: check its schema, upgrade it, back it up, restore it.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _out(json_flag: bool) -> Any:
    out = state().output
    out.json = out.json or json_flag
    return out


def _store(url: str | None) -> Any:
    from mhv.paths import database_url
    from mhv.store.db import Store

    return Store(url or database_url())


UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="The database (default: MHV_DATABASE_URL, else the SQLite file under MHV_HOME)."),
]


@db_app.command("check")
def check(url: UrlOpt = None, json_: JsonOpt = False) -> None:
    """Say whether the schema is current; change nothing. Exit 0 current, 8 a migration is due, 6 newer."""
    from mhv.errors import DatabaseNewerError, MigrationDueError
    from mhv.store.schema import HEAD, REVISIONS

    out = _out(json_)
    store = _store(url)
    revision = store.read_revision()
    where = store._where()
    status = "current" if revision == HEAD else ("due" if revision is None or revision in REVISIONS else "newer")
    data = {"database": where, "revision": revision, "head": HEAD, "status": status}
    if status == "newer":
        raise DatabaseNewerError(
            f"the database at {where} is at schema {revision!r}, newer than this mhv ({HEAD!r})",
            "deploy the newer mhv (or roll the database back from a backup); nothing was changed",
            **data,
        )
    if status == "due":
        pending = list(REVISIONS[REVISIONS.index(revision) + 1 :] if revision else REVISIONS)
        raise MigrationDueError(
            f"the database at {where} is at schema {revision or '(empty)'}; this mhv needs {HEAD} "
            f"({len(pending)} migration{'s' if len(pending) != 1 else ''} due: {', '.join(pending)})",
            "run `mhv db upgrade` (in Kubernetes: the migrate init container or Job); nothing was changed",
            **data,
            pending=pending,
        )
    out.result(data, lambda: out.message(f"{where}: schema {HEAD}, current"))


@db_app.command("upgrade")
def upgrade(url: UrlOpt = None, json_: JsonOpt = False) -> None:
    """Migrate the schema to this mhv's (several processes may run it at once: one migrates)."""
    out = _out(json_)
    store = _store(url)
    try:
        store.open(migrate=True)
        migration = store.migration
    finally:
        store.close()
    assert migration is not None
    data = {"database": store._where(), **migration.to_json()}

    def human() -> None:
        if migration.applied:
            out.message(f"{data['database']}: migrated from {migration.before or '(empty)'} to {migration.after}")
        elif migration.waited:
            out.message(f"{data['database']}: another process migrated it to {migration.after} while this one waited")
        else:
            out.message(f"{data['database']}: already at {migration.after}")

    out.result(data, human)


def _confirm(what: str, yes: bool) -> None:
    """The project's confirmation: ask on a terminal; without one (or in --batch) refuse with MHV-111
    unless --yes was given."""
    from mhv.errors import CancelledError

    if yes or state().assume_yes:
        return
    if state().output.batch or not sys.stdin.isatty():
        raise CancelledError(f"not {what} without confirmation", "add --yes")
    if not typer.confirm(f"{what[0].upper()}{what[1:]}?", default=False):
        raise CancelledError("nothing was changed", "")


@db_app.command("backup")
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (SQLite file, or pg_dump custom format).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Overwrite FILE if it exists.")] = False,
    url: UrlOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Back the database up to FILE: a consistent copy while the workspace or the service keep writing."""
    from mhv.store import backup as bk

    out = _out(json_)
    if file.exists():
        _confirm(f"overwriting {file}", yes)
    store = _store(url)
    try:
        revision = store.read_revision()
        if revision is None:
            from mhv.errors import StorageError

            raise StorageError(f"there is no mhv database at {store._where()} to back up",
                               "check MHV_HOME / MHV_DATABASE_URL (or `--url`)")  # fmt: skip
        store._refuse_newer(revision)
        info = bk.backup_sqlite(store, file) if store.dialect.name == "sqlite" else bk.backup_postgres(store, file)
    finally:
        store.close()
    out.result(info.to_json(), lambda: out.message(
        f"Backed up {store._where()} to {file}: {info.tasks} tasks, {info.events} events "
        f"(up to seq {info.last_seq}), schema {info.revision}, {info.size:,} bytes"))  # fmt: skip


@db_app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="A file `mhv db backup` wrote.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace the database's content without asking.")] = False,
    url: UrlOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Replace the database with FILE (checked first; the replaced SQLite data is kept as
    <db>.before-restore). Stop `mhv serve` and close the workspace first."""
    from mhv.store import backup as bk

    out = _out(json_)
    store = _store(url)
    try:
        if store.dialect.name == "sqlite":
            info = bk.inspect_sqlite_backup(file)
            if bk.has_data(store):
                _confirm(f"replacing every task and event in {store._where()} with {file}", yes)
            info, saved = bk.restore_sqlite(store, file)
        else:
            info = bk.inspect_postgres_backup(file)
            if store.read_revision() is not None and bk.has_data(store):
                _confirm(f"replacing every task and event in {store._where()} with {file}", yes)
            info, saved = bk.restore_postgres(store, file), None
        store.close()
        store = _store(url).open(migrate=True)  # an older backup is migrated to this mhv's schema
        migration = store.migration
    finally:
        store.close()
    data = {**info.to_json(), "database": store._where(), "saved": str(saved) if saved else None,
            "migration": migration.to_json() if migration else None}  # fmt: skip

    def human() -> None:
        out.message(f"Restored {file} into {store._where()}: {info.tasks} tasks, {info.events} events "
                    f"(up to seq {info.last_seq}), schema {info.revision}")  # fmt: skip
        if saved:
            out.message(f"The data it replaced is in {saved}")
        if migration is not None and migration.applied:
            out.message(f"Migrated from {migration.before} to {migration.after}")

    out.result(data, human)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
