"""mhv's themes: Textual ``Theme`` objects plus app colours for statuses and priorities.

Every theme may set the app variables below (``$status-blocked``, ``$priority-critical``...); a theme
that does not gets the defaults from ``APP_VARIABLE_DEFAULTS``. Users add themes as TOML files in
``config_dir()/themes/*.toml``::

    name = "solarized"
    dark = true
    primary = "#268bd2"
    background = "#002b36"
    [variables]
    status-blocked = "#dc322f"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.theme import Theme

from mhv.errors import MhvError

APP_VARIABLE_DEFAULTS: dict[str, str] = {
    "status-pending": "#9aa5b1",
    "status-in-progress": "#4fb3ff",
    "status-blocked": "#ff6b6b",
    "status-completed": "#5fd068",
    "status-cancelled": "#7a7a7a",
    "priority-critical": "#ff4d4d",
    "priority-high": "#ffa94d",
    "priority-medium": "#a0a0a0",
    "priority-low": "#6c8ebf",
    "chip-background": "#333c4a",
}

MHV_DARK = Theme(
    name="mhv-dark",
    primary="#4fb3ff",
    secondary="#9b7dff",
    accent="#ffa94d",
    warning="#ffcc66",
    error="#ff6b6b",
    success="#5fd068",
    foreground="#e3e7ee",
    background="#11151c",
    surface="#171c25",
    panel="#222a36",
    dark=True,
    variables={**APP_VARIABLE_DEFAULTS, "footer-key-foreground": "#4fb3ff"},
)

MHV_LIGHT = Theme(
    name="mhv-light",
    primary="#0b62c4",
    secondary="#6b46c1",
    accent="#c05a00",
    warning="#a66a00",
    error="#c62828",
    success="#2e7d32",
    foreground="#1d232c",
    background="#f6f7f9",
    surface="#ffffff",
    panel="#e6e9ef",
    dark=False,
    variables={
        "status-pending": "#56606b",
        "status-in-progress": "#0b62c4",
        "status-blocked": "#c62828",
        "status-completed": "#2e7d32",
        "status-cancelled": "#8a8a8a",
        "priority-critical": "#c62828",
        "priority-high": "#c05a00",
        "priority-medium": "#56606b",
        "priority-low": "#3a6ea5",
        "chip-background": "#dde3ec",
    },
)

MHV_HIGH_CONTRAST = Theme(
    name="mhv-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ff00ff",
    warning="#ffff00",
    error="#ff0000",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    dark=True,
    variables={
        "status-pending": "#ffffff",
        "status-in-progress": "#00ffff",
        "status-blocked": "#ff0000",
        "status-completed": "#00ff00",
        "status-cancelled": "#c0c0c0",
        "priority-critical": "#ff0000",
        "priority-high": "#ffff00",
        "priority-medium": "#ffffff",
        "priority-low": "#00ffff",
        "chip-background": "#333333",
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "border": "#ffffff",
    },
)

MHV_NORD = Theme(
    name="mhv-nord",
    primary="#88c0d0",
    secondary="#81a1c1",
    accent="#b48ead",
    warning="#ebcb8b",
    error="#bf616a",
    success="#a3be8c",
    foreground="#d8dee9",
    background="#2e3440",
    surface="#3b4252",
    panel="#434c5e",
    dark=True,
    variables={
        "status-pending": "#d8dee9",
        "status-in-progress": "#88c0d0",
        "status-blocked": "#bf616a",
        "status-completed": "#a3be8c",
        "status-cancelled": "#4c566a",
        "priority-critical": "#bf616a",
        "priority-high": "#d08770",
        "priority-medium": "#d8dee9",
        "priority-low": "#81a1c1",
        "chip-background": "#4c566a",
    },
)

BUILTIN_THEMES: tuple[Theme, ...] = (MHV_DARK, MHV_LIGHT, MHV_HIGH_CONTRAST, MHV_NORD)
DEFAULT_THEME = MHV_DARK.name
_THEME_KEYS = {"primary", "secondary", "accent", "warning", "error", "success", "foreground",
               "background", "surface", "panel", "boost", "dark", "luminosity_spread", "text_alpha"}  # fmt: skip


class ThemeFileError(MhvError):
    code = "MHV-301"
    exit_code = 4


def theme_from_toml(path: Path) -> Theme:
    """One user theme file -> a Theme; a bad file raises ThemeFileError naming the file and the fix."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThemeFileError(f"cannot read theme {path.name}: {exc}", "fix the TOML syntax") from exc
    unknown = set(data) - _THEME_KEYS - {"name", "variables"}
    if unknown:
        raise ThemeFileError(
            f"theme {path.name}: unknown keys {', '.join(sorted(unknown))}",
            f"allowed: name, variables, {', '.join(sorted(_THEME_KEYS))}",
        )
    if "primary" not in data:
        raise ThemeFileError(f"theme {path.name}: `primary` is missing", 'add primary = "#4fb3ff"')
    variables = {**APP_VARIABLE_DEFAULTS, **{str(k): str(v) for k, v in data.get("variables", {}).items()}}
    fields = {k: v for k, v in data.items() if k in _THEME_KEYS}
    return Theme(name=str(data.get("name") or path.stem), variables=variables, **fields)


def load_user_themes(folder: Path) -> tuple[list[Theme], list[ThemeFileError]]:
    """Every ``*.toml`` in ``folder``; the broken ones come back as errors to show, not raised."""
    themes: list[Theme] = []
    errors: list[ThemeFileError] = []
    if not folder.is_dir():
        return themes, errors
    for path in sorted(folder.glob("*.toml")):
        try:
            themes.append(theme_from_toml(path))
        except ThemeFileError as err:
            errors.append(err)
    return themes, errors
