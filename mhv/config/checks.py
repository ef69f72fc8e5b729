"""The checks of ``config.toml`` that need no Pydantic: where each key is written, the keymap's ids
and keys, the theme's name, the aliases; and :func:`early_view`, what the workspace needs of the
file before its first frame (the theme and the keymap), read with tomllib alone.

The Pydantic model (:mod:`mhv.config.model`, ~90 ms to import) checks the rest, after the first rows
are drawn; ``tests/unit/test_config.py`` checks that the early view agrees with the full check.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhv.config.keys import ALL_BINDING_IDS, key_problem
from mhv.config.themes import theme_names

FILE_NAME = "config.toml"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    line: int | None
    message: str  # what is wrong, naming the key
    expected: str = ""
    fix: str = ""
    file: str = FILE_NAME

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


# ---------------------------------------------------------------------------------- line numbers
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)
_PART = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*""")


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART.findall(text))


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """(table..., key...) -> line number, for tables and keys written one per line."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for n, line in enumerate(text.splitlines(), start=1):
        if m := _TABLE.match(line):
            table = _dotted(m.group(1))
            lines.setdefault(table, n)
        elif m := _KEY.match(line):
            lines.setdefault(table + _dotted(m.group(1)), n)
    return lines


def line_of(lines: dict[tuple[str, ...], int], loc: tuple[str, ...]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


# ---------------------------------------------------------------------------------- checks
def key_name(loc: tuple[str, ...]) -> str:
    return ".".join(f'"{p}"' if "." in p or " " in p else p for p in loc)


def drop_key(data: dict[str, Any], loc: tuple[str, ...]) -> None:
    node: Any = data
    for part in loc[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(loc[-1], None)


def custom_problems(data: dict[str, Any], lines: dict[tuple[str, ...], int],
                     folder: Path) -> list[tuple[tuple[str, ...], ConfigProblem]]:  # fmt: skip
    out: list[tuple[tuple[str, ...], ConfigProblem]] = []
    keymap = data.get("keymap")
    if isinstance(keymap, dict):
        for binding_id, keys in keymap.items():
            loc: tuple[str, ...] = ("keymap", binding_id)
            line = line_of(lines, loc)
            if binding_id not in ALL_BINDING_IDS:
                near = difflib.get_close_matches(binding_id, ALL_BINDING_IDS, n=1, cutoff=0.6)
                fix = f'did you mean "{near[0]}"?' if near else "press ? in mhv to see every key with its id"
                out.append((loc, ConfigProblem(line, f'unknown binding id "{binding_id}" in [keymap]',
                                               "an id from the help screen, e.g. task.complete", fix)))  # fmt: skip
                continue
            if not isinstance(keys, str):
                continue  # the type check reports it
            for key in keys.split(","):
                bad = key_problem(key)
                if bad is not None:
                    what, hint = bad
                    out.append((loc, ConfigProblem(line, f'[keymap] "{binding_id}" = "{keys}": {what}',
                                                   'keys like "x", "ctrl+x", "f5" or "enter", several separated by commas',
                                                   hint)))  # fmt: skip
                    break
    for loc in (("theme",), ("tui", "theme")):
        node: Any = data
        for part in loc:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, str):
            names = theme_names(folder / "themes")
            if node not in names:
                near = difflib.get_close_matches(node, names, n=1, cutoff=0.5)
                fix = (
                    f'did you mean "{near[0]}"?'
                    if near
                    else f"add {folder / 'themes' / (node + '.toml')} or pick a listed theme"
                )
                shown = (
                    ", ".join(names[: len(names) - 21]) + ", or a Textual theme (nord, gruvbox, dracula, ...)"
                )
                out.append((loc, ConfigProblem(line_of(lines, loc), f'{key_name(loc)} = "{node}" is not a known theme',
                                               shown, fix)))  # fmt: skip
    aliases = data.get("aliases")
    if isinstance(aliases, dict):
        for name, expansion in aliases.items():
            if isinstance(expansion, str) and (not name or " " in name or not expansion.strip()):
                out.append((("aliases", name), ConfigProblem(
                    line_of(lines, ("aliases", name)), f'alias "{name}" = "{expansion}" cannot be used',
                    "one word = a command line, e.g. bl = \"tl --status blocked\"", "give it a one-word name and a command")))  # fmt: skip
    return out


# ---------------------------------------------------------------------------------- before the first frame
@dataclass(frozen=True, slots=True)
class EarlyView:
    """What the workspace needs of config.toml before its first frame: the same theme and keymap the
    full check (:func:`mhv.config.check_text`) leaves, read without Pydantic."""

    exists: bool = False
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)


def early_view(folder: Path) -> EarlyView:
    """``<folder>/config.toml``'s theme and keymap, what is wrong with them left out as the full
    check leaves it out (its problems are reported by that check, once, after the first rows)."""
    path = folder / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return EarlyView()
    except (OSError, UnicodeDecodeError):
        return EarlyView(exists=True)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return EarlyView(exists=True)
    for loc, _problem in custom_problems(data, key_lines(text), folder):
        drop_key(data, loc)
    theme, tui = data.get("theme"), data.get("tui")
    tui_theme = tui.get("theme") if isinstance(tui, dict) else None
    chosen = (theme if isinstance(theme, str) else None) or (
        tui_theme if isinstance(tui_theme, str) else None
    )
    keymap = data.get("keymap")
    keys = {k: v for k, v in keymap.items() if isinstance(v, str)} if isinstance(keymap, dict) else {}
    return EarlyView(True, chosen, keys)
