"""Command-palette providers: commands, views, repositories, tags, themes, help and tasks.

Entries are named "area: verb" and show their key. Commands are context-aware: an entry appears only
when ``check_action`` allows it for the selected task. The palette searches on every keystroke, so
each provider lists its entries once when the palette opens, and tasks are found without scanning
the database: by number with one indexed query, by title words in an in-memory index of titles
(mhv.tasks.lookup, read on a worker when the palette opens and the index is missing or older than
the last change; until then titles are searched in the database), ranked with rapidfuzz, which copes with word order and typos better than the palette's
subsequence matcher.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, cast

from rapidfuzz import fuzz, process
from rich.text import Text
from textual.app import ComposeResult
from textual.command import (
    CommandInput,
    CommandList,
    CommandPalette,
    DiscoveryHit,
    Hit,
    Hits,
    Provider,
    SearchIcon,
)
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, LoadingIndicator

from mhv.app.commands import COMMANDS
from mhv.app.onboarding import start_tour
from mhv.app.views import SORT_ORDERS
from mhv.tasks.lookup import TitleHit, TitleIndex, by_number
from mhv.tasks.models import STATUSES, TaskFilter
from mhv.widgets import typing_gc
from mhv.widgets.frames import PromptFrames
from mhv.widgets.line_input import SteadyValue
from mhv.widgets.scrolling import SteadyScrolling

if TYPE_CHECKING:
    from mhv.app.app import MhvApp
    from mhv.tasks.service import TaskService

TASK_HITS = 12  # task results shown per query
HITS_PER_PROVIDER = 10  # commands, views, themes, help: the best this many per query


class _MhvProvider(Provider):
    _listed: Sequence[tuple[str, str, object, str]] = ()

    @property
    def mhv(self) -> MhvApp:
        return cast("MhvApp", self.app)

    def _entries(self) -> Sequence[tuple[str, str, object, str]]:
        """(name, key, callback, help)."""
        return []

    async def startup(self) -> None:
        # The selected task, the views and the keys do not change while the palette is open.
        self._listed = list(self._entries())

    async def discover(self) -> Hits:
        for name, key, callback, help_text in self._listed:
            yield DiscoveryHit(self._display(name, key), callback, text=name, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        # The palette re-lists (and measures) every hit on every keystroke: only the best few each.
        matcher = self.matcher(query)
        scored = [(matcher.match(entry[0]), entry) for entry in self._listed]
        best = sorted((pair for pair in scored if pair[0] > 0), key=lambda pair: -pair[0])[:HITS_PER_PROVIDER]
        for score, (name, key, callback, help_text) in best:
            display = matcher.highlight(name)
            if key:
                display = Content.assemble(display, "  ", (key, "dim"))
            yield Hit(score, display, callback, text=name, help=help_text)  # type: ignore[arg-type]

    @staticmethod
    def _display(name: str, key: str) -> Text:
        return Text.assemble(name, "  ", (key, "dim")) if key else Text(name)


class CommandsProvider(_MhvProvider):
    def _entries(self) -> Sequence[tuple[str, str, object, str]]:
        app = self.mhv
        out = []
        for command in COMMANDS:
            if app.check_action(command.action, ()) is not True:
                continue
            key = app.key_for(command.id) or command.display_key
            out.append((command.palette, key, partial(app.run_action, command.action), command.help))
        return out


class ViewsProvider(_MhvProvider):
    def _entries(self) -> Sequence[tuple[str, str, object, str]]:
        app = self.mhv
        out: list[tuple[str, str, object, str]] = []
        for i, (view_id, label) in enumerate(app.base_view_labels(), start=1):
            out.append((f"view: {label.lower()}", str(i), partial(app.show_view, view_id), f"Show {label}"))
        for order, label in SORT_ORDERS:
            out.append((f"sort: {label}", "o", partial(app.set_sort, order), f"Sort the list by {label}"))
        for repo in app.known_repos:
            out.append((f"repo: {repo}", "", partial(app.show_view, f"repo:{repo}"), f"Open tasks in @{repo}"))
        for tag in app.known_tags:
            out.append((f"tag: {tag}", "", partial(app.show_view, f"tag:{tag}"), f"Open tasks tagged #{tag}"))
        for repo in app.known_repos:
            out.append((f"graph: @{repo}", "", partial(app.show_graph, repo=repo), f"Dependency graph of @{repo}"))
        for tag in app.known_tags:
            out.append((f"graph: #{tag}", "", partial(app.show_graph, tag=tag), f"Dependency graph of #{tag}"))
        return out


class ThemesProvider(_MhvProvider):
    def _entries(self) -> Sequence[tuple[str, str, object, str]]:
        app = self.mhv
        return [
            (f"theme: {name.removeprefix('mhv-')}", "", partial(app.set_theme, name), f"Switch to the {name} theme")
            for name in app.mhv_theme_names()
        ]


class HelpProvider(_MhvProvider):
    def _entries(self) -> Sequence[tuple[str, str, object, str]]:
        app = self.mhv
        return [
            ("help: keys", "?", partial(app.run_action, "help"), "Help for the focused pane with its keys"),
            ("help: quick-add", "", partial(app.show_help_for, "#quick-add"), "The quick-add language"),
            ("help: views", "", partial(app.show_help_for, "#views"), "What each view shows"),
            ("help: detail", "", partial(app.show_help_for, "#detail"), "Editing a task"),
            ("help: tour", "", partial(start_tour, app), "The 2-minute onboarding tour, in a sandbox workspace"),
        ]


class TasksProvider(Provider):
    """Jump to a task: "42" / "#42" by number, anything else by title words."""

    async def startup(self) -> None:
        # Read (or bring up to date) the title index without holding up the palette: until it is
        # there, title searches ask the database.
        self.app.run_worker(refresh_task_index(cast("MhvApp", self.app).service), group="task-index",
                            exclusive=True, exit_on_error=False)  # fmt: skip

    async def search(self, query: str) -> Hits:
        app = cast("MhvApp", self.app)
        text = query.strip().lstrip("#")
        if not text:
            return
        if text.isdigit():
            found = await asyncio.to_thread(by_number, app.service, int(text))
            scored = [(hit, 1.0 if hit.number == int(text) else 0.5) for hit in found]
        else:
            index = task_index(app.service)
            if index is None:  # not read yet (the first seconds): the database, as before the index
                found = await asyncio.to_thread(_by_title, app.service, text)
            else:  # ~1 ms; up to ~10 ms for several common words that no title has together
                found = index.containing(text)
            scored = _ranked(text, found)
        for hit, score in scored:
            display = Text.assemble(("task: ", "dim"), (f"#{hit.number} ", "bold"), hit.title,
                                    ("  " + hit.status.replace("_", " "), "dim"))  # fmt: skip
            yield Hit(score, display, partial(app.jump, hit.number), text=f"#{hit.number} {hit.title}",
                      help=f"Jump to #{hit.number}")  # fmt: skip


def _ranked(text: str, found: list[TitleHit]) -> list[tuple[TitleHit, float]]:
    titles = {i: hit.title.lower() for i, hit in enumerate(found)}
    best = process.extract(text.lower(), titles, scorer=fuzz.WRatio, limit=TASK_HITS)
    return [(found[i], score / 100) for _title, score, i in best]


def _by_title(svc: TaskService, text: str) -> list[TitleHit]:
    tasks = svc.list_tasks(TaskFilter(statuses=STATUSES, text=text, limit=TASK_HITS, order="default"))
    return [TitleHit(t.number, t.title, t.status) for t in tasks]


_indexes: weakref.WeakKeyDictionary[TaskService, TitleIndex] = weakref.WeakKeyDictionary()
_reading: weakref.WeakSet[TaskService] = weakref.WeakSet()


def task_index(svc: TaskService) -> TitleIndex | None:
    """The title index of ``svc``'s tasks, or None before it is first read."""
    return _indexes.get(svc)


async def refresh_task_index(svc: TaskService) -> None:
    """Read the title index on a thread when it is missing or older than the last change."""
    index = _indexes.get(svc)
    if svc in _reading or (index is not None and index.seq == await asyncio.to_thread(svc.last_seq)):
        return
    _reading.add(svc)
    try:
        _indexes[svc] = await asyncio.to_thread(TitleIndex.load, svc)
    finally:
        _reading.discard(svc)


class PaletteInput(SteadyValue, CommandInput):
    """The palette's input, without a layout pass per keystroke (see SteadyValue)."""


class PaletteList(SteadyScrolling, CommandList):
    """The palette's results; its scrollbars repaint only when it changes (see SteadyScrolling)."""


class MhvCommandPalette(PromptFrames, CommandPalette):
    """Textual's palette with the steady input and list (same ids, classes and CSS)."""

    def on_mount(self) -> None:
        typing_gc.hold()

    def on_unmount(self) -> None:
        typing_gc.release()

    def compose(self) -> ComposeResult:
        # As CommandPalette.compose (textual 8), with the two widgets swapped for their subclasses.
        with Vertical(id="--container"):
            with Horizontal(id="--input"):
                yield SearchIcon()
                yield PaletteInput(placeholder=self._placeholder, select_on_focus=False)
                if not self.run_on_select:
                    yield Button("\u25b6")
            with Vertical(id="--results"):
                yield PaletteList()
                yield LoadingIndicator()


PROVIDERS = (CommandsProvider, TasksProvider, ViewsProvider, ThemesProvider, HelpProvider)
