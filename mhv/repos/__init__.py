"""Repositories: the registry, a git worktree per task, quality gates (commands, Crackerjack) and the
repositories dashboard, all on the task service with the real git and real processes."""
