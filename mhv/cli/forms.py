"""The read commands' forms as Typer declares them, read without Typer (mhv/cli/fast.py and the thin
client, mhv/cli/thin.py). No imports: the thin client's start-up is what `mhv tl` costs through the service.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is ~2 ms of start-up
if TYPE_CHECKING:
    from typing import Any

# The read commands' options as Typer declares them (mhv/cli/app.py, graph_cmds.py, search_cmds.py):
# option -> (argument, kind); kind: "flag", "text" (the last one wins), "many" (repeatable), "int".
_TL = {"--status": ("status", "many"), "-s": ("status", "many"), "--repo": ("repo", "text"), "-r": ("repo", "text"),
       "--tag": ("tag", "many"), "-t": ("tag", "many"), "--priority": ("priority", "text"),
       "-p": ("priority", "text"), "--due-before": ("due_before", "text"), "--due-after": ("due_after", "text"),
       "--completed-since": ("completed_since", "text"), "--completed-before": ("completed_before", "text"),
       "--all": ("all", "flag"), "-a": ("all", "flag"), "--waiting": ("waiting", "flag"),
       "--limit": ("limit", "int"), "-n": ("limit", "int"), "--sort": ("sort", "text"), "--json": ("json", "flag"),
       "--format": ("format", "text")}  # fmt: skip
_NEXT = {"--limit": ("limit", "int"), "-n": ("limit", "int"), "--repo": ("repo", "text"), "--tag": ("tag", "text"),
         "--blocked": ("blocked", "flag"), "--explain": ("explain", "flag"), "--json": ("json", "flag")}  # fmt: skip
_TS = {"--limit": ("limit", "int"), "-n": ("limit", "int"), "--repo": ("repo", "text"), "-r": ("repo", "text"),
       "--status": ("status", "many"), "-s": ("status", "many"), "--tag": ("tag", "many"), "-t": ("tag", "many"),
       "--due-before": ("due_before", "text"), "--all": ("all", "flag"), "-a": ("all", "flag"),
       "--mode": ("mode", "text"), "--json": ("json", "flag")}  # fmt: skip
_READS = {
    # command: (method, options, where the other words go, the defaults Typer gives)
    "tl": ("cli.list", _TL, "words", {"words": [], "status": [], "repo": None, "tag": [], "priority": None,
           "due_before": None, "due_after": None, "completed_since": None, "completed_before": None,
           "all": False, "waiting": False, "limit": None, "sort": "default", "json": False, "format": None}),
    "show": ("cli.show", {"--json": ("json", "flag")}, "ref", {"json": False}),
    "next": ("cli.next", _NEXT, "", {"limit": 10, "repo": None, "tag": None, "blocked": False, "explain": False,
             "json": False}),
    "ts": ("cli.search", _TS, "query", {"query": [], "limit": 10, "repo": None, "status": [], "tag": [],
           "due_before": None, "all": False, "mode": "hybrid", "json": False}),
}  # fmt: skip


# `mhv stats` (mhv/cli/insights_cmds.py) runs here too, without the Typer app (~60 ms at start-up).
_STATS = {"--repo": ("repo", "text"), "-r": ("repo", "text"), "--tag": ("tag", "text"), "-t": ("tag", "text"),
          "--since": ("since", "text"), "--now": ("now", "text"), "--json": ("json", "flag")}  # fmt: skip
_READS_AND_STATS: dict[str, Any] = {**_READS, "stats": ("stats", _STATS, "", {"repo": None, "tag": None, "since": None,
                                                               "now": None, "json": False})}  # fmt: skip


def read_args(argv: list[str]) -> tuple[str, dict[str, Any]] | None:
    """A read command's method and arguments, or None for a form the full CLI should read (help,
    an unknown option, ``--``, a short option with its value attached, a missing or bad value)."""
    method, options, rest, defaults = _READS_AND_STATS[argv[0]]
    args: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v) for k, v in defaults.items()}
    words: list[str] = []
    i, tokens = 1, argv
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-") or token == "-":
            words.append(token)
            continue
        name, eq, attached = token.partition("=")
        spec = options.get(name) if (not eq or name.startswith("--")) else None
        if spec is None:
            return None
        key, kind = spec
        if kind == "flag":
            if eq:
                return None
            args[key] = True
            continue
        if eq:
            value = attached
        elif i < len(tokens):
            value, i = tokens[i], i + 1
        else:
            return None
        if kind == "int":
            try:
                args[key] = int(value)
            except ValueError:
                return None
        elif kind == "many":
            args[key].append(value)
        else:
            args[key] = value
    if rest == "ref":
        if len(words) != 1:
            return None
        args["ref"] = words[0]
    elif rest:
        if rest == "query" and not words:
            return None
        args[rest] = words
    elif words:
        return None
    if argv[0] == "next" and args["limit"] < 1:
        return None  # Typer's own message (min=1)
    return method, args


def plain_words(args: list[str]) -> tuple[list[str], bool] | None:
    """`tc`/`tu`/`td`'s plain form: the words and whether ``--json`` was given; None when another
    option is there (the full CLI reads it)."""
    rest = [a for a in args if a != "--json"]
    if any(a.startswith("-") for a in rest):
        return None
    return rest, len(rest) != len(args)


def update_words(rest: list[str]) -> list[str]:
    """`tu N WORDS`: the change words (one quoted argument is split, several are taken as given)."""
    return [w for part in rest for w in (part.split() if len(rest) == 1 else [part])]


def flat_urgency(table: dict[str, Any]) -> dict[str, Any]:
    """config.toml's ``[urgency]`` table as coefficient name -> value: ``[urgency.tag] next = 15``
    is the same as ``"tag.next" = 15``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out
