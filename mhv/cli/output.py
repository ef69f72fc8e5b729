"""How commands speak: JSON for scripts, compact tables and coloured text for people.

Rich is imported only when something rich is printed (it costs ~50 ms); task tables are written
directly, because a person listing 100,000 tasks should not wait for a layout engine.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class Output:
    """Where a command's result goes. In batch mode results are collected, not printed."""

    json: bool = False
    batch: bool = False
    collected: list[Any] = field(default_factory=list)

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
