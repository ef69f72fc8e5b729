"""The state one parse shares between recognisers: tokens, clock, settings, known repositories."""

from __future__ import annotations

from datetime import date, datetime

from mhv.nlp.lexer import Token
from mhv.nlp.model import ParseSettings


class Ctx:
    # A plain slotted class, not a dataclass: building dataclasses costs milliseconds at import.
    __slots__ = ("known", "n", "now", "settings", "text", "today", "toks")

    def __init__(
        self,
        text: str,
        toks: list[Token],
        n: int,
        now: datetime,
        today: date,
        settings: ParseSettings,
        known: dict[str, str],
    ) -> None:
        self.text = text
        self.toks = toks
        self.n = n
        self.now = now
        self.today = today
        self.settings = settings
        self.known = known  # lower-cased repository name -> its spelling in the registry
