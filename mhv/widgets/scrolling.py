"""ScrollViews that do not repaint their scrollbars on layout passes that leave them unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.scroll_view import ScrollView

# A plain mixin at run time, so that Textual's CSS type names follow the widget base (see line_input).
if TYPE_CHECKING:
    _Base = ScrollView
else:
    _Base = object


class SteadyScrolling(_Base):
    """Mixin for ``ScrollView`` subclasses (put it first): scrollbars repainted only on a change.

    Textual's ``ScrollView._size_updated`` compares the parent's container size with its own
    (which excludes the gutter), so the two never match: every layout pass of the screen, even one
    caused by a popup elsewhere, refreshes both scrollbars. The repaint itself costs ~2 ms at
    100,000 rows, and the refreshed scrollbar (the full height of the list) widens the region the
    compositor redraws to most of the screen. Here a layout pass that changes nothing for this widget
    (same size, content size and container size as the last one) returns early.
    """

    _last_sizes: tuple[Size, Size, Size] | None = None

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        sizes = (size, self.virtual_size, container_size)
        if sizes == self._last_sizes:
            return False
        self._last_sizes = sizes
        return super()._size_updated(size, virtual_size, container_size, layout=layout)


class SteadyScrollView(SteadyScrolling, ScrollView):
    """``ScrollView`` with steady scrollbars: the task list's base."""
