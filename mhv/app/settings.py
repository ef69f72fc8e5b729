"""What the workspace remembers between runs and what the user configured for it.

``config.toml`` is read (and checked) by ``mhv.config``, never written here; the last theme and
view, whether the first-run choices were made and where the tour stands go to ``state.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhv import paths
from mhv.config import Config, load_config


@dataclass(slots=True)
class Settings:
    theme: str | None = None
    view: str = "next"
    keymap: dict[str, str] = field(default_factory=dict)
    config_dir: Path | None = None
    problems: list[str] = field(default_factory=list)
    save_state: bool = True
    config: Config = field(default_factory=Config)
    first_run: bool = False  # not onboarded yet: offer the first-run choices and the tour

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

    def state(self) -> dict[str, Any]:
        return read_state(self.state_path)


def read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_settings(folder: Path | None = None) -> Settings:
    settings = Settings(config_dir=folder)
    loaded = load_config(settings.folder)
    settings.config = loaded.config
    if loaded.problems:
        settings.problems.append(
            f"{len(loaded.problems)} problem(s) in {loaded.path}; using defaults for those keys "
            "(`mhv config check` lists them):\n" + "\n".join(str(p) for p in loaded.problems[:5])
        )
    settings.theme = loaded.config.chosen_theme
    settings.keymap = dict(loaded.config.keymap)
    state = read_state(settings.state_path)
    settings.first_run = not state.get("onboarded")
    if isinstance(state.get("theme"), str) and not loaded.config.chosen_theme:
        settings.theme = state["theme"]
    if isinstance(state.get("view"), str):
        settings.view = state["view"]
    return settings
