"""What the workspace remembers between runs and what the user configured for it.

``config.toml`` (section ``[tui]``: ``theme``, and ``[keymap]``: binding id -> keys) is read, never
written; the last theme and view go to ``state.json`` next to it.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhv import paths


@dataclass(slots=True)
class Settings:
    theme: str | None = None
    view: str = "next"
    keymap: dict[str, str] = field(default_factory=dict)
    config_dir: Path | None = None
    problems: list[str] = field(default_factory=list)
    save_state: bool = True

    @property
    def folder(self) -> Path:
        return self.config_dir or paths.config_dir()

    @property
    def themes_dir(self) -> Path:
        return self.folder / "themes"

    @property
    def state_path(self) -> Path:
        return self.folder / "state.json"

    def save(self, **changes: Any) -> None:
        """Merge ``changes`` into state.json (best effort: a read-only folder is not an error)."""
        if not self.save_state:
            return
        state = read_state(self.state_path)
        state.update(changes)
        try:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
            tmp.replace(self.state_path)
        except OSError:
            pass


def read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_settings(folder: Path | None = None) -> Settings:
    settings = Settings(config_dir=folder)
    config = settings.folder / "config.toml"
    if config.is_file():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            settings.problems.append(f"config.toml: {exc}")
            data = {}
        tui = data.get("tui", {})
        if isinstance(tui.get("theme"), str):
            settings.theme = tui["theme"]
        if isinstance(data.get("theme"), str):
            settings.theme = data["theme"]
        keymap = data.get("keymap", {})
        if isinstance(keymap, dict):
            settings.keymap = {str(k): str(v) for k, v in keymap.items()}
    state = read_state(settings.state_path)
    if isinstance(state.get("theme"), str):
        settings.theme = state["theme"]
    if isinstance(state.get("view"), str):
        settings.view = state["view"]
    return settings
