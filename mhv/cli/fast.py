"""The fast path: the commonest one-shot forms (`tc WORDS`, `tl`, `td N`) run without building the
Typer app (~40 ms) or importing Pydantic (~110 ms), so adding a task beats `task add`. `tc WORDS` goes
through the quick-add parser and `mhv.tasks.intents` exactly as the full command does.

It handles only plain forms; anything with other options (or help) goes to the full CLI, which
gives the same results and output. tests/unit/cli/test_fast.py checks the two agree.
"""

from __future__ import annotations

from mhv.cli.context import CliState


def _plain(args: list[str]) -> tuple[list[str], bool] | None:
    rest = [a for a in args if a != "--json"]
    if any(a.startswith("-") for a in rest):
        return None
    return rest, len(rest) != len(args)


def try_fast(argv: list[str], st: CliState) -> bool:
    """Run ``argv`` if it is a plain form; False means the caller must use the full CLI."""
    if not argv or argv[0] not in ("tc", "tl", "td"):
        return False
    parsed = _plain(argv[1:])
    if parsed is None:
        return False
    words, as_json = parsed
    cmd = argv[0]
    st.output.json = as_json
    if cmd == "tc":
        if not words:
            return False
        from mhv.cli.quick import run_create

        run_create(st, words[0] if len(words) == 1 else " ".join(words))
        return True
    if cmd == "tl":
        if words:
            return False
        svc = st.service
        tasks = svc.list_tasks(links=as_json)
        if as_json:
            st.output.result([t.to_json() for t in tasks])
        else:
            from mhv.cli.report import print_tasks

            print_tasks(svc, tasks)
        return True
    if not words or not all(w.lstrip("#").isdigit() for w in words):
        return False
    from mhv.cli.repo_cmds import needs_gates_or_worktree
    from mhv.cli.report import complete_all, report_completed

    svc = st.service
    if needs_gates_or_worktree(svc, words):  # gates or a worktree: the full `td`
        return False
    report_completed(st.output, svc, complete_all(svc, words))
    return True
