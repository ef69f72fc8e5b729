"""`mhv tc TEXT` and `mhv tu N TEXT`: a quick-add line, read by the parser and carried out by
`mhv.tasks.intents` (the same plan the TUI quick-add line and `--batch` use).

Shared by the Typer commands and the fast path, so neither Typer nor Rich is imported for the common
`tc WORDS`. What was understood is printed with the result; an unsure parse (or a delete) asks first
on a terminal, and is refused (exit 7, MHV-111) in `--batch` or without a terminal unless `--yes`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mhv.cli.context import CliState
from mhv.cli.output import use_color
from mhv.errors import CancelledError, UsageError, ValidationError
from mhv.tasks.intents import CREATE, DELETE, LIST, SEARCH, SHOW, UPDATE, Action, Outcome, apply, plan_update

Confirm = Callable[[str], bool]


def cli_settings(st: CliState) -> Any:
    """The quick-add settings from config.toml (``date_order``, ``week_start``, ``[quick_add]``), as
    the workspace uses them. As in the workspace, a bad file does not stop the command: what is wrong
    falls back to the defaults, with a warning that names the file and the fix."""
    from mhv.cli.config_file import quick_add_settings
    from mhv.errors import MhvError
    from mhv.tasks.intents import quick_settings

    try:
        return quick_settings(quick_add_settings())
    except MhvError as err:
        st.output.warn(f"{err.message} ({err.code}); the quick-add defaults are used. Fix: {err.hint}")
        return None


def known_repos(svc: Any) -> list[str]:
    """Registered repositories and those config.toml names (``[repos.NAME]``)."""
    from mhv.cli.config_file import config_repo_names

    return sorted(svc.repo_names_registered() | config_repo_names())


def run_create(st: CliState, text: str, *, yes: bool = False, overrides: dict[str, Any] | None = None,
               confirm: Confirm | None = None) -> Outcome | None:  # fmt: skip
    """`mhv tc TEXT`: plan the line, ask when unsure, act, report. ``overrides`` are option values
    (``--due``, ``--priority``, ...), which win over the same pieces in the text."""
    from mhv.tasks.intents import understand

    if not text.strip():
        raise UsageError("nothing to add", "give the task, e.g. mhv tc fix login tomorrow p1 #auth")
    svc = st.service
    now = _local_now(st)
    registered = known_repos(svc)
    action = understand(text, now=now, known_repos=registered, settings=cli_settings(st))
    if action.kind == CREATE:
        _refuse_past(action.parse)
    _localise(st, action)
    if overrides:
        if action.kind != CREATE:
            raise UsageError(
                f"{text!r} reads as a command ({action.kind}), which takes no options",
                "drop the options, or quote the text to make it a title: mhv tc '\"done #42\"'",
            )
        _override(action, overrides, registered)
    return _run(st, action, now, yes=yes, confirm=confirm)


def _refuse_past(p: Any) -> None:
    """`mhv tc call bob yesterday`: a word that only names the past (yesterday, last friday, 3 days
    ago) cannot be a due date to work towards; say so instead of storing an overdue task."""
    for alt in getattr(p, "alternatives", None) or []:
        if alt.get("kind") == "past":
            raise ValidationError(
                f"{alt['text']!r} is in the past ({alt.get('value')}); a due date must be today or later",
                f"give a date to come (tomorrow, friday, due:eow), or quote it to keep it in the title: "
                f'"{alt["text"]}"',
            )


def run_update(st: CliState, ref: str, words: list[str], *, yes: bool = False,
               overrides: dict[str, Any] | None = None, confirm: Confirm | None = None) -> Outcome | None:  # fmt: skip
    """`mhv tu N TEXT`: TEXT's pieces are the changes (dates, priority, tags, repo, estimate, recurrence,
    `after #41`, `blocks #43`); `+tag`/`-tag` add or remove; the words left over are the new title."""
    from mhv.nlp import parse

    svc = st.service
    task = svc.get(ref)
    now = _local_now(st)
    add, remove, rest = [], [], []
    for w in words:
        if w.startswith("-") and len(w) > 1 and not w[1:].isdigit():
            remove.append(w[1:].lstrip("#").lower())
        elif w.startswith("+") and len(w) > 1:
            add.append(w[1:].lstrip("#").lower())
        else:
            rest.append(w)
    text = " ".join(rest)
    registered = known_repos(svc)
    qs = cli_settings(st)
    from mhv.tasks.intents import quick_settings

    p = parse(text, now=now, known_repos=registered, settings=quick_settings(qs).parse)
    _refuse_past(p)
    action = plan_update(task.number, p, tz=now.tzinfo, text=text, registered=registered,
                         add_tags=add, remove_tags=remove)  # fmt: skip
    _localise(st, action)
    if overrides:
        _override(action, overrides, registered)
    if not (action.fields or action.add_tags or action.remove_tags or action.depends_on or action.blocks):
        raise UsageError(
            "nothing to change", f"e.g. mhv tu {task.number} friday p1 +ci, or mhv tu {task.number} new title"
        )
    return _run(st, action, now, yes=yes, confirm=confirm)


def _local_now(st: CliState) -> datetime:
    """Now in the local zone, from the stdlib (it reads TZ like the service does): enough to resolve
    dates, and it spares a plain `mhv tc` loading dateutil's zone database (~10 ms)."""
    return st.service.clock().astimezone()


def _localise(st: CliState, action: Action) -> None:
    """A due or start *time* belongs to the service's zone (with its DST rules), not a fixed offset."""
    for key in ("due", "scheduled"):
        value = action.fields.get(key)
        if isinstance(value, datetime):
            action.fields[key] = value.replace(tzinfo=st.service.tz)


def _override(action: Action, overrides: dict[str, Any], registered: list[str]) -> None:
    for key, value in overrides.items():
        if key == "tags":
            if action.kind == UPDATE:
                action.add_tags += [t.lstrip("+#").lower() for t in value if not t.startswith("-")]
                action.remove_tags += [t.lstrip("-#").lower() for t in value if t.startswith("-")]
            else:
                action.fields["tags"] = [*action.fields.get("tags", []), *value]
        elif key == "depends_on":
            action.depends_on += list(value)
        else:
            action.fields[key] = value
    action.warnings = [w for w in action.warnings if not w.startswith("@")]
    repo = action.fields.get("repo")
    if repo and repo not in registered:
        action.warnings.append(f"@{repo} is not a registered repository (mhv repo add {repo} PATH)")


def _run(
    st: CliState, action: Action, now: datetime, *, yes: bool, confirm: Confirm | None
) -> Outcome | None:
    if action.needs_confirmation and not yes:
        _ask(st, action, now, confirm)
    outcome = apply(st.service, action)
    report(st, outcome, now)
    return outcome


def _ask(st: CliState, action: Action, now: datetime, confirm: Confirm | None) -> None:
    what = action.describe(now)
    if action.kind == DELETE:
        reason = "deleting asks first"
    else:
        reason = f"the parse is unsure (confidence {action.confidence:.2f}, below {action.threshold:.2f})"
    maybe = "; ".join(action.alternatives)
    interactive = confirm is not None or (not st.output.batch and sys.stdin.isatty() and sys.stderr.isatty())
    if not interactive:
        hint = "add --yes to do it anyway" + ("" if action.kind == DELETE else
                                              ", or rephrase (\"quotes\" keep words as title text)")  # fmt: skip
        raise CancelledError(f"not done: {what} ({reason}{'; maybe ' + maybe if maybe else ''})", hint)
    ask = confirm or _tty_confirm
    question = f"{what}\n  {reason}" + (f"\n  maybe: {maybe}" if maybe else "") + "\nGo ahead? [y/N] "
    if not ask(question):
        raise CancelledError("nothing was changed", "")


def _tty_confirm(question: str) -> bool:
    sys.stderr.write(question)
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:
        return False
    return answer.strip().lower() in ("y", "yes")


def report(st: CliState, outcome: Outcome, now: datetime) -> None:
    """Print the result: JSON (or the batch line) for scripts; the task and what was understood for
    people. Writes are rendered from their report (mhv/tasks/report.py), as answers from the service are."""
    out, action, svc = st.output, outcome.action, st.service
    kind = action.kind
    if out.json or out.batch or kind not in (LIST, SEARCH, SHOW) or (outcome.task is None and kind == SHOW):
        from mhv.cli.render import print_outcome
        from mhv.tasks.report import outcome_report

        # The zone dates only a recurring task's next occurrence; svc.tz loads zoneinfo (~3 ms).
        tz = svc.tz if outcome.next_task is not None else UTC
        print_outcome(out, outcome_report(outcome, now, tz))
        return
    for warning in action.warnings:
        out.warn(warning)
    if kind in (LIST, SEARCH):
        from mhv.cli.report import print_tasks

        pieces = action.pieces(now)
        if pieces:
            out.message(_dim("understood: " + " · ".join(pieces)))
        print_tasks(svc, outcome.tasks)
        return
    from mhv.cli.show import print_task

    assert outcome.task is not None
    print_task(svc, outcome.task)


def _dim(text: str) -> str:
    return f"\x1b[2m{text}\x1b[0m" if use_color() else text
