"""Command-palette providers: commands, views, repositories, tags, themes, help and tasks.

Entries are named "area: verb" and show their key. Commands are context-aware: an entry appears only
when ``check_action`` allows it for the selected task. Tasks are found in the database (by number,
or by title words) and ranked with rapidfuzz, which copes with word order and typos better than the
palette's subsequence matcher.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, cast

from rapidfuzz import fuzz
from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from mhv.app.commands import COMMANDS
from mhv.app.onboarding import start_tour
from mhv.app.views import SORT_ORDERS
from mhv.tasks.models import STATUSES, TaskFilter

if TYPE_CHECKING:
    from mhv.app.app import MhvApp


class _MhvProvider(Provider):
    @property
    def mhv(self) -> MhvApp:
        return cast("MhvApp", self.app)

    def _entries(self) -> Sequence[tuple[str, str, object, str]]:
        """(name, key, callback, help)."""
        return []

    async def discover(self) -> Hits:
        for name, key, callback, help_text in self._entries():
            yield DiscoveryHit(self._display(name, key), callback, text=name, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, key, callback, help_text in self._entries():
            score = matcher.match(name)
            if score > 0:
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
    """Jump to a task: "42" / "#42" by number, anything else by title words (in the database)."""

    async def search(self, query: str) -> Hits:
        app = cast("MhvApp", self.app)
        text = query.strip().lstrip("#")
        if not text:
            return
        tasks = await asyncio.to_thread(_find_tasks, app, text)
        for task in tasks:
            name = f"#{task.number} {task.title}"
            if text.isdigit():
                score = 1.0 if task.number == int(text) else 0.5
            else:
                score = fuzz.WRatio(text.lower(), task.title.lower()) / 100
            display = Text.assemble(("task: ", "dim"), (f"#{task.number} ", "bold"), task.title,
                                    ("  " + task.status.replace("_", " "), "dim"))  # fmt: skip
            yield Hit(score, display, partial(app.jump, task.number), text=name, help=f"Jump to #{task.number}")


def _find_tasks(app: MhvApp, text: str) -> list:
    svc = app.service
    if text.isdigit():
        number = int(text)
        numbers = (number, *range(number * 10, number * 10 + 10))
        return svc.list_tasks(TaskFilter(statuses=STATUSES, numbers=numbers, order="number"))
    return svc.list_tasks(TaskFilter(statuses=STATUSES, text=text, limit=20, order="default"))


PROVIDERS = (CommandsProvider, TasksProvider, ViewsProvider, ThemesProvider, HelpProvider)
