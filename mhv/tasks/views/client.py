"""The process that prints: its clock, its time zone and its terminal, as JSON (`Client.from_json`
reads what mhv/cli/reads.py ``client_json`` sends), so a view built in the sync service reads the
client's "now", shows dates in the client's zone, and lays out for the client's terminal."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any

from mhv.tasks.client_env import RICH_ENV  # the environment the client sends

# A client's terminal is taken as at most this wide or tall: a width is laid out in memory, and the
# socket's bytes are not trusted to be sane.
MAX_SIDE = 10_000


@lru_cache(maxsize=64)
def _zone(name: str | None) -> tzinfo:
    from mhv.tasks.zones import local_tz

    return local_tz(name)


def _side(value: Any) -> int | None:
    """A terminal width or height the client sent: a positive integer, at most MAX_SIDE."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return min(value, MAX_SIDE)
    return None


@dataclass(frozen=True)
class Client:
    now: datetime  # aware
    tz_name: str | None  # the client's TZ (None: the zone /etc/localtime names, as local_tz reads it)
    columns: int  # shutil.get_terminal_size((120, 24)).columns in the client
    color: bool  # mhv.cli.output.use_color() for stdout and stderr
    color_err: bool
    term: dict[str, Any] = field(default_factory=dict)  # for Rich: env, isatty, size, encoding

    @property
    def tz(self) -> tzinfo:
        return _zone(self.tz_name)

    @classmethod
    def from_json(cls, data: Any) -> Client:
        """Raises ValueError (or TypeError) when ``data`` is not what ``client_json`` sends."""
        if not isinstance(data, dict):
            raise ValueError("client must be an object")
        now = datetime.fromisoformat(data["now"])
        if now.tzinfo is None:
            raise ValueError("client.now needs an offset")
        tz_name = data.get("tz")
        columns = data.get("columns")
        term = data.get("term")
        term = {} if term is None else term
        if tz_name is not None:
            if not isinstance(tz_name, str) or len(tz_name) > 256 or "\x00" in tz_name:
                raise ValueError("client.tz must be a zone name such as Europe/Paris")
            try:
                _zone(tz_name)
            except (OSError, ValueError, LookupError) as exc:
                raise ValueError(
                    f"client.tz {tz_name[:60]!r} is not a zone this service can read ({exc})"
                ) from None
        if not isinstance(columns, int) or isinstance(columns, bool) or not 0 < columns < 100_000:
            raise ValueError("client.columns must be a positive integer")
        if not isinstance(term, dict) or not isinstance(term.get("env") or {}, dict):
            raise ValueError("client.term must be an object")
        encoding = term.get("encoding")
        if encoding is not None:
            try:
                codecs.lookup(str(encoding)[:64])
            except LookupError:
                raise ValueError(
                    f"client.term.encoding {str(encoding)[:64]!r} is not a known encoding"
                ) from None
        return cls(
            now.astimezone(UTC),
            tz_name,
            min(columns, MAX_SIDE),
            bool(data.get("color")),
            bool(data.get("color_err")),
            term,
        )

    # -- how the client would print ----------------------------------------------------------------
    def warning(self, text: str) -> str:
        """A line as mhv.cli.output.Output.warn writes it to the client's stderr."""
        prefix = "\x1b[33mwarning:\x1b[0m " if self.color_err else "warning: "
        return prefix + text + "\n"

    def console(self) -> tuple[Any, io.StringIO]:
        """A Rich Console that renders as one on the client's stdout would, and the buffer it fills."""
        from rich.console import Console

        term = self.term
        env = {str(k): str(v) for k, v in (term.get("env") or {}).items() if k in RICH_ENV}
        if env.get("TTY_COMPATIBLE") in ("0", "1"):
            is_terminal = env["TTY_COMPATIBLE"] == "1"
        elif env.get("FORCE_COLOR") is not None:
            is_terminal = env["FORCE_COLOR"] != ""
        else:
            is_terminal = bool(term.get("isatty"))
        width, height = 80, 25
        if is_terminal and env.get("TERM", "").lower() in ("dumb", "unknown"):
            pass
        else:
            size = term.get("size")
            w, h = (
                (_side(size[0]), _side(size[1]))
                if isinstance(size, list) and len(size) == 2
                else (None, None)
            )
            w = _side(env.get("COLUMNS")) or w
            h = _side(env.get("LINES")) or h
            width, height = (w or 80), (h or 25)
        buffer = _Buffer(str(term.get("encoding") or "utf-8"))
        console = Console(file=buffer, highlight=False, force_terminal=is_terminal, width=width, height=height,
                          legacy_windows=False, _environ=env)  # fmt: skip
        return console, buffer


class _Buffer(io.StringIO):
    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


@dataclass
class Rendered:
    """A view's output: text for the client's stdout and stderr, or (``--batch``) the data."""

    stdout: str = ""
    stderr: str = ""
    data: Any = None

    def to_json(self) -> dict[str, str]:
        return {"stdout": self.stdout, "stderr": self.stderr}


def dumps(obj: Any) -> str:
    """JSON as mhv.cli.output.dumps writes it."""
    return json.dumps(obj, ensure_ascii=False, default=str)


@contextmanager
def with_client(svc: Any, client: Client) -> Iterator[Any]:
    """``svc`` reading the client's clock and zone for the duration of one read (the sync service's
    long-lived TaskService is shared: both are put back)."""
    clock, zone = svc.clock, svc._tz
    now = client.now
    svc.clock = lambda: now
    svc._tz = client.tz
    try:
        yield svc
    finally:
        svc.clock, svc._tz = clock, zone
