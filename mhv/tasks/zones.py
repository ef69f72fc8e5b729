"""The local time zone, read without the task service (the views of mhv/tasks/views/ and the
one-shot `mhv tl` need it; importing mhv.tasks.service_parts.core costs uuid and platform)."""

from __future__ import annotations

import os
from datetime import tzinfo
from typing import Any

_FROM_ENV: Any = object()


def local_tz(name: str | None = _FROM_ENV) -> tzinfo:
    """The local zone: ``TZ`` (or ``name``, another process's ``TZ``), else the zone /etc/localtime
    links to. The standard library's zoneinfo reads a zone name in ~1 ms; dateutil (~20 ms to import)
    stays the fallback for what zoneinfo does not take (a POSIX rule such as ``EST5EDT,M3.2.0,M11.1.0``,
    a ``:path``, no /etc/localtime link)."""
    if name is _FROM_ENV:
        name = os.environ.get("TZ")
    key = name
    if not name:
        try:
            target = os.readlink("/etc/localtime")
        except OSError:
            target = ""
        _, found, key = target.partition("zoneinfo/")
        key = key if found else None
    if key and not key.startswith((":", "/")) and ".." not in key:
        from zoneinfo import ZoneInfo

        try:
            return ZoneInfo(key)
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            pass
    from dateutil.tz import gettz, tzlocal

    return (gettz(name) if name else None) or tzlocal()
