"""Task tables for people: Taskwarrior-like columns, fast at 100,000 rows, coloured on a terminal.
Rows are `Task`s or the narrow `TaskLine`s `mhv tl` reads (TaskService.list_lines)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from mhv.store import Dialect

if TYPE_CHECKING:
    from mhv.tasks.models import Task, TaskLine

    Row = Task | TaskLine

PRIORITY_MARK = {"critical": "P1", "high": "H", "medium": "", "low": "L"}
STATUS_MARK = {"in_progress": "▶", "blocked": "⧗", "completed": "✓", "cancelled": "✗", "pending": ""}
_ANSI = {
    "header": "\x1b[4m",
    "critical": "\x1b[1;31m",
    "high": "\x1b[31m",
    "low": "\x1b[2m",
    "in_progress": "\x1b[1;32m",
    "blocked": "\x1b[2;33m",
    "overdue": "\x1b[1;31m",
    "done": "\x1b[2;9m",
    "alt": "\x1b[48;5;235m",
}
RESET = "\x1b[0m"


def width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, size: int) -> str:
    if text.isascii():  # most cells: no per-character width
        if len(text) <= size:
            return text.ljust(size)
    else:
        used = width(text)
        if used <= size:
            return text + " " * (size - used)
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > size - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…" + " " * (size - used - 1)


def age(created: datetime | None, now: datetime) -> str:
    return ages([created], now)[0]


def ages(created: Iterable[str | datetime | None], now: datetime) -> list[str]:
    """The Age cells of a column of creation times: datetimes, or the text SQLite stores (read as
    Dialect.dt_out reads it). One loop without a call per row (10,000 rows: 7.5 -> 4.5 ms)."""
    fromiso = datetime.fromisoformat
    out: list[str] = []
    append = out.append
    for value in created:
        if value is None:
            append("")
            continue
        when: Any = fromiso(value) if value.__class__ is str else value  # type: ignore[arg-type]
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        secs = (now - when).total_seconds()
        if secs < 86400 * 14:
            if secs < 60:
                append(f"{max(int(secs), 0)}s")
            elif secs < 3600:
                append(f"{int(secs // 60)}min")
            elif secs < 86400:
                append(f"{int(secs // 3600)}h")
            else:
                append(f"{int(secs // 86400)}d")
        elif secs < 86400 * 90:
            append(f"{int(secs // (86400 * 7))}w")
        elif secs < 86400 * 730:
            append(f"{int(secs // (86400 * 30))}mo")
        else:
            append(f"{secs / (86400 * 365):.1f}y")
    return out


def _widest(cells: Sequence[str], *, measure: bool) -> int:
    """The widest cell: its length, or (``measure``) its width on the terminal when not all ASCII."""
    if measure and not "".join(cells).isascii():
        return max(width(c) for c in cells)
    return max(map(len, cells))


def due_text(task: Row, tz: tzinfo) -> str:
    return _due_cell(task.due, task.due_all_day, tz)


def render_tasks(tasks: Sequence[Row], *, now: datetime, tz: tzinfo, color: bool, total: int | None = None,
                 columns: int | None = None) -> Iterable[str]:  # fmt: skip
    """Yield the lines of a task table (header, rows, footer)."""
    if not tasks:
        yield "No tasks match."
        return
    cells = [
        [str(t.number) for t in tasks],
        [STATUS_MARK.get(t.status, "") for t in tasks],
        ages([t.created_at for t in tasks], now),
        [PRIORITY_MARK.get(t.priority, "") for t in tasks],
        [t.repo or "" for t in tasks],
        [" ".join(t.tags) for t in tasks],
        [due_text(t, tz) for t in tasks],
        [t.title for t in tasks],
    ]
    styles = [_style(t.status, t.due, t.priority, now) for t in tasks] if color else None
    yield from _layout(cells, styles, total, columns)


def render_rows(rows: Sequence[Sequence[Any]], *, now: datetime, tz: tzinfo, color: bool,
                total: int | None = None, columns: int | None = None) -> list[str]:  # fmt: skip
    """`render_tasks` of the rows mhv.tasks.filters.line_rows reads (filters.LINE_COLUMNS as stored:
    dates as text or datetimes, tags as JSON text or lists): the same lines, without a `TaskLine` a
    row, and each distinct tag set and due date turned into its cell once (10,000 rows: 60 -> 25 ms)."""
    if not rows:
        return ["No tasks match."]
    numbers, statuses, created, priorities, repos, tags, dues, all_day, titles = zip(*rows, strict=True)
    parse = Dialect.dt_out
    tag_cells: Any
    if all(t is None or t.__class__ is str for t in tags):  # SQLite: JSON text, a few distinct sets
        decoded = {t: " ".join(Dialect.json_out(t) or ()) for t in set(tags)}
        tag_cells = [decoded[t] for t in tags]
    else:
        tag_cells = [" ".join(Dialect.json_out(t) or ()) for t in tags]
    due_at = {d: parse(d) for d in set(dues)}
    due_cells = {(d, a): _due_cell(due_at[d], bool(a), tz) for d, a in set(zip(dues, all_day, strict=True))}
    cells = [
        list(map(str, numbers)),
        [STATUS_MARK.get(s, "") for s in statuses],
        ages(created, now),
        [PRIORITY_MARK.get(p, "") for p in priorities],
        [r or "" for r in repos],
        tag_cells,
        [due_cells[d, a] for d, a in zip(dues, all_day, strict=True)],
        list(titles),
    ]
    styles = None
    if color:
        styles = [_style(s, due_at[d], p, now) for s, d, p in zip(statuses, dues, priorities, strict=True)]
    return _layout(cells, styles, total, columns)


def _due_cell(due: datetime | None, all_day: bool, tz: tzinfo) -> str:
    if due is None:
        return ""
    local = due.astimezone(tz)
    return local.strftime("%Y-%m-%d") if all_day else local.strftime("%Y-%m-%d %H:%M")


def _style(status: str, due: datetime | None, priority: str, now: datetime) -> str:
    if status in ("completed", "cancelled"):
        return _ANSI["done"]
    if status in ("in_progress", "blocked"):
        return _ANSI[status]
    if due is not None and due < now:
        return _ANSI["overdue"]
    if priority in ("critical", "high", "low"):
        return _ANSI[priority]
    return ""


HEADS = ("ID", "", "Age", "P", "Repo", "Tags", "Due", "Description")


def _layout(
    cols: list[list[str]], styles: list[str] | None, total: int | None, columns: int | None
) -> list[str]:
    """The table's lines from its cells, column by column (ID, status, age, priority, repo, tags,
    due, title); ``styles``: each row's colour (None: no colour)."""
    if not columns:  # the CLI's callers pass the client's width: shutil (~2 ms to import) only here
        import shutil

        columns = shutil.get_terminal_size((120, 24)).columns
    term = columns
    heads = HEADS
    widths = [max(len(heads[i]), _widest(cols[i], measure=i >= 4)) for i in range(7)]
    widths[4] = min(widths[4], 24)
    widths[5] = min(widths[5], 24)
    keep = [i for i in range(7) if widths[i] > 0 and (i < 4 or any(cols[i]) or i == 0)]
    fixed = sum(widths[i] + 1 for i in keep)
    desc_w = max(20, min(term - fixed, _widest(cols[7], measure=True)))
    order = [*keep, 7]
    sizes = {**{i: widths[i] for i in keep}, 7: desc_w}

    def fit(cells: Sequence[str]) -> str:  # cell by cell: _fit measures wide characters
        parts = []
        for i, text in zip(order, cells, strict=True):
            parts.append(text.rjust(sizes[i]) if i in (0, 2) else _fit(text, sizes[i]))
        return " ".join(parts).rstrip()

    # One format string for all rows (10,000 rows: 55 -> 25 ms): repo, tags and title are the only
    # cells that may not fit; an ASCII one too long is cut first as _fit cuts it (its first size-1
    # characters and "…"), and a row with a non-ASCII one of them is laid out cell by cell.
    # printf-style (10,000 rows: 3.6 ms, str.format 8.7 ms); the title, last, is not padded (rstripped).
    template = " ".join(f"%{'' if i in (0, 2) else '-'}{sizes[i]}s" for i in order[:-1]) + " %s"
    wide: set[int] = set()  # rows laid out cell by cell
    shown = {i: cols[i] for i in order}
    for i in order:
        if i not in (4, 5, 7):
            continue
        size, col = sizes[i], cols[i]
        ascii_col = "".join(col).isascii()
        if not ascii_col:
            wide.update(n for n, text in enumerate(col) if not text.isascii())
        if not ascii_col or max(map(len, col)) > size:
            shown[i] = [
                text if len(text) <= size or not text.isascii() else text[: size - 1] + "…" for text in col
            ]
    rows = zip(*(shown[i] for i in order), strict=True)
    if wide:
        originals = list(zip(*(cols[i] for i in order), strict=True))
        body = [
            fit(originals[n]) if n in wide else (template % cells).rstrip() for n, cells in enumerate(rows)
        ]
    else:
        body = [(template % cells).rstrip() for cells in rows]
    if styles is None:
        out = [(template % tuple(heads[i] for i in order)).rstrip(), " ".join("-" * sizes[i] for i in order)]
        out += body
    else:
        out = [_ANSI["header"] + (template % tuple(heads[i] for i in order)).rstrip() + RESET]
        alt = _ANSI["alt"]
        for n, (style, text) in enumerate(zip(styles, body, strict=True)):
            if n % 2:
                style += alt
            out.append(f"{style}{text}{RESET}" if style else text)
    count = len(body)
    total = count if total is None else total
    out.append("")
    out.append(
        f"{count} task{'s' if count != 1 else ''}"
        + (f" (of {total}; use --limit or --all)" if total > count else "")
    )
    return out
