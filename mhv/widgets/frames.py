"""Screens that draw the answer to a keystroke at once instead of at the next 60 Hz tick.

Textual paces frames with a timer on each screen: when something is dirty the screen resumes a
1/60 s interval timer, which draws on its next tick. After any frame (a cursor blink, the palette's
results arriving, an autocomplete list) the next one cannot come before the tick 16.7 ms later, so a
keystroke that lands just after such a frame waits for most of a frame before it shows: the floor
under the workspace's keystroke latency.

Here the frames that answer input are drawn as soon as the screen is idle with something to draw.
The app stamps the current screen when a key or a paste arrives (``mark_input``); for
``INPUT_WINDOW`` after the stamp, each idle of the screen with dirty widgets or a pending layout
draws straight away: the typed character, then what it set off (the completion list, the palette's
results, the second layout pass Textual sometimes needs). Outside that window (animations, timers,
background updates, other terminals' changes) frames stay paced at 60 per second.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import events
from textual.screen import Screen

INPUT_WINDOW = 0.1  # seconds after a key during which a dirty screen draws at once

# A plain mixin at run time, so that Textual's CSS type names follow the screen's base (Screen,
# ModalScreen, CommandPalette), as with the widget mixins in line_input and scrolling.
if TYPE_CHECKING:
    _Base = Screen[Any]
else:
    _Base = object


class PromptFrames(_Base):
    """Mixin for ``Screen`` subclasses (put it first): input-driven frames are not paced."""

    _input_at: float = 0.0

    def mark_input(self) -> None:
        """A key or paste has arrived for this screen: its frames are drawn without waiting."""
        self._input_at = time.monotonic()

    def _pending_frame(self) -> bool:
        return bool(
            self._layout_required
            or self._scroll_required
            or self._repaint_required
            or self._dirty_widgets
        )

    async def _on_idle(self, event: events.Idle) -> None:
        # Textual's Screen._on_idle (next in the MRO) resumes the paced timer; it runs unless this
        # draws the frame itself, which takes the same steps as the timer's tick.
        if not self._input_at or self._recompose_required:
            return
        if time.monotonic() - self._input_at > INPUT_WINDOW:
            self._input_at = 0.0
            return
        if self.app._batch_count or not self.is_current or not self._pending_frame():
            return
        event.prevent_default()
        self._on_timer_update()
        await self._invoke_and_clear_callbacks()


class PromptScreen(PromptFrames, Screen[None]):
    """The workspace's default screen, with prompt input frames."""


def mark_input(screen: object) -> None:
    """Stamp ``screen`` (the app's current screen) when it is a PromptFrames screen."""
    if isinstance(screen, PromptFrames):
        screen.mark_input()
