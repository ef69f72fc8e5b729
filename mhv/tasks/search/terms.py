"""Query words, stemming, idf weights and the text a task is embedded from.

Pure helpers shared by the full-text source, the fusion and the indexer; nothing here touches the
store or loads NumPy.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mhv.errors import ValidationError

if TYPE_CHECKING:
    from mhv.tasks.models import Task

MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 16
COVERAGE_FLOOR = 0.5
"""A text hit counts (coverage bonus) only when it covers at least this share of the query's idf."""

STOPWORDS = frozenset(
    "a an the to of in on for and or is are be it its at by with from as after before when while "  # noqa: SIM905
    "into out up down not no we our my me i you your they them this that there their what who "
    "can cannot do does did dont so too very than then until about via per".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def query_terms(text: str) -> list[str]:
    """Lower-cased words of a query without stopwords (all words if only stopwords), deduplicated."""
    all_words = words(text)
    terms = [w for w in all_words if w not in STOPWORDS] or all_words
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


class _Stemmer:
    """Snowball English (close to FTS5's porter), falling back to plain words when unavailable."""

    def __init__(self) -> None:
        try:
            import py_rust_stemmers

            self._stem: Callable[[list[str]], list[str]] | None = py_rust_stemmers.SnowballStemmer(
                "english"
            ).stem_words
        except ImportError:  # pragma: no cover - it comes with fastembed
            self._stem = None

    def __call__(self, items: list[str]) -> list[str]:
        return list(self._stem(items)) if self._stem is not None else items


_stemmer: _Stemmer | None = None


def stems(items: list[str]) -> list[str]:
    global _stemmer
    if _stemmer is None:
        _stemmer = _Stemmer()
    return _stemmer(items)


def content_text(task: Task | dict[str, Any]) -> str:
    """What gets embedded for a task: its title, and its description when there is one."""
    title = task["title"] if isinstance(task, dict) else task.title
    description = (task["description"] if isinstance(task, dict) else task.description) or ""
    return f"{title}\n{description}".strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_query(query: str) -> str:
    text = " ".join(query.split())
    if not text:
        raise ValidationError("the search query is empty", "give one or more words: mhv ts login bug")
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(
            f"the search query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}",
            "search with the few words that matter (a title, a phrase), not a whole document",
        )
    return text


def idf_weights(terms: list[str], total: int, df: dict[str, int]) -> dict[str, float]:
    """BM25 idf per term; a term in no task gets the highest idf seen (``term_coverage``'s rule)."""
    out = {
        t: math.log(1 + (max(total, df[t]) - df[t] + 0.5) / (df[t] + 0.5)) for t in terms if df.get(t, 0) > 0
    }
    rarest = max(out.values(), default=1.0)
    return {t: out.get(t, rarest) for t in terms}


def rare_terms(terms: list[str], idf: dict[str, float]) -> list[str]:
    """The fewest rarest terms such that a task containing none of them covers < half the idf mass."""
    total = sum(idf.values()) or 1.0
    chosen: list[str] = []
    rest = total
    for term in sorted(terms, key=lambda t: -idf[t]):
        if rest / total < COVERAGE_FLOOR:
            break
        chosen.append(term)
        rest -= idf[term]
    return chosen or list(terms)
