"""The view switcher: the views with their counts, then repositories and tags."""

from __future__ import annotations

from contextlib import suppress
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class ViewSidebar(OptionList):
    HELP = """\
## Views

Pick what the task list shows. **Next** ranks open tasks by urgency (`mhv next --explain` shows the terms: priority, due date, blocking others, in progress, age, tags...); **Today**, **Upcoming** (two weeks), **All**, **Blocked**, **Completed**, **Waiting** (tasks hidden by `wait:` until a later day, with the day each one shows again);
then one entry per repository and per tag. Counts follow every change.

- **j / k** or the arrows move, **enter** shows the view; **1**-**7** switch views from anywhere.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="views.down"),
        Binding("k", "cursor_up", "Up", show=False, id="views.up"),
    ]

    class ViewChosen(Message):
        def __init__(self, view_id: str) -> None:
            super().__init__()
            self.view_id = view_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: list[tuple[str, str, int | None]] = []

    def set_entries(self, entries: list[tuple[str, str, int | None]], current: str) -> None:
        """``(view_id, label, count)``; a view_id starting with "-" is a section heading."""
        if entries == self._entries:
            self.select(current)
            return
        self._entries = entries
        width = max(self.size.width - 2, 18) if self.size.width else 22
        options: list[Option] = []
        for view_id, label, count in entries:
            if view_id.startswith("-"):
                options.append(Option(Text(label, style="bold dim"), id=view_id, disabled=True))
                continue
            number = "" if count is None else f"{count:,}"
            room = width - len(number) - 1  # the label, a space, the count
            shown = label if len(label) <= room else label[: room - 1] + "…"
            text = Text(shown.ljust(width - len(number)))
            text.append(number, style="dim")
            options.append(Option(text, id=view_id))
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(options)
        self.select(current)
        if self.highlighted is None and highlighted is not None:
            self.highlighted = min(highlighted, self.option_count - 1)

    def select(self, view_id: str) -> None:
        with suppress(Exception):  # an unknown view id (a repository that went away)
            self.highlighted = self.get_option_index(view_id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.ViewChosen(event.option.id))
