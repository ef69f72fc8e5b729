"""How a gate run looks in the terminal (`mhv gate run`, `mhv td` behind gates).

On a terminal: a Rich live area at the bottom with one line per gate still running (a spinner and its
elapsed time), while each output line (``gate run`` without ``--quiet``) and each verdict is printed
above it as it comes, in the order things happen. Anywhere else (a pipe, a log file, CI): the same
lines as plain text, output prefixed by the gate's name, no cursor movement. JSON and batch modes
print nothing while the gates run (the result says it all).
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Any, TextIO


def _verdict(result: Any) -> tuple[str, str]:
    """(mark, rest) of a verdict line: ``✓ passed in 0.21 s · coverage 91.0%``."""
    mark = "✓ passed" if result.passed else "✗ failed"
    if result.reused:
        rest = " (a passing run of this commit, not run again)"
    else:
        rest = f" in {result.duration_ms / 1000:.2f} s"
    if result.coverage is not None:
        rest += f" · coverage {result.coverage:.1f}%"
    if result.reason:
        rest += f" · {result.reason}"
    return mark, rest


class GateProgress:
    """Callbacks for ``Gates.run`` / ``Gates.before_completion``; use as a context manager around it."""

    def __init__(self, *, stream_output: bool, enabled: bool = True, file: TextIO | None = None,
                 live: bool | None = None, color: bool | None = None) -> None:  # fmt: skip
        from mhv.cli.output import use_color

        self.enabled = enabled
        self.stream_output = stream_output
        self.file = file or sys.stdout
        self.color = use_color(self.file) if color is None else color
        is_tty = bool(getattr(self.file, "isatty", lambda: False)())
        self.live_mode = enabled and (is_tty if live is None else live)
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}  # gate name -> monotonic start
        self._live: Any = None
        self._console: Any = None

    # ------------------------------------------------------------------ context
    def __enter__(self) -> GateProgress:
        if self.live_mode:
            from rich.console import Console
            from rich.live import Live

            self._console = Console(file=self.file, force_terminal=True, no_color=not self.color, highlight=False)
            self._live = Live(self, console=self._console, refresh_per_second=10, transient=True,
                              redirect_stdout=False, redirect_stderr=False)  # fmt: skip
            self._live.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        if self._live is not None:
            with self._lock:
                self._running.clear()
            self._live.stop()
            self._live = None

    # ------------------------------------------------------------------ callbacks (any thread)
    @property
    def callbacks(self) -> dict[str, Any]:
        if not self.enabled:
            return {"on_line": None, "on_done": None, "on_start": None}
        return {"on_line": self.on_line if self.stream_output else None, "on_done": self.on_done,
                "on_start": self.on_start}  # fmt: skip

    def on_start(self, name: str) -> None:
        with self._lock:
            self._running[name] = time.monotonic()

    def on_line(self, name: str, line: str) -> None:
        if self._console is not None:
            from rich.text import Text

            text = Text(f"{name:>10} │ ", style="dim")
            text.append(line)
            self._console.print(text, soft_wrap=True)
            return
        dim, reset = ("\x1b[2m", "\x1b[0m") if self.color else ("", "")
        self._write(f"{dim}{name:>10} │{reset} {line}\n")

    def on_done(self, result: Any) -> None:
        with self._lock:
            self._running.pop(result.name, None)
        mark, rest = _verdict(result)
        if self._console is not None:
            from rich.text import Text

            text = Text(f"{result.name:>10}   ")
            text.append(mark, style="green" if result.passed else "red")
            text.append(rest)
            self._console.print(text, soft_wrap=True)
            return
        if self.color:
            mark = ("\x1b[32m" if result.passed else "\x1b[31m") + mark + "\x1b[0m"
        self._write(f"{result.name:>10}   {mark}{rest}\n")

    def _write(self, text: str) -> None:
        with self._lock:
            self.file.write(text)
            self.file.flush()

    # ------------------------------------------------------------------ the live area
    def __rich__(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table

        with self._lock:
            running = list(self._running.items())
        grid = Table.grid(padding=(0, 1))
        now = time.monotonic()
        for name, started in running:
            grid.add_row(f"{name:>10}", Spinner("dots", style="cyan"), f"running {now - started:.1f} s")
        return grid
