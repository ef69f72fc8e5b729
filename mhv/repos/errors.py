"""Errors of repositories, worktrees and gates (MHV-6xx): what happened and how to recover."""

from __future__ import annotations

from mhv.errors import ConflictError, MhvError, NotFoundError, ValidationError


class RepoMovedError(NotFoundError):
    code = "MHV-601"  # the registered path is gone or is no longer a git checkout


class BaseBranchMissingError(NotFoundError):
    code = "MHV-602"


class DetachedHeadError(ConflictError):
    code = "MHV-603"


class WorktreeLockedError(ConflictError):
    code = "MHV-604"


class PathTakenError(ConflictError):
    code = "MHV-605"  # the worktree's path exists and is not a worktree of the repository


class WorktreeKeptError(ConflictError):
    code = "MHV-606"  # not clean or not merged: kept (nothing is forced unless asked)


class GitError(MhvError):
    code = "MHV-607"  # git itself failed (its message is passed on)


class NoRepoError(ValidationError):
    code = "MHV-608"  # the task has no repository, or the repository has no path


class GateFailedError(MhvError):
    code = "MHV-610"
    exit_code = 8  # a required quality gate failed: the task was not completed


class NoGatesError(NotFoundError):
    code = "MHV-611"
