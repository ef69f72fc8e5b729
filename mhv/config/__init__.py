"""Configuration: ``config.toml`` (DESIGN section 10) validated with Pydantic, with clear problems.

Used by the CLI and the app alike; imports neither (nor Textual), only pydantic, tomllib and paths.
The names below load their module when first used: ``mhv.config.checks`` (the checks that need no
Pydantic, and the workspace's early view of the theme and keymap) and ``mhv.config.keys`` stay light,
and Pydantic (~90 ms) is imported only by what validates the whole file.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mhv.config.defaults import DEFAULT_CONFIG
    from mhv.config.keys import BINDING_IDS, key_problem
    from mhv.config.load import ConfigProblem, LoadedConfig, check_text, config_path, load_config
    from mhv.config.model import Config

_WHERE = {
    "DEFAULT_CONFIG": "mhv.config.defaults",
    "BINDING_IDS": "mhv.config.keys",
    "key_problem": "mhv.config.keys",
    "ConfigProblem": "mhv.config.checks",
    "LoadedConfig": "mhv.config.load",
    "check_text": "mhv.config.load",
    "config_path": "mhv.config.load",
    "load_config": "mhv.config.load",
    "Config": "mhv.config.model",
}

__all__ = [
    "BINDING_IDS",
    "DEFAULT_CONFIG",
    "Config",
    "ConfigProblem",
    "LoadedConfig",
    "check_text",
    "config_path",
    "key_problem",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mhv.config' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
