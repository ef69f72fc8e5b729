"""Configuration: ``config.toml`` (DESIGN section 10) validated with Pydantic, with clear problems.

Used by the CLI and the app alike; imports neither (nor Textual), only pydantic, tomllib and paths.
"""

from mhv.config.defaults import DEFAULT_CONFIG
from mhv.config.keys import BINDING_IDS, key_problem
from mhv.config.load import ConfigProblem, LoadedConfig, check_text, config_path, load_config
from mhv.config.model import Config

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
