"""Modal screens: context help with the live key table, and yes/no confirmation."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Label, Markdown, Static

from mhv.widgets.frames import PromptFrames

APP_HELP = """\
## mhv

A keyboard-driven task workspace. **ctrl+k** opens the command palette: every command, view,
repository, tag and theme, and any task by number or title.
"""


def help_for(widget: Widget | None) -> str:
    """The HELP of the focused widget or its nearest ancestor that has one."""
    node: Widget | None = widget
    while node is not None:
        text = getattr(type(node), "HELP", None)
        if isinstance(text, str) and text.strip():
            return text
        parent = node.parent
        node = parent if isinstance(parent, Widget) else None
    return ""


def key_table(rows: list[tuple[str, str, str, bool]]) -> str:
    """Aligned ``key  what  id`` lines (content markup) for ``(key, what, id, enabled)``.

    One line a binding, so a screenful shows every key; bindings without an id (Textual's own
    scrolling keys) are left out: they cannot be rebound and the arrows say what they do.
    """
    merged: dict[tuple[str, str], list] = {}  # one line a binding id: "k ↑  Up  list.up"
    for key, what, binding_id, enabled in rows:
        if not binding_id:
            continue
        entry = merged.setdefault((binding_id, what), [[], enabled])
        if key not in entry[0]:
            entry[0].append(key)
    rows = [(" ".join(keys), what, binding_id, enabled) for (binding_id, what), (keys, enabled) in merged.items()]
    if not rows:
        return ""
    key_width = max(len(key) for key, *_ in rows) + 2
    what_width = max(len(what) for _key, what, *_ in rows) + 2
    lines = [f"[b]{'key'.ljust(key_width)}{'what'.ljust(what_width)}id[/b]"]
    for key, what, binding_id, enabled in rows:
        what_text = escape(what.ljust(what_width)) if enabled else f"[dim]{escape(what.ljust(what_width))}[/dim]"
        lines.append(f"[$accent]{escape(key.ljust(key_width))}[/]{what_text}[dim]{escape(binding_id)}[/dim]")
    if not all(enabled for *_rest, enabled in rows):
        lines.append("[dim](greyed: not available for the selected task)[/dim]")
    return "\n".join(lines)


class HelpScreen(PromptFrames, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, widget_help: str, keys: str) -> None:
        super().__init__()
        self._markdown = widget_help
        self._keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with VerticalScroll():
                yield Markdown(self._markdown, id="help-text")
                yield Static(self._keys, id="help-keys")
                yield Markdown(APP_HELP, id="help-app")
            yield Label("[dim]escape closes · keys can be changed in config.toml \\[keymap] by id[/]")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class ConfirmScreen(PromptFrames, ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self._question = question
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self._question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self._yes} (y)", id="confirm-yes", variant="error")
                yield Button("No (n)", id="confirm-no")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
