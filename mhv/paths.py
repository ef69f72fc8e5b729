"""Where mhv keeps its state. ``MHV_HOME`` moves everything under one folder (tests always set it)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path | None:
    value = os.environ.get("MHV_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    base = home()
    if base is not None:
        return base / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("mhv"))


def config_dir() -> Path:
    base = home()
    if base is not None:
        return base
    import platformdirs

    return Path(platformdirs.user_config_dir("mhv"))


def cache_dir() -> Path:
    base = home()
    if base is not None:
        return base / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("mhv"))


def run_dir() -> Path:
    base = home()
    if base is not None:
        return base / "run"
    return data_dir() / "run"


def database_path() -> Path:
    return data_dir() / "mhv.db"


def database_url() -> str:
    """``MHV_DATABASE_URL`` (PostgreSQL for teams) or the embedded SQLite file."""
    url = os.environ.get("MHV_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{database_path()}"
