"""Keep full garbage collections short while the user types (quick-add line, palette).

A full (generation 2) collection walks every tracked object: ~120,000 after startup (Textual's DOM
and caches, modules, the first pages), 40-150 ms depending on the machine, and it lands on whichever
keystroke happens to allocate past the threshold: it was the largest single keystroke delay
measured (tests/bench/bench_tui.py). While a typing surface is open the objects that already exist
are frozen (``gc.freeze``: moved aside, not walked); collections see only what was made since, a few
thousand objects. Closing the surface unfreezes them, so garbage among them is still collected.
"""

from __future__ import annotations

import gc

_holders = 0


def hold() -> None:
    """A typing surface opened (nested holds are counted)."""
    global _holders
    if _holders == 0:
        gc.freeze()
    _holders += 1


def release() -> None:
    """A typing surface closed; the last one unfreezes."""
    global _holders
    if _holders == 0:
        return
    _holders -= 1
    if _holders == 0:
        gc.unfreeze()
