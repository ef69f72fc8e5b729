"""The commented file `mhv config edit` creates: every key, at its default, commented out."""

DEFAULT_CONFIG = '''\
# mhv configuration. Check it with `mhv config check`; every key is optional.
# Reference: docs/config.md

# theme = "mhv-dark"          # mhv-dark, mhv-light, mhv-high-contrast, mhv-nord, a Textual theme,
                              # or one of your own in themes/NAME.toml next to this file
# date_order = "mdy"          # how 12/5 reads: "mdy" (December 5) or "dmy" (12 May)
# week_start = "monday"       # first day of the week for "next week", "eow", "this friday"

[keymap]
# Rebind keys by id (press ? in mhv to see every id). Several keys: separate with commas.
# "task.complete" = "x"
# "task.add" = "a,n"

[aliases]
# Your own commands: `mhv bl` runs `mhv tl --status blocked`.
# bl = "tl --status blocked"

[quick_add]
# What a new task gets when its line does not say.
# priority = "medium"
# repo = "crackerjack"
# tags = ["inbox"]

# [repos.crackerjack]
# path = "~/src/crackerjack"
# remote = "git@github.com:lesleslie/crackerjack.git"
# default_branch = "main"
# gates = { tests = "pytest -q", lint = "ruff check ." }
# worktrees = true              # `mhv start N` makes a git worktree for the task
# post_create = "uv sync"       # run in each new worktree (a failure only warns)

# [worktrees]
# path = "{worktrees}/{repo}/{branch}"

[service]
# host = "127.0.0.1"
# port = 8787
# Secrets are better kept in the environment: MHV_GITHUB_SECRET, MHV_GITLAB_TOKEN, MHV_WS_TOKEN.
# github_secret = "..."

[urgency]
# Weights for the "next" ranking, by name (a larger number pulls tasks up).
# due = 12.0
# priority = 6.0
'''
