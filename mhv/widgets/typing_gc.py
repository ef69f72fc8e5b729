"""Keep full garbage collections away from keystrokes while the user types (quick-add line, palette).

A full (generation 2) collection walks every tracked object: ~120,000 after startup (Textual's DOM
and caches, modules, the first pages), 40-150 ms depending on the machine, and it lands on whichever
keystroke happens to allocate past the threshold: it was the largest single keystroke delay
measured (tests/bench/bench_tui.py). While a typing surface is open, full collections wait
(generation 0 and 1 still collect the young garbage, cycles included); the thresholds come back when
the last surface closes, and the next full collection then sees everything, so no garbage is kept.

Nothing is frozen here. ``gc.freeze`` was tried first and made full collections more frequent, not
rarer (CPython starts one when the objects waiting to be promoted exceed a quarter of the long-lived
ones, and after a freeze the long-lived count is almost nil), and its undo, ``gc.unfreeze``, is
process-wide: it also gave back to the collector the loaded dependency graph that
mhv/tasks/graph/cache.py freezes for good.
"""

from __future__ import annotations

import gc

_holders = 0
_thresholds: tuple[int, int, int] | None = None
WAIT_FULL = 1_000_000  # generation-1 collections before a full one while typing: in effect, none


def hold() -> None:
    """A typing surface opened (nested holds are counted)."""
    global _holders, _thresholds
    if _holders == 0:
        _thresholds = gc.get_threshold()
        gc.set_threshold(_thresholds[0], _thresholds[1], WAIT_FULL)
    _holders += 1


def release() -> None:
    """A typing surface closed; the last one gives the thresholds back."""
    global _holders, _thresholds
    if _holders == 0:
        return
    _holders -= 1
    if _holders == 0 and _thresholds is not None:
        gc.set_threshold(*_thresholds)
        _thresholds = None
