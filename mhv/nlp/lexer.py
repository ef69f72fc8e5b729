"""Split a line into tokens that remember where they came from, and tidy what is left into a title.

Tokens are words, single punctuation marks, double-quoted strings and `\\word` escapes. Quoted and
escaped tokens are *literal*: no recogniser may consume them, and the title keeps their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(
    r"""
     (?P<quote>"[^"]*"?)            # "kept as title text" (an unclosed quote runs to the end)
    |(?P<escape>\\[^\s"]+)          # \tomorrow: this word is literal
    |(?P<punct>[,;!?()\[\]{}])
    |(?P<word>[^\s,;!?()\[\]{}"\\]+)
    """,
    re.VERBOSE,
)
# A word ending in periods: "tomorrow." -> "tomorrow" + "." (but not "a.m." or "...": handled below)
_TRAILING_DOTS_RE = re.compile(r"^(?P<body>.*?[^.])(?P<dots>\.+)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    low: str
    start: int
    end: int
    kind: str  # "word" | "punct" | "quote" | "escape"

    @property
    def literal(self) -> bool:
        return self.kind in ("quote", "escape")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "word"
        s, e = m.span()
        tok = m.group()
        if kind == "word" and tok.endswith(".") and len(tok) > 1:
            dm = _TRAILING_DOTS_RE.match(tok)
            if dm is not None:
                body = dm.group("body")
                cut = s + len(body)
                append(Token(body, body.lower(), s, cut, "word"))
                append(Token(tok[len(body) :], tok[len(body) :], cut, e, "punct"))
                continue
        append(Token(tok, tok.lower(), s, e, kind))
    return tokens


_UNQUOTE_RE = re.compile(r'"([^"]*)"?')
_UNESCAPE_RE = re.compile(r"\\(\S)")
_WS_RE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT_RE = re.compile(r" (?=[,;.!?)\]}])")
_SPACE_AFTER_OPEN_RE = re.compile(r"(?<=[(\[{]) ")
_EDGE_JUNK = " ,;:-–—|/"
_EMPTY_BRACKETS_RE = re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}")


def tidy_title(rest: str) -> str:
    """Turn the text left after removing entity spans into a title.

    Unwraps quotes and escapes, collapses whitespace, drops empty brackets and the punctuation left
    dangling at either end ("fix login, tomorrow" -> "fix login").
    """
    if '"' in rest:
        rest = _UNQUOTE_RE.sub(r"\1", rest)
    if "\\" in rest:
        rest = _UNESCAPE_RE.sub(r"\1", rest)
    rest = _WS_RE.sub(" ", rest).strip()
    if not rest:
        return ""
    if "(" in rest or "[" in rest or "{" in rest:
        rest = _WS_RE.sub(" ", _EMPTY_BRACKETS_RE.sub(" ", rest)).strip()
    rest = _SPACE_BEFORE_PUNCT_RE.sub("", rest)
    rest = _SPACE_AFTER_OPEN_RE.sub("", rest)
    rest = rest.strip(_EDGE_JUNK)
    return rest


def remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each `[start, end)` span replaced by a space (spans must not overlap)."""
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for s, e in sorted(spans):
        parts.append(text[pos:s])
        parts.append(" ")
        pos = e
    parts.append(text[pos:])
    return "".join(parts)
