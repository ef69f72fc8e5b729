"""The state one parse shares between recognisers: tokens, clock, settings, known repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from mhv.nlp.lexer import Token
from mhv.nlp.model import ParseSettings


@dataclass(slots=True)
class Ctx:
    text: str
    toks: list[Token]
    n: int
    now: datetime
    today: date
    settings: ParseSettings
    known: dict[str, str]  # lower-cased repository name -> its spelling in the registry
