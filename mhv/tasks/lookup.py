"""Type-ahead lookup of tasks by number or title words, in memory.

The command palette searches on every keystroke. Asking the database each time means a scan of every
title and description (~60 ms at 100,000 tasks, on a thread competing with the UI for a core);
this index is read once (number, title, status: one query, ~0.1-0.2 s at 100,000 tasks, on a
worker) and answers a keystroke in about a millisecond: numbers by dictionary, words by substring
search in one lower-cased text of all titles, capped before ranking.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mhv.tasks.models import STATUSES, TaskFilter

if TYPE_CHECKING:
    from mhv.tasks.service import TaskService

RECORD = "\x1e"  # between titles in the aggregated query (ASCII record separator, char(30))
MAX_CANDIDATES = 400  # title matches looked at per query (the palette shows the best few)


def by_number(service: TaskService, number: int) -> list[TitleHit]:
    """Task ``number`` and the ten whose number continues it (``4`` → 4, 40-49), by number: what
    typing a number offers (the palette, ``#4`` in the quick-add line). Asked of the database, which
    is always current (the title index may lag a change by a read)."""
    numbers = (number, *range(number * 10, number * 10 + 10))
    tasks = service.list_tasks(TaskFilter(statuses=STATUSES, numbers=numbers, order="number"))
    return [TitleHit(t.number, t.title, t.status) for t in tasks]


@dataclass(frozen=True)
class TitleHit:
    number: int
    title: str
    status: str


@dataclass
class TitleIndex:
    """Every task's number, title and status, as of event ``seq``."""

    seq: int
    numbers: list[int] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    _lines: list[str] = field(default_factory=list)  # lower-cased titles
    _text: str = ""  # the same, one a line: words are found by the regex engine, not a Python loop
    _starts: list[int] = field(default_factory=list)
    _counts: dict[str, int] = field(default_factory=dict)  # occurrences of a word in all titles
    _last: tuple[str, list[int] | None] = ("", None)  # the previous query and all its rows, if it had few

    @classmethod
    def load(cls, service: TaskService) -> TitleIndex:
        # Three aggregated strings instead of 100,000 row objects: a fraction of the time, and no
        # burst of tracked objects to set off full garbage collections while the user types.
        seq = service.last_seq()
        marks = ", ".join("?" * len(STATUSES))
        sqlite = service.store.dialect.name == "sqlite"
        sep = "char(30)" if sqlite else "chr(30)"
        chosen = f"SELECT number, status, replace(title, {sep}, ' ') AS title FROM task WHERE status IN ({marks})"
        if sqlite:
            sql = (f"SELECT group_concat(number, ',') AS numbers, group_concat(status, ',') AS statuses, "
                   f"group_concat(title, {sep}) AS titles "
                   f"FROM ({chosen} ORDER BY number)")  # fmt: skip
        else:
            sql = (f"SELECT string_agg(number::text, ',' ORDER BY number) AS numbers, "
                   f"string_agg(status, ',' ORDER BY number) AS statuses, "
                   f"string_agg(title, {sep} ORDER BY number) AS titles FROM ({chosen}) AS chosen")  # fmt: skip
        with service.store.read() as conn:
            row = conn.execute(sql, STATUSES).fetchone()
        numbers, statuses, titles = row["numbers"], row["statuses"], row["titles"]
        index = cls(seq)
        if numbers:
            index.numbers = list(map(int, numbers.split(",")))
            index.statuses = statuses.split(",")
            index.titles = titles.split(RECORD)
        index._lines = [t.lower().replace("\n", " ") for t in index.titles]
        index._text = "\n".join(index._lines)
        starts, at = [], 0
        for line in index._lines:
            starts.append(at)
            at += len(line) + 1
        index._starts = starts
        return index

    def containing(self, text: str, limit: int = MAX_CANDIDATES) -> list[TitleHit]:
        """Tasks whose title contains every word of ``text`` (any case), lowest numbers first.

        Typing extends the query one letter at a time: when the previous query found fewer than
        ``limit`` rows, they are all there is to look at for its extension.
        """
        text = text.lower()
        words = list(set(text.split()))
        if not words:
            return []
        if len(words) > 1:  # scan for the rarest word (a word no title has answers at once)
            words.sort(key=self._occurrences)
        previous, rows = self._last
        if rows is not None and previous and text.startswith(previous):  # a match now matched then
            lines = self._lines
            found = [row for row in rows if all(word in lines[row] for word in words)]
        else:
            found = self._scan(words, limit)
        self._last = (text, found if len(found) < limit else None)
        return [self._hit(row) for row in found[:limit]]

    def _occurrences(self, word: str) -> int:
        count = self._counts.get(word)
        if count is None:
            count = self._counts[word] = self._text.count(word)  # ~1 ms at 100,000 titles, in C
        return count

    def _scan(self, words: list[str], limit: int) -> list[int]:
        first, rest = words[0], words[1:]
        if len(rest) and not self._occurrences(first):
            return []
        lines, starts = self._lines, self._starts
        found: list[int] = []
        last_row = -1
        for match in re.finditer(re.escape(first), self._text):
            row = bisect.bisect_right(starts, match.start()) - 1
            if row == last_row:
                continue
            last_row = row
            if all(word in lines[row] for word in rest):
                found.append(row)
                if len(found) >= limit:
                    break
        return found

    def _hit(self, row: int) -> TitleHit:
        return TitleHit(self.numbers[row], self.titles[row], self.statuses[row])
