"""How commands speak: JSON for scripts, compact tables and coloured text for people.

Rich is imported only when something rich is printed (it costs ~50 ms); task tables are written
directly, because a person listing 100,000 tasks should not wait for a layout engine.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False  # no typing, dataclasses or mhv.errors at start-up (~9 ms; mhv/cli/thin.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from mhv.errors import MhvError


def use_color(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


class Output:
    """Where a command's result goes. In batch mode results are collected, not printed.

    A plain class, not a dataclass: ``dataclasses`` (and the ``inspect`` it imports) is ~7 ms of the
    thin client's start-up."""

    def __init__(self, json: bool = False, batch: bool = False, collected: list[Any] | None = None) -> None:
        self.json = json
        self.batch = batch
        self.collected: list[Any] = [] if collected is None else collected

    def __repr__(self) -> str:
        return f"Output(json={self.json!r}, batch={self.batch!r}, collected={self.collected!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Output):
            return NotImplemented
        return (self.json, self.batch, self.collected) == (other.json, other.batch, other.collected)

    # as a dataclass with eq: unhashable
    __hash__ = None  # type: ignore[assignment]

    def result(self, data: Any, human: Callable[[], None] | None = None) -> None:
        if self.batch:
            self.collected.append(data)
        elif self.json or human is None:
            sys.stdout.write(dumps(data) + "\n")
        else:
            human()

    def message(self, text: str) -> None:
        """A line for people (suppressed for JSON and batch)."""
        if not (self.json or self.batch):
            sys.stdout.write(text + "\n")

    def warn(self, text: str) -> None:
        if not self.batch:
            prefix = "\x1b[33mwarning:\x1b[0m " if use_color(sys.stderr) else "warning: "
            sys.stderr.write(prefix + text + "\n")


def print_error(err: MhvError, *, as_json: bool = False) -> None:
    if as_json:
        sys.stderr.write(dumps(err.to_dict()) + "\n")
        return
    color = use_color(sys.stderr)
    red, dim, reset = ("\x1b[31;1m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    sys.stderr.write(f"{red}error{reset} {dim}{err.code}{reset} {err.message}\n")
    if err.hint:
        sys.stderr.write(f"  {dim}hint:{reset} {err.hint}\n")
