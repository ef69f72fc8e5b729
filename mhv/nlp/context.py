"""What recognisers share: the parse context (tokens, clock, settings, known repositories) and
the `Hit` each recogniser returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from mhv.nlp.lexer import Token
from mhv.nlp.model import ParseSettings

if TYPE_CHECKING:
    from mhv.nlp.dates import When


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


class Hit:
    """A recognised piece over tokens `[start, end)`."""

    __slots__ = ("alternatives", "confidence", "end", "kind", "start", "strong", "value", "when")

    def __init__(
        self,
        kind: str,
        start: int,
        end: int,
        value: Any,
        confidence: float,
        alternatives: list[tuple[str, Any]] | None = None,
        when: When | None = None,
        strong: bool = False,
    ) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.value = value
        self.confidence = confidence
        self.alternatives = alternatives if alternatives is not None else []
        self.when = when  # for due / time / scheduled
        self.strong = strong  # introduced by an explicit marker (`due`, `by`, `due:`): wins conflicts
