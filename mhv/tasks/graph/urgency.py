"""Urgency: one number per task for "what should I do next", with the terms that made it.

The formula is Taskwarrior's (2.6, ``Task::urgency_c``): a sum of ``coefficient x factor`` terms,
each factor between 0 and 1. The defaults are Taskwarrior's, except where mhv's model differs
(see :class:`UrgencyCoefficients` and ``docs/graph.md``). Pure: the clock is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, NamedTuple, Protocol

FINISHED_STATUSES = frozenset({"completed", "cancelled"})
SECONDS_PER_DAY = 86_400.0


class UrgencyFields(Protocol):
    """What urgency reads from a task. Any object with these attributes fits (e.g. the service's
    Task). Optional extras read when present: ``wait`` (datetime) and ``annotation_count`` (int),
    for tasks imported from Taskwarrior."""

    @property
    def priority(self) -> str | None: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def repo(self) -> str | None: ...
    @property
    def scheduled(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class UrgencyInput:
    """A plain holder of :class:`UrgencyFields`, for callers without a task object (and tests)."""

    created_at: datetime | None
    priority: str | None = "medium"
    due: datetime | None = None
    status: str = "pending"
    tags: Sequence[str] = ()
    repo: str | None = None
    scheduled: datetime | None = None
    started_at: datetime | None = None
    wait: datetime | None = None
    annotation_count: int = 0


@dataclass(frozen=True, slots=True)
class UrgencyCoefficients:
    """Weights of the urgency terms. Defaults follow Taskwarrior 2.6 (``urgency.*.coefficient``):

    - priority: Taskwarrior's H/M/L are 6.0/3.9/1.8, 2.1 apart; mhv's extra ``critical`` continues
      the scale one step up, 8.1. mhv tasks always have a priority (default medium), so an
      unprioritised Taskwarrior task (0.0) maps to mhv ``medium`` (3.9) on import.
    - ``project`` applies to mhv's repository; ``active`` to status ``in_progress``.
    - ``waiting`` and ``annotations`` exist for tasks carrying Taskwarrior's ``wait`` /
      annotations; mhv has neither natively.
    - ``tag_bonus`` is Taskwarrior's ``urgency.user.tag.<tag>.coefficient`` (``next`` = 15.0);
      ``repo_bonus`` its ``urgency.user.project.<project>.coefficient``.
    """

    priority_critical: float = 8.1
    priority_high: float = 6.0
    priority_medium: float = 3.9
    priority_low: float = 1.8
    due: float = 12.0
    age: float = 2.0
    age_max_days: float = 365.0
    blocking: float = 8.0
    blocked: float = -5.0
    active: float = 4.0
    tags: float = 1.0
    scheduled: float = 5.0
    annotations: float = 1.0
    project: float = 1.0
    waiting: float = -3.0
    tag_bonus: tuple[tuple[str, float], ...] = (("next", 15.0),)
    repo_bonus: tuple[tuple[str, float], ...] = ()

    def priority_value(self, priority: str | None) -> float:
        return {
            "critical": self.priority_critical,
            "high": self.priority_high,
            "medium": self.priority_medium,
            "low": self.priority_low,
        }.get(priority or "", 0.0)

    def with_overrides(self, overrides: Mapping[str, Any]) -> UrgencyCoefficients:
        """Apply config values: field names as above, plus ``tag.<name>`` and ``repo.<name>``
        for bonuses (e.g. ``{"due": 10, "tag.next": 20, "repo.infra": 2}``). Unknown keys and
        non-numbers raise ValueError naming the key."""
        known = {f.name for f in fields(self)} - {"tag_bonus", "repo_bonus"}
        plain: dict[str, float] = {}
        tag_bonus = dict(self.tag_bonus)
        repo_bonus = dict(self.repo_bonus)
        for key, raw in overrides.items():
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ValueError(f"urgency.{key}: expected a number, got {raw!r}")
            value = float(raw)
            if key in known:
                plain[key] = value
            elif key.startswith("tag.") and len(key) > 4:
                tag_bonus[key[4:]] = value
            elif key.startswith("repo.") and len(key) > 5:
                repo_bonus[key[5:]] = value
            else:
                raise ValueError(
                    f"urgency.{key}: unknown coefficient (known: {', '.join(sorted(known))}, tag.<name>, repo.<name>)"
                )
        return replace(
            self, **plain, tag_bonus=tuple(tag_bonus.items()), repo_bonus=tuple(repo_bonus.items())
        )


DEFAULT_COEFFICIENTS = UrgencyCoefficients()


class UrgencyTerm(NamedTuple):
    term: str
    value: float  # coefficient * factor
    factor: float
    coefficient: float


@dataclass(frozen=True, slots=True)
class Urgency:
    score: float
    terms: tuple[UrgencyTerm, ...]

    @property
    def breakdown(self) -> list[tuple[str, float]]:
        """``(term, value)`` pairs, largest effect first; the values sum to ``score``."""
        return [(t.term, t.value) for t in self.terms]


def due_factor(due: datetime, now: datetime) -> float:
    """Taskwarrior's due curve: 7+ days overdue -> 1.0, linear down to 0.2 at 14 days ahead."""
    days_overdue = (now - due).total_seconds() / SECONDS_PER_DAY
    if days_overdue >= 7.0:
        return 1.0
    if days_overdue >= -14.0:
        return (days_overdue + 14.0) * 0.8 / 21.0 + 0.2
    return 0.2


def age_factor(created_at: datetime, now: datetime, max_days: float) -> float:
    """Whole days since creation over ``max_days``, capped at 1 (Taskwarrior truncates to days)."""
    age_days = int((now - created_at).total_seconds() / SECONDS_PER_DAY)
    if max_days == 0 or age_days > max_days:
        return 1.0
    return age_days / max_days


def count_factor(count: int) -> float:
    """Tags and annotations: 0 -> 0, 1 -> 0.8, 2 -> 0.9, 3+ -> 1.0."""
    return 0.0 if count <= 0 else 0.8 if count == 1 else 0.9 if count == 2 else 1.0


def urgency(
    task: UrgencyFields,
    now: datetime,
    *,
    is_blocking: bool = False,
    is_blocked: bool = False,
    coefficients: UrgencyCoefficients = DEFAULT_COEFFICIENTS,
) -> Urgency:
    """Score one task at ``now`` (timezone-aware, like the task's dates).

    ``is_blocking`` / ``is_blocked`` come from :class:`mhv.tasks.graph.DependencyGraph`. Finished
    tasks are scored like any other (as Taskwarrior does); "next" lists leave them out.
    """
    c = coefficients
    tags = list(task.tags or ())
    terms: list[UrgencyTerm] = []

    def add(term: str, factor: float, coefficient: float) -> None:
        if factor and coefficient:
            terms.append(UrgencyTerm(term, coefficient * factor, factor, coefficient))

    priority_value = c.priority_value(task.priority)
    add(f"priority {task.priority}", 1.0 if priority_value else 0.0, priority_value)
    add("project", 1.0 if task.repo else 0.0, c.project)
    add("active", 1.0 if task.status == "in_progress" else 0.0, c.active)
    scheduled = task.scheduled
    add("scheduled", 1.0 if scheduled is not None and scheduled < now else 0.0, c.scheduled)
    wait: datetime | None = getattr(task, "wait", None)
    add("waiting", 1.0 if wait is not None and wait > now else 0.0, c.waiting)
    add("blocked", 1.0 if is_blocked else 0.0, c.blocked)
    add("annotations", count_factor(int(getattr(task, "annotation_count", 0) or 0)), c.annotations)
    add("tags", count_factor(len(tags)), c.tags)
    add("due", due_factor(task.due, now) if task.due is not None else 0.0, c.due)
    add("blocking", 1.0 if is_blocking else 0.0, c.blocking)
    created = task.created_at
    add("age", age_factor(created, now, c.age_max_days) if created is not None else 1.0, c.age)
    for tag, bonus in c.tag_bonus:
        add(f"tag {tag}", 1.0 if tag in tags else 0.0, bonus)
    repo = task.repo or ""
    for name, bonus in c.repo_bonus:
        add(f"repo {name}", 1.0 if repo == name or repo.startswith(name + ".") else 0.0, bonus)

    score = sum(t.value for t in terms)
    terms.sort(key=lambda t: -abs(t.value))
    return Urgency(score, tuple(terms))


def is_actionable(status: str) -> bool:
    """Tasks a "next" list considers: not finished."""
    return status not in FINISHED_STATUSES


def urgency_sql(dialect: str, now_param: Any, coefficients: UrgencyCoefficients = DEFAULT_COEFFICIENTS,
                *, tag_condition: Callable[[str], tuple[str, list[Any]]], blocking: str) -> tuple[str, list[Any]]:  # fmt: skip
    """The same score as :func:`urgency`, as one SQL expression over the ``task`` table, so a
    ranked list is sorted and paged by the database (100,000 tasks: no Python object per task).

    ``now_param`` is the bound value of "now" (as the dialect stores datetimes), ``tag_condition``
    gives a tag's condition and its parameters (``Dialect.tag_condition``), ``blocking`` a condition true when an unfinished task waits
    for this one. ``waiting`` and ``annotations`` are left out: they are 0 for every stored task
    (only Taskwarrior records carry them, and they are not columns). Rounded to 6 places like the
    Python sort key, so both orders agree on ties.
    """
    c = coefficients
    params: list[Any] = []

    def num(value: float) -> str:
        return repr(float(value))

    if dialect == "sqlite":
        days_since = "(julianday(?) - julianday({col}))"
        tag_count = "json_array_length(task.tags)"
        least, greatest, trunc = "MIN", "MAX", "CAST({} AS INTEGER)"
    else:
        days_since = "(EXTRACT(EPOCH FROM (CAST(? AS timestamptz) - {col})) / 86400.0)"
        tag_count = "jsonb_array_length(task.tags)"
        least, greatest, trunc = "LEAST", "GREATEST", "TRUNC({})"
    terms = [
        f"CASE task.priority WHEN 'critical' THEN {num(c.priority_critical)} WHEN 'high' THEN {num(c.priority_high)} "
        f"WHEN 'medium' THEN {num(c.priority_medium)} WHEN 'low' THEN {num(c.priority_low)} ELSE 0.0 END",
        f"CASE WHEN task.repo IS NOT NULL AND task.repo <> '' THEN {num(c.project)} ELSE 0.0 END",
        f"CASE WHEN task.status = 'in_progress' THEN {num(c.active)} ELSE 0.0 END",
        f"CASE WHEN task.scheduled IS NOT NULL AND task.scheduled < ? THEN {num(c.scheduled)} ELSE 0.0 END",
        f"CASE WHEN task.status = 'blocked' THEN {num(c.blocked)} ELSE 0.0 END",
        f"CASE {tag_count} WHEN 0 THEN 0.0 WHEN 1 THEN 0.8 WHEN 2 THEN 0.9 ELSE 1.0 END * {num(c.tags)}",
    ]
    params.append(now_param)
    # due_factor's three pieces as one clamp (one date parse per row): 1.0 from 7 days overdue,
    # 0.2 from 14 days ahead, linear between.
    due_days = days_since.format(col="task.due")
    terms.append(
        f"CASE WHEN task.due IS NULL THEN 0.0 ELSE {least}(1.0, {greatest}(0.2, ({due_days} + 14.0) * 0.8 / 21.0 + 0.2)) "
        f"END * {num(c.due)}"
    )
    params.append(now_param)
    terms.append(f"CASE WHEN {blocking} THEN {num(c.blocking)} ELSE 0.0 END")
    if c.age_max_days == 0:
        terms.append(f"{num(c.age)}")
    else:
        age_days = trunc.format(days_since.format(col="task.created_at"))
        terms.append(
            f"CASE WHEN task.created_at IS NULL THEN 1.0 ELSE {least}(1.0, {age_days} / {num(c.age_max_days)}) "
            f"END * {num(c.age)}"
        )
        params.append(now_param)
    for tag, bonus in c.tag_bonus:
        cond, cparams = tag_condition(tag)
        terms.append(f"CASE WHEN {cond} THEN {num(bonus)} ELSE 0.0 END")
        params.extend(cparams)
    for name, bonus in c.repo_bonus:
        terms.append(f"CASE WHEN task.repo = ? OR task.repo LIKE ? ESCAPE '\\' THEN {num(bonus)} ELSE 0.0 END")
        params += [name, name.replace("%", r"\%").replace("_", r"\_") + ".%"]
    return "ROUND(" + " + ".join(f"({t})" for t in terms) + ", 6)", params
