"""The quick-add line: an input with token autocomplete and a live preview of the parse as chips."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.markup import escape
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input, Static
from textual_autocomplete import AutoComplete, DropdownItem, TargetState
from textual_autocomplete._autocomplete import AutoCompleteList

from mhv.widgets import typing_gc
from mhv.widgets.line_input import LineInput

DROPDOWN_ROWS = 8  # candidates shown at once; more scroll
Candidates = Callable[[str], list[tuple[str, str]]]  # token -> [(completion, description)]
CHIP_VARIABLES = {
    "tag": "$secondary",
    "repo": "$primary",
    "due": "$warning",
    "scheduled": "$warning",
    "priority": "$error",
    "estimate": "$success",
    "recurrence": "$accent",
    "depends_on": "$accent",
    "blocks": "$accent",
}

# The chip's text already says what it is for these ("after #41", "blocks #43", "every monday").
CHIP_LABELS = {"depends_on": "", "blocks": "", "recurrence": "↻", "scheduled": "starts"}


def token_at(text: str, cursor: int) -> tuple[int, str]:
    """The whitespace-delimited token ending at the cursor, and where it starts."""
    start = cursor
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return start, text[start:cursor]


class Candidate(DropdownItem):
    """A completion: the value (what Tab inserts) first, so it lines up under the token being
    typed, then what it is, dimmed ("#ci  tag", "@crackerjack  repo", "#41  fix flaky auth test")."""

    def __init__(self, value: str | Content, hint: str) -> None:
        super().__init__(main=value)
        self.hint = hint
        if hint:
            self._set_prompt(Content.assemble(self.main, "  ", (hint, "dim")))


class DropdownList(AutoCompleteList):
    """The completion list, whose size is set outright (TokenAutoComplete._size_to).

    Textual stores a widget's scrollable extent in ``virtual_size``, a reactive that asks for a
    layout pass of the screen when it changes; the option list sets it while it draws new options,
    so every list that changed asked for a second layout pass a frame after the first. With the
    size given, the extent only moves the list's own scrollbar, which ``_scroll_update`` (called
    with it) repaints.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class TokenAutoComplete(AutoComplete):
    """Completes only the token under the cursor: ``@repo``, ``#tag`` and ``#42`` task references."""

    # The dropdown's frame: its extent is its list's, which has a given size (see DropdownList).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, target: Input, candidates: Candidates, *, id: str | None = None) -> None:
        super().__init__(target, id=id)
        self._lookup = candidates
        self._built_for: tuple[str, bool] | None = None  # (token, focused) the options were built for
        self._update_pending = False  # an edit whose dropdown update waits for the echo's frame
        self._box: Size | None = None  # the list's size for its current options (_size_to)

    def compose(self) -> ComposeResult:
        option_list = DropdownList()
        option_list.can_focus = False
        yield option_list

    def get_search_string(self, target_state: TargetState) -> str:
        _start, token = token_at(target_state.text, target_state.cursor_position)
        return token if token[:1] in ("@", "#") else ""

    def get_candidates(self, target_state: TargetState) -> list[DropdownItem]:
        token = self.get_search_string(target_state)
        if not token:
            return []
        return [Candidate(value, hint) for value, hint in self._lookup(token)]

    def get_matches(self, target_state: TargetState, candidates: list[DropdownItem],
                    search_string: str) -> list[DropdownItem]:  # fmt: skip
        # As AutoComplete.get_matches, keeping each candidate's hint after its value.
        scored = []
        for candidate in candidates:
            score, offsets = self.match(search_string, candidate.value)
            if score > 0:
                hint = candidate.hint if isinstance(candidate, Candidate) else ""
                scored.append((Candidate(self.apply_highlights(candidate.main, offsets), hint), score))
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return [candidate for candidate, _score in scored]

    def _rebuild_options(self, target_state: TargetState, search_string: str) -> None:
        # textual-autocomplete rebuilds the list twice per keystroke (once for the cursor move, once
        # for Input.Changed), and clearing or filling it changes its size: a layout pass of the
        # screen each time, and a task lookup each time for "#41". Rebuild only when the token under
        # the cursor (or the input's focus) changed; away from an @/# token keep the list empty.
        focused = self.target.has_focus
        if (search_string, focused) == self._built_for:
            return
        self._built_for = (search_string, focused)
        if not search_string or not focused:
            if self.option_list.option_count:
                self.option_list.clear_options()
            return
        matches = self._compute_matches(target_state, search_string)
        option_list = self.option_list
        current = [option_list.get_option_at_index(i) for i in range(option_list.option_count)]
        if matches and [m.value for m in matches] == [getattr(o, "value", None) for o in current]:
            # The same candidates (only the highlighted letters differ): new prompts in place, a
            # repaint of the list and no change of its size, so no layout pass.
            for index, match in enumerate(matches):
                option_list.replace_option_prompt_at_index(index, match.prompt)
        else:
            option_list.set_options(matches)  # one size change, where clear + add made two
            self._size_to(matches)
        option_list.highlighted = 0 if matches else None

    def _size_to(self, matches: list[DropdownItem]) -> None:
        # The list's size given outright: left to "auto", Textual finds it over several layout
        # passes (content width, then the scrollbar, then the container), each a frame apart, and
        # the list visibly settles for ~70 ms after it opens. Given, it is drawn once, final.
        # (Each of these asks for layout only when its value changes.)
        rows = min(len(matches), DROPDOWN_ROWS)
        scrolls = len(matches) > rows
        widest = max((cell_len(str(match.prompt)) for match in matches), default=0)
        self._box = Size(widest + scrolls, max(rows, 1))  # a column for the scrollbar when it scrolls
        option_list = self.option_list
        option_list.styles.width, option_list.styles.height = self._box
        # The scrollbar decided here too: found while drawing, it cost two more layout passes.
        option_list.styles.overflow_y = "scroll" if scrolls else "hidden"
        option_list.show_vertical_scrollbar = scrolls

    def _align_and_rebuild(self) -> None:
        # Called on every cursor move, which typing also makes: the Input.Changed that follows a
        # typed character rebuilds (and shows or hides) once, so only a move without an edit
        # (arrows, home, end, a click) rebuilds here.
        if self.target.value != self._target_state.text:
            return
        super()._align_and_rebuild()

    def _align_to_target(self) -> None:
        # The quick-add line is docked at the bottom: open the list *above* the input, so it never
        # covers the input's border or the live preview under it. It is anchored at the start of
        # the token, not at the cursor, so it stays put while the token is typed, as completion
        # lists in editors do.
        target = self.target
        start, _token = token_at(target.value, target.cursor_position)
        anchor_x = target.content_region.x + cell_len(target.value[:start]) - target.scroll_offset.x
        width, height = self._box or self.option_list.outer_size  # the size it is about to have
        screen = self.screen.scrollable_content_region
        top = target.region.y
        x = max(min(anchor_x, screen.right - width), screen.x)  # the values line up under the token
        y = top - height if top - height >= screen.y else top + target.region.height
        self.absolute_offset = Offset(x, y)

    def _handle_target_update(self) -> None:
        # An edit: the dropdown follows in the frame after the one that shows the typed character,
        # so the echo never waits for a rebuilt (and resized: a layout pass) list.
        if not self._update_pending:
            self._update_pending = True
            self.call_after_refresh(self._flush_update)

    def _flush_update(self) -> None:
        if self._update_pending and self.is_attached:
            self._update_now()

    def _update_now(self) -> None:
        self._update_pending = False
        super()._handle_target_update()

    def _listen_to_messages(self, event: events.Event) -> None:
        # A key that uses the list sees it up to date: its update may wait for a frame, or the
        # edit's Input.Changed may still be queued behind this key (fast typing, a paste).
        if (isinstance(event, events.Key) and event.key in ("tab", "enter", "up", "down")
                and (self._update_pending or self._target_state.text != self.target.value)):  # fmt: skip
            self._update_now()
        # Enter on a token that is already complete ("done #42" with #42 highlighted) runs the line
        # instead of "completing" it to itself, so one Enter is enough.
        if isinstance(event, events.Key) and event.key == "enter" and self.display:
            option_list = self.option_list
            index = option_list.highlighted
            if index is not None and index < option_list.option_count:
                option = option_list.get_option_at_index(index)
                token = self.get_search_string(self._get_target_state())
                if token and getattr(option, "value", None) == token:
                    self.action_hide()
                    return
        super()._listen_to_messages(event)

    def should_show_dropdown(self, search_string: str) -> bool:
        return bool(search_string) and self.option_list.option_count > 0

    def apply_completion(self, value: str, state: TargetState) -> None:
        start, _token = token_at(state.text, state.cursor_position)
        rest = state.text[state.cursor_position :]
        head = state.text[:start] + value + ("" if rest.startswith(" ") else " ")
        target = self.target
        target.value = head + rest
        target.cursor_position = len(head)
        new_state = self._get_target_state()
        self._target_state = new_state  # no Input.Changed for a completion: the state is current here
        self._rebuild_options(new_state, self.get_search_string(new_state))


class QuickAdd(Vertical):
    HELP = """\
## Quick add

Type a task the way you would say it; what the parser understood shows below as chips with their
confidence. `fix flaky test @crackerjack tomorrow 5pm p1 #ci ~2h after #41`

- **@** completes repositories, **#** completes tags and task numbers (only the word under the cursor).
- **enter** creates the task (a low-confidence parse asks first), **escape** cancels.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="quickadd.cancel"),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        pass

    class Changed(Message):
        """The line changed; ``understood`` is its parse (the app checks it for duplicates)."""

        def __init__(self, text: str, understood: Any) -> None:
            super().__init__()
            self.text = text
            self.understood = understood

    def __init__(self, candidates: Candidates, understand: Callable[[str], Any], *,
                 id: str | None = None) -> None:  # fmt: skip
        super().__init__(id=id)
        self._candidates = candidates
        self._understand = understand
        self.understood: Any = None  # mhv.app.quick_parse.Understood (widgets do not import app)
        self._holding = False

    def compose(self) -> ComposeResult:
        input_ = LineInput(placeholder="fix flaky test @repo tomorrow 5pm p1 #ci ~2h after #41", id="quick-input")
        yield input_
        yield Static("", id="quick-preview")
        yield Static("", id="quick-duplicates")
        yield TokenAutoComplete(input_, self._candidates, id="quick-complete")

    def open(self) -> None:
        self._hold_collections(True)
        self.display = True
        field = self.query_one("#quick-input", Input)
        field.value = ""
        self.update_preview("")
        field.focus()

    def close(self) -> None:
        self._hold_collections(False)
        self.display = False
        self.query_one("#quick-input", Input).value = ""
        self.query_one(TokenAutoComplete).action_hide()

    def on_mount(self) -> None:
        self.query_one("#quick-duplicates").display = False

    def on_unmount(self) -> None:
        self._hold_collections(False)

    def _hold_collections(self, hold: bool) -> None:
        """Short garbage collections while the line is open (mhv.widgets.typing_gc)."""
        if hold != self._holding:
            self._holding = hold
            (typing_gc.hold if hold else typing_gc.release)()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.update_preview(event.value)
        self.post_message(self.Changed(event.value, self.understood))

    def show_duplicates(self, text: str, found: list[tuple[int, str, float]]) -> None:
        """Warn that the task being typed looks like open ones: ``(number, title, score)``."""
        if text != self.query_one("#quick-input", Input).value:
            return  # typed on since
        line = self.query_one("#quick-duplicates", Static)
        line.display = bool(found)
        if found:
            looks = ", ".join(f"[@click=app.jump({n})]#{n}[/] {escape(title[:40])}" for n, title, _ in found)
            line.update(f"[b $warning]looks like[/] {looks}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.Submitted(event.value))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    def update_preview(self, text: str) -> None:
        preview = self.query_one("#quick-preview", Static)
        if not text.strip():
            self.understood = None
            preview.update("[dim]title @repo #tag due p1-p4 ~estimate every … after #n[/]", layout=False)
            return
        understood = self._understand(text)
        self.understood = understood
        preview.update(render_chips(understood), layout=False)  # fixed height: no layout pass per key


def render_chips(understood: Any) -> str:
    parts = []
    if understood.intent != "create":
        parts.append(f"[reverse $accent] {escape(understood.intent)} [/]")
    if understood.title:
        parts.append(f"[b]{escape(understood.title)}[/b]")
    for chip in understood.chips:
        color = CHIP_VARIABLES.get(chip.kind, "$foreground")
        label = CHIP_LABELS.get(chip.kind, chip.kind)
        parts.append(f"[{color} on $panel] {label}{' ' if label else ''}{escape(chip.text)} [dim]{chip.confidence:.0%}[/dim] [/]")
    overall = f"{understood.confidence:.0%}"
    ask = "  [b $warning]asks before acting[/]" if understood.needs_confirmation else ""
    return "  ".join(parts) + f"   [dim]confidence {overall}[/]{ask}"
