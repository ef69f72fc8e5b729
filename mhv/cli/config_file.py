"""config.toml as the command line reads it: tomllib alone, once per process and change.

The CLI's fast paths (`mhv tc`, `mhv tl`) must not load Pydantic (~110 ms) to read three settings;
the values are checked where they are used (`quick_settings`, the urgency coefficients), and `mhv
config check` validates the whole file. A file that is not TOML is an error that names it (MHV-301);
the quick-add commands turn it into a warning and go on with the defaults, as the workspace does.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from mhv.cli.config_rules import REFUSED, config_path, config_stat, parse_config, urgency_table
from mhv.errors import ValidationError

QUICK_KEYS = ("date_order", "week_start", "quick_add")  # what the quick-add language reads


def config_table(path: Path | None = None) -> dict[str, Any]:
    """The parsed file (``{}`` when there is none); read again only when it changes. Where it is and
    which files count as none or are refused: mhv/cli/config_rules.py (the thin client's rule too)."""
    if path is None:
        path = Path(config_path())
    stat = config_stat(path)
    if stat is None:
        return {}
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parsed(path: Path, _mtime: int, _size: int) -> dict[str, Any]:
    try:
        return parse_config(path)
    except REFUSED as exc:
        raise ValidationError(f"cannot read {path}: {exc}", "fix the file (it is TOML; `mhv config check` "
                              "shows where)", code="MHV-301") from None  # fmt: skip


def quick_add_settings() -> dict[str, Any]:
    """``date_order``, ``week_start`` and ``[quick_add]``, for `mhv.tasks.intents.quick_settings`."""
    data = config_table()
    return {key: data[key] for key in QUICK_KEYS if key in data}


def config_repo_names() -> set[str]:
    """The ``[repos.NAME]`` names: known to the parser and completion like registered ones (none
    when the file cannot be read: the quick-add settings' warning says why)."""
    try:
        repos = config_table().get("repos")
    except ValidationError:
        return set()
    return {str(name) for name in repos} if isinstance(repos, dict) else set()


def urgency_overrides(path: Path | None = None) -> dict[str, Any]:
    """The ``[urgency]`` table of config.toml: coefficient name -> number (docs/graph.md lists the
    keys: ``due``, ``blocking``, ``priority_high``, ``tag.next``, ``repo.infra``...). Missing file or
    table: no overrides."""
    urgency = urgency_table(config_table(path))
    if urgency is None:
        raise ValidationError(f"{path or 'config.toml'}: [urgency] must be a table", "write `[urgency]` then `key = number` lines",
                              code="MHV-301")  # fmt: skip
    return urgency
