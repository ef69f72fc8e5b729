"""Theme names a config may choose: mhv's own, Textual's built-ins, and the user's theme files."""

from __future__ import annotations

import tomllib
from pathlib import Path

MHV_THEMES: tuple[str, ...] = ("mhv-dark", "mhv-light", "mhv-high-contrast", "mhv-nord")
TEXTUAL_THEMES: tuple[str, ...] = (
    "ansi-dark", "ansi-light", "atom-one-dark", "atom-one-light", "catppuccin-frappe", "catppuccin-latte",
    "catppuccin-macchiato", "catppuccin-mocha", "dracula", "flexoki", "gruvbox", "monokai", "nord",
    "rose-pine", "rose-pine-dawn", "rose-pine-moon", "solarized-dark", "solarized-light", "textual-dark",
    "textual-light", "tokyo-night",
)  # fmt: skip


def user_theme_names(folder: Path) -> list[str]:
    """The ``name`` of each ``folder/*.toml`` (its file name when it has none; unreadable files skipped)."""
    names: list[str] = []
    if not folder.is_dir():
        return names
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        name = data.get("name")
        names.append(name if isinstance(name, str) and name else path.stem)
    return names


def theme_names(folder: Path) -> list[str]:
    return [*MHV_THEMES, *user_theme_names(folder), *TEXTUAL_THEMES]
