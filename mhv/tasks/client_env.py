"""The environment that describes a one-shot command's terminal: what Rich reads to pick colours and
a size (rich.console.Console). The thin client (mhv/cli/thin.py) sends these variables and the views
(mhv/tasks/views/client.py) read only these. Import-free: the thin client loads it before anything."""

RICH_ENV = (
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
)
