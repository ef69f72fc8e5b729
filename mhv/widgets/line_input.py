"""An Input whose keystrokes repaint the line instead of laying out the whole screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input

# A plain mixin at run time, so that Textual's CSS type names follow the widget base (Input,
# CommandInput), which it finds as the first base that is a DOM node.
if TYPE_CHECKING:
    _Base = Input
else:
    _Base = object


class SteadyValue(_Base):
    """Mixin for ``Input`` subclasses (put it first): typing repaints the line, no layout pass.

    Textual's ``Input`` stores the text width in ``virtual_size`` (for horizontal scrolling) on every
    change, and ``virtual_size`` is a layout reactive: each keystroke asks for a layout pass of the
    whole screen (4-7 ms at 120x40 with the 100,000-task list, most of a frame). When the input's
    width and height are fixed (the default ``width: 100%; height: 3``) the text width changes nothing
    outside the input, so it is stored without the layout request; the value's own repaint and the
    cursor scrolling (which read ``virtual_size``) work as before. With auto dimensions the input's
    size does depend on its text, and it behaves exactly like ``Input``.
    """

    def _watch_value(self, value: str) -> None:
        if not self.styles.auto_dimensions:
            self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


class LineInput(SteadyValue, Input):
    """``Input`` with the steady value: the quick-add line."""
