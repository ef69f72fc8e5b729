"""What a search returns: hits with the per-source "why", the result, the indexing report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from mhv.embed.errors import EmbeddingModelError
    from mhv.tasks.models import Task

Mode = Literal["hybrid", "text", "vector"]


@dataclass(frozen=True)
class SourceHit:
    """How one source ranked a task: 1-based rank and the source's own score."""

    rank: int
    score: float


@dataclass(frozen=True)
class SearchHit:
    task: Task
    score: float
    why: dict[str, SourceHit]
    """Sources that matched: ``text`` (bm25 / ts_rank), ``coverage`` (0..1), ``vector`` (cosine),
    ``title`` (fuzzy ratio 0..100)."""

    def explain(self) -> str:
        """A short human reading of ``why``: ``vector #2 0.71 · text #1 (3/3 words)``."""
        parts = []
        if "vector" in self.why:
            hit = self.why["vector"]
            place = f"#{hit.rank} " if hit.rank else ""
            parts.append(f"meaning {place}{hit.score:.2f}")
        cov = self.why.get("coverage")
        share = f" {cov.score:.0%} of words" if cov is not None else ""
        if "text" in self.why:
            parts.append(f"text #{self.why['text'].rank}{share}")
        elif cov is not None:
            parts.append(f"words{share}")
        if "title" in self.why:
            parts.append(f"title ~{self.why['title'].score:.0f}")
        return " · ".join(parts) or "-"

    def to_json(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "why": {name: {"rank": h.rank, "score": round(h.score, 4)} for name, h in self.why.items()},
            "task": self.task.to_json(),
        }


@dataclass
class SearchResult:
    query: str
    mode: Mode
    """What actually ran: ``hybrid``/``vector`` need the model; ``text`` when it is unavailable."""
    hits: list[SearchHit]
    model: str | None = None
    warning: EmbeddingModelError | None = None
    """Why vectors were not used (the model could not be loaded), when they were asked for."""
    unindexed: int = 0
    """Tasks matching the filters that have no vector for the current model yet."""
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """What `mhv ts --json` prints (and the JSON-RPC ``tasks.search`` returns)."""
        return {
            "query": self.query,
            "mode": self.mode,
            "model": self.model,
            "warning": self.warning.to_dict() if self.warning is not None else None,
            "hits": [hit.to_json() for hit in self.hits],
        }


@dataclass
class IndexReport:
    model: str
    embedded: int = 0
    skipped: int = 0
    """Tasks already up to date."""
    seconds: float = 0.0


class Light(NamedTuple):
    """What fusion needs of a candidate; full ``Task`` objects are built only for the final hits."""

    id: str
    title: str
    description: str
    tags: str


LIGHT_COLUMNS = "task.id, task.title, task.description, task.tags"


def light(row: Any) -> Light:
    tags = row["tags"]
    text = " ".join(tags) if isinstance(tags, list) else str(tags or "")
    return Light(str(row["id"]), row["title"], row["description"] or "", text)
