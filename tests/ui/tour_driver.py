"""Drive the onboarding tour the way a person does: the keys each step asks for."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import settle

# The keys that complete each step (from the state the previous step leaves).
KEYS: dict[str, tuple[str, ...]] = {
    "add": ("a", *"PR #ci @acb fri p2", "enter"),  # the tour suggests a longer line; this is quicker to type
    "move": ("j",),
    "detail": ("enter",),
    "complete": ("escape", "d"),
    "undo": ("u",),
    "palette": ("ctrl+k",),
    "filter": ("escape", "slash", "c", "i"),
    "help": ("enter", "question_mark"),
    "theme": ("escape", "ctrl+k", *"theme: light"),
}

# After a resume nothing is open yet: no escape first.
RESUMED_KEYS: dict[str, tuple[str, ...]] = {
    "complete": ("d",),
    "filter": ("slash", "c", "i"),
    "theme": ("ctrl+k", *"theme: light"),
}


async def check(pilot: Any) -> None:
    """Settle, then let the tour look at the app (the timer does this every 0.2 s in real use)."""
    await settle(pilot)
    if pilot.app.tour is not None:
        pilot.app.tour.check()
    await settle(pilot)


async def do_step(pilot: Any, step_id: str, *, resumed: bool = False) -> None:
    await pilot.press(*(RESUMED_KEYS.get(step_id, KEYS[step_id]) if resumed else KEYS[step_id]))
    if step_id == "theme":  # the palette's results arrive asynchronously
        for _ in range(30):
            await pilot.pause(0.1)
            from textual.command import CommandList

            if pilot.app.screen.query(CommandList) and pilot.app.screen.query_one(CommandList).option_count:
                break
        await pilot.press("enter")
    await check(pilot)


async def drive_to(pilot: Any, step_id: str) -> None:
    """From the start of the tour to the start of ``step_id``."""
    from mhv.app.tour import STEP_IDS

    for current in STEP_IDS[: STEP_IDS.index(step_id)]:
        assert pilot.app.tour.step.id == current
        await do_step(pilot, current)
    assert pilot.app.tour.step.id == step_id
