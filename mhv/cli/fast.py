"""The fast path: the commonest one-shot forms run without building the Typer app (~40 ms) or
importing Pydantic (~110 ms), so adding a task beats `task add`. `tc WORDS` goes through the
quick-add parser and `mhv.tasks.intents` exactly as the full command does.

When the sync service answers on its socket (mhv/cli/remote.py), `tc WORDS`, `tu N WORDS` and `td N` are sent there and only
the answer is rendered (no store, no parser in this process); when it does not, or the line needs the
CLI itself (a command such as `done #42`, an unsure parse that asks first), they run directly. Either
way the text, the JSON, the errors and the exit codes are the same (tests/unit/cli/test_service_path.py).

`mhv stats` with its options runs here as well (mhv/cli/insights_run.py), straight from the store, and so
does `mhv import taskwarrior FILE [--json]` (mhv/cli/import_run.py, the same function the Typer command calls).

The read commands `tl`, `show N`, `next` and `ts WORDS` are read here with their options (the same
names and forms Typer takes; anything else, or help, goes to the full CLI, which ends in the same
place) and run by mhv/cli/reads.py: through the service when it answers, else directly, the same view.

It handles only plain forms; anything with other options (or help) goes to the full CLI, which
gives the same results and output. tests/unit/cli/test_fast.py checks the two agree.
"""

from __future__ import annotations

from typing import Any

from mhv.cli.context import CliState
from mhv.cli.forms import _READS, plain_words, read_args, update_words

__all__ = ["read_args", "try_fast"]


def try_fast(argv: list[str], st: CliState, done: list[dict[str, Any]] | None = None) -> bool:
    """Run ``argv`` if it is a plain form; False means the caller must use the full CLI. ``done``:
    for `td N...`, the tasks of its first words the service completed already (mhv/cli/thin.py's
    ``run`` returns them when it hands the rest back); they are printed, not completed again."""
    if argv[:2] == ["import", "taskwarrior"]:
        rest = [a for a in argv[2:] if a != "--json"]
        if len(rest) != 1 or (rest[0].startswith("-") and rest[0] != "-"):
            return False  # help, an option, no file: Typer says what it says
        st.output.json = len(rest) != len(argv) - 2
        from mhv.cli.import_run import run_import_taskwarrior

        run_import_taskwarrior(st, rest[0])
        return True
    if not argv or argv[0] not in ("tc", "tl", "td", "tu", "show", "next", "ts", "stats"):
        return False
    if argv[0] == "stats":
        found = read_args(argv)
        if found is None:
            return False
        args = found[1]
        from mhv.cli.insights_run import run_stats

        run_stats(
            st, repo=args["repo"], tag=args["tag"], since=args["since"], now=args["now"], as_json=args["json"]
        )
        return True
    if argv[0] in _READS:
        found = read_args(argv)
        if found is None:
            return False
        method, args = found
        st.output.json = bool(args.get("json"))
        if method == "cli.next":  # the coefficients of this process's config.toml
            from mhv.cli.config_file import urgency_overrides

            args["urgency"] = urgency_overrides()
        from mhv.cli.reads import run_read

        run_read(st, method, args)
        return True
    parsed = plain_words(argv[1:])
    if parsed is None:
        return False
    words, as_json = parsed
    cmd = argv[0]
    if cmd == "tc" and not words:
        return False
    if cmd == "tu" and len(words) < 2:
        return False
    if cmd == "td" and not (words and all(w.lstrip("#").isdigit() for w in words)):
        return False
    st.output.json = as_json
    from mhv.cli import remote

    if cmd == "tc":
        text = words[0] if len(words) == 1 else " ".join(words)
        try:
            answer = remote.call("cli.create", {"text": text, "actor": remote.actor()}, write=True)
        except remote.Unavailable:
            answer = {"direct": "no service"}
        if "direct" in answer:
            from mhv.cli.quick import run_create

            run_create(st, text)
        else:
            from mhv.cli.render import print_outcome

            print_outcome(st.output, answer)
        return True
    if cmd == "tu":
        ref, rest = words[0], words[1:]
        changes = update_words(rest)
        try:
            answer = remote.call(
                "cli.update", {"ref": ref, "words": changes, "actor": remote.actor()}, write=True
            )
        except remote.Unavailable:
            answer = {"direct": "no service"}
        if "direct" in answer:
            from mhv.cli.quick import run_update

            run_update(st, ref, changes)
        else:
            from mhv.cli.render import print_outcome

            print_outcome(st.output, answer)
        return True
    done = list(done or [])  # what the thin client completed already (the caller's list is left as it is)
    for i, ref in enumerate(words):
        if i < len(done):
            continue
        try:
            answer = remote.call("cli.complete", {"ref": ref, "actor": remote.actor()}, write=True)
        except remote.Unavailable:
            answer = {"direct": "no service"}
        if "direct" in answer:  # no service, or gates / a worktree: the rest here
            from mhv.cli.report import complete_all
            from mhv.repos.completion import needs_gates_or_worktree

            if needs_gates_or_worktree(st.service, words[i:]):
                if not done:
                    return False  # the full `mhv td`: gates first, then the worktree
                from mhv.cli.render import print_completed
                from mhv.cli.repo_cmds import finish_tasks

                print_completed(st.output, done)
                finish_tasks(words[i:], override=False, reason=None, force=False)
                return True
            done += complete_all(st.service, words[i:])
            break
        done.append(answer)
    from mhv.cli.render import print_completed

    print_completed(st.output, done)
    return True
