"""What the workspace remembers between runs and what the user configured for it.

``config.toml`` is read (and checked) by ``mhv.config``, never written here; the last theme and
view, whether the first-run choices were made and where the tour stands go to ``state.json``.

Launch reads only the theme and the keymap from config.toml (:func:`mhv.config.checks.early_view`,
tomllib alone); the whole file is checked with Pydantic (~90 ms to import) when ``Settings.config``
is first used, which the workspace does on a thread once its first rows are drawn (docs/tui.md,
"Launch"). Its problems are reported then, once.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhv import paths
from mhv.config.checks import early_view

if TYPE_CHECKING:
    from mhv.config import Config


@dataclass(slots=True)
class Settings:
    theme: str | None = None
    view: str = "next"
    keymap: dict[str, str] = field(default_factory=dict)
    config_dir: Path | None = None
    problems: list[str] = field(default_factory=list)
    save_state: bool = True
    first_run: bool = False  # not onboarded yet: offer the first-run choices and the tour
    read_file: bool = False  # config.toml is read when ``config`` is first used (load_settings)
    _config: Config | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def config(self) -> Config:
        """The whole config.toml, checked (what is wrong left at its default; the problems go to
        ``problems``); the defaults when these settings were not read from a folder."""
        config = self._config
        if config is None:
            with self._lock:
                if self._config is None:
                    self._config = self._load()
                config = self._config
        return config

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value

    def _load(self) -> Config:
        from mhv.config import Config, load_config

        if not self.read_file:
            return Config()
        loaded = load_config(self.folder)
        if loaded.problems:
            self.problems.append(
                f"{len(loaded.problems)} problem(s) in {loaded.path}; using defaults for those keys "
                "(`mhv config check` lists them):\n" + "\n".join(str(p) for p in loaded.problems[:5])
            )
        return loaded.config

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
    """The settings from ``folder`` (the config folder by default): the theme and keymap at once, the
    rest of config.toml when first used (``Settings.config``)."""
    settings = Settings(config_dir=folder, read_file=True)
    early = early_view(settings.folder)
    settings.theme = early.theme
    settings.keymap = dict(early.keymap)
    state = read_state(settings.state_path)
    settings.first_run = not state.get("onboarded")
    if isinstance(state.get("theme"), str) and not early.theme:
        settings.theme = state["theme"]
    if isinstance(state.get("view"), str):
        settings.view = state["view"]
    return settings
