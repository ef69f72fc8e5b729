"""Where config.toml is, and which files the command line takes as none or refuses: the one rule
`mhv.cli.config_file.config_table` (the direct path) and the thin client (mhv/cli/thin.py, `next`
through the service) both follow, so the two read the same file the same way. Only ``os`` at import
(and platformdirs/pathlib, through `mhv.paths`, when MHV_HOME is not set): the thin client's start-up
is what a one-shot command costs through the service.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is ~2 ms of start-up
if TYPE_CHECKING:
    from typing import Any

# What reading a file raises when the command line refuses it (MHV-301): it cannot be read, it is not
# UTF-8 (UnicodeDecodeError) or not TOML (tomllib.TOMLDecodeError): both are ValueErrors.
REFUSED = (OSError, ValueError)


def config_path() -> str:
    """``$MHV_HOME/config.toml`` (``~`` expanded), else config.toml in platformdirs' config folder
    for mhv (`mhv.paths.config_dir`)."""
    home = os.environ.get("MHV_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "config.toml")
    from mhv import paths

    return str(paths.config_dir() / "config.toml")


def config_stat(path: str | os.PathLike[str]) -> os.stat_result | None:
    """The file's ``os.stat``; None when there is nothing to stat at ``path``: no file, no settings."""
    try:
        return os.stat(path)
    except OSError:
        return None


def parse_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file as TOML, read as UTF-8 text; raises one of REFUSED for a file the command line refuses."""
    import tomllib  # ~2 ms: only when there is a file to read

    with open(path, encoding="utf-8") as fh:
        return tomllib.loads(fh.read())


def urgency_table(data: dict[str, Any]) -> dict[str, Any] | None:
    """The ``[urgency]`` table of a parsed file as coefficient name -> value (`forms.flat_urgency`):
    ``{}`` when there is none, None when ``urgency`` is not a table (refused)."""
    table = data.get("urgency", {})
    if not isinstance(table, dict):
        return None
    from mhv.cli.forms import flat_urgency

    return flat_urgency(table)
