"""Errors a user can hit: each has a code, what went wrong and how to recover.

This module is a leaf (stdlib only) so every layer can raise these without pulling anything in.
Codes: MHV-0xx storage, MHV-1xx tasks and validation, MHV-2xx import/export, MHV-3xx configuration,
MHV-4xx parser, MHV-5xx search, MHV-6xx repositories and gates, MHV-7xx sync service.
"""

from __future__ import annotations

from typing import Any


class MhvError(Exception):
    """An error meant for a person: ``code``, ``message`` (what happened) and ``hint`` (how to recover)."""

    code: str = "MHV-100"
    exit_code: int = 1

    def __init__(self, message: str, hint: str = "", *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "error": self.message, "hint": self.hint}
        if self.details:
            out["details"] = self.details
        return out

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


# Exit codes (documented in docs/cli.md): 0 ok, 1 error, 2 usage, 3 not found, 4 validation,
# 5 conflict (cycle, state), 6 storage, 7 cancelled by the user, 8 a schema migration is due.


class StorageError(MhvError):
    code = "MHV-001"
    exit_code = 6


class DatabaseNewerError(StorageError):
    code = "MHV-002"


class DatabaseCorruptError(StorageError):
    code = "MHV-003"


class MigrationDueError(StorageError):
    """The database's schema is older than this mhv (``mhv db check``; ``mhv db upgrade`` applies it)."""

    code = "MHV-004"
    exit_code = 9


class NotFoundError(MhvError):
    code = "MHV-101"
    exit_code = 3


class ValidationError(MhvError):
    code = "MHV-102"
    exit_code = 4


class ConflictError(MhvError):
    code = "MHV-103"
    exit_code = 5


class CycleError(ConflictError):
    code = "MHV-104"


class NothingToUndoError(ConflictError):
    code = "MHV-105"


class ImportFormatError(MhvError):
    code = "MHV-201"
    exit_code = 4


class UsageError(MhvError):
    code = "MHV-110"
    exit_code = 2


class CancelledError(MhvError):
    code = "MHV-111"
    exit_code = 7


class ConfigError(MhvError):
    code = "MHV-301"
    exit_code = 4
