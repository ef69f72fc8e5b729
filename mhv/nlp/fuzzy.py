"""Spot near-misses of the language's keywords ("tomorow", "fridya") left in a title.

A symmetric-delete index: every keyword and its one-letter deletions and adjacent transpositions map
back to the keyword, so a lookup is a handful of set probes, not an edit-distance loop.
"""

from __future__ import annotations

# Long, distinctive words only: a typo of these is rarely another English word.
KEYWORDS = (
    "tomorrow", "tonight", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "september", "october", "november", "december", "priority", "important",
    "weekday", "monthly", "urgent",
)  # fmt: skip


def _variants(word: str) -> set[str]:
    out = {word[:k] + word[k + 1 :] for k in range(len(word))}
    out.update(word[:k] + word[k + 1] + word[k] + word[k + 2 :] for k in range(len(word) - 1))
    return out


def _build() -> dict[str, str]:
    index: dict[str, str] = {}
    for kw in KEYWORDS:
        for v in _variants(kw):
            index.setdefault(v, kw)
    return index


_INDEX = _build()
_EXACT = frozenset(KEYWORDS)


def near_keyword(word: str) -> str | None:
    """The keyword `word` is one edit away from (not equal to), if any."""
    if len(word) < 5 or word in _EXACT or not word.isalpha():
        return None
    hit = _INDEX.get(word)  # a deletion or transposition of a keyword, or an insertion into one
    if hit is not None and hit != word:
        return hit
    for v in _variants(word):
        if v in _EXACT:
            return v
        hit = _INDEX.get(v)  # substitution: both lose the same letter
        if hit is not None and len(hit) == len(word):
            return hit
    return None
