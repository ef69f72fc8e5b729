"""Keep full garbage collections short while the user types (quick-add line, palette).

A full (generation 2) collection walks every tracked object: ~120,000 after startup (Textual's DOM
and caches, modules, the first pages), 40-150 ms depending on the machine, and it lands on whichever
keystroke happens to allocate past the threshold: it was the largest single keystroke delay
measured (tests/bench/bench_tui.py). While a typing surface is open the objects that already exist
are frozen (``gc.freeze``: moved aside, not walked); collections see only what was made since, a few
thousand objects. Closing the surface unfreezes them, so garbage among them is still collected.

Freezing alone was not enough in the palette: with the startup objects set aside, CPython's rule for
a full collection (long-lived objects pending > a quarter of the long-lived total) holds almost at
once, so full collections came every ten generation-1 collections and walked what the palette had
built since it opened (its caches, the title index's hits): 40-70 ms on a key, the palette's
slowest keys. While a surface is open, full collections wait (generation 0 and 1 still collect the
young garbage, cycles included); the thresholds come back when the last surface closes.
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
        gc.freeze()
        _thresholds = gc.get_threshold()
        gc.set_threshold(_thresholds[0], _thresholds[1], WAIT_FULL)
    _holders += 1


def release() -> None:
    """A typing surface closed; the last one unfreezes."""
    global _holders, _thresholds
    if _holders == 0:
        return
    _holders -= 1
    if _holders == 0:
        gc.unfreeze()
        if _thresholds is not None:
            gc.set_threshold(*_thresholds)
            _thresholds = None
