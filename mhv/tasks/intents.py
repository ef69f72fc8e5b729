"""Executing a quick-add line: ``plan(parse) -> Action`` says what will happen, ``apply(service,
action) -> Outcome`` does it. The CLI (`mhv tc`, `mhv tu`, `--batch`) and the TUI quick-add line all go
through here, so a line means the same thing everywhere.

- ``plan`` is pure: it turns a `mhv.nlp.Parse` into an `Action` (the service call, its fields, the
  dependencies to add or drop, a filter for list/search) with a one-line description and whether to
  ask first (`needs_confirmation`: the parse is unsure, or the action deletes).
- ``apply`` makes exactly one service call, so one line is one transaction and one `undo` reverts it
  (a create with ``after #41 blocks #43`` included).
- Settings (date order, week start, confidence threshold, quick-add defaults) come in as a
  `QuickSettings`, a `ParseSettings`, a dict or any object with those attributes (the config module);
  `quick_settings()` reads whichever it gets and defaults the rest.

An unknown ``@repo`` is accepted (tasks may name repositories not registered yet, as `mhv tc` always
did) and reported in ``Action.warnings`` with the `mhv repo add` hint.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from mhv.errors import UsageError
from mhv.nlp import Parse, ParseSettings, parse
from mhv.nlp.entities import format_minutes
from mhv.nlp.recurrence import describe_rrule
from mhv.tasks.models import OPEN_STATUSES, STATUSES, Task, TaskFilter

CREATE, UPDATE, COMPLETE, START, BLOCK, UNBLOCK, DELETE, SHOW, LIST, SEARCH = (
    "create", "update", "complete", "start", "block", "unblock", "delete", "show", "list", "search",
)  # fmt: skip
WRITES = frozenset({CREATE, UPDATE, COMPLETE, START, BLOCK, UNBLOCK, DELETE})
_P_NUMBER = {"critical": 1, "high": 2, "medium": 3, "low": 4}
_PARSE_KEYS = ("date_order", "week_start", "confidence_threshold")
_DEFAULT_KEYS = ("priority", "repo", "tags")


class QuickSettings:
    """What the quick-add line needs from the configuration. (Plain classes here, not dataclasses:
    building a dataclass costs milliseconds at import, and `mhv tc` imports this module.)"""

    __slots__ = ("default_priority", "default_repo", "default_tags", "parse")

    def __init__(self, parse: ParseSettings | None = None, default_priority: str | None = None,
                 default_repo: str | None = None, default_tags: tuple[str, ...] = ()) -> None:  # fmt: skip
        self.parse = parse or ParseSettings()
        self.default_priority = default_priority  # applied to creates that name no priority
        self.default_repo = default_repo
        self.default_tags = default_tags

    @property
    def threshold(self) -> float:
        return self.parse.confidence_threshold


def quick_settings(settings: Any = None) -> QuickSettings:
    """Read settings from ``None``, a `QuickSettings`, a `ParseSettings`, a mapping or an object.

    Keys (or attributes): ``date_order``, ``week_start``, ``confidence_threshold`` and quick-add
    defaults ``default_priority``, ``default_repo``, ``default_tags`` (also a nested ``quick_add``
    mapping/object with ``priority``, ``repo``, ``tags``). Bad values raise a `UsageError`.
    """
    if settings is None:
        return QuickSettings()
    if isinstance(settings, QuickSettings):
        return settings
    if isinstance(settings, ParseSettings):
        return QuickSettings(parse=settings)

    def get(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)

    parse_kw = {k: v for k in _PARSE_KEYS if (v := get(settings, k)) is not None}
    nested = get(settings, "quick_add")
    defaults = {k: get(settings, f"default_{k}") for k in _DEFAULT_KEYS}
    if nested is not None:
        defaults |= {k: v for k in _DEFAULT_KEYS if (v := get(nested, k)) is not None}
    if isinstance(parse_kw.get("week_start"), str):
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        ws = parse_kw["week_start"].lower()
        parse_kw["week_start"] = next((i for i, d in enumerate(days) if d.startswith(ws[:3])), -1)
    try:
        ps = ParseSettings(**parse_kw)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"bad quick-add setting: {exc}", "fix the value in config.toml", code="MHV-301"
        ) from None
    priority = defaults.get("priority")
    if priority is not None:
        from mhv.tasks.rules import PRIORITIES, priority_word

        priority = priority_word(priority)
        if priority not in PRIORITIES:
            raise UsageError(
                f"bad quick-add setting: priority = {defaults['priority']!r}",
                "in config.toml [quick_add], use critical, high, medium or low (or p1-p4)", code="MHV-301",
            )
    tags = defaults.get("tags") or ()
    return QuickSettings(
        parse=ps,
        default_priority=priority,
        default_repo=defaults.get("repo"),
        default_tags=tuple([tags] if isinstance(tags, str) else tags),
    )


class Action:
    """What a line will do. ``fields`` are the service's fields (create: all of them; update: the
    changes); tags on an update are ``add_tags``/``remove_tags`` (merged with the task's own);
    ``unblock`` lists the blockers to drop (``None``: every one)."""

    __slots__ = ("add_tags", "alternatives", "blocks", "confidence", "depends_on", "fields", "filter", "kind",
                 "parse", "remove_tags", "target", "text", "threshold", "unblock", "warnings")  # fmt: skip

    def __init__(self, kind: str, text: str = "", confidence: float = 1.0, threshold: float = 0.6,
                 target: int | None = None, fields: dict[str, Any] | None = None, parse: Parse | None = None,
                 alternatives: list[str] | None = None) -> None:  # fmt: skip
        self.kind = kind
        self.text = text
        self.confidence = confidence
        self.threshold = threshold
        self.target = target
        self.fields: dict[str, Any] = fields if fields is not None else {}
        self.add_tags: list[str] = []
        self.remove_tags: list[str] = []
        self.depends_on: list[int] = []
        self.blocks: list[int] = []
        self.unblock: list[int] | None = []
        self.filter: TaskFilter | None = None
        self.warnings: list[str] = []
        self.alternatives: list[str] = alternatives if alternatives is not None else []
        self.parse = parse

    def __repr__(self) -> str:
        return f"Action({self.describe()!r}, confidence={self.confidence})"

    @property
    def needs_confirmation(self) -> bool:
        """Ask before acting: the parse is unsure, or the action deletes a task."""
        return self.kind == DELETE or (self.kind in WRITES and self.confidence < self.threshold)

    @property
    def writes(self) -> bool:
        return self.kind in WRITES

    def describe(self, now: datetime | None = None) -> str:
        """One line: what will happen. ``create “fix auth” @crackerjack · due Thu 27 Nov 17:00 · p1``."""
        head = {
            CREATE: f"create “{self.fields.get('title', '')}”",
            UPDATE: f"update #{self.target}",
            COMPLETE: f"complete #{self.target}",
            START: f"start #{self.target}",
            BLOCK: f"#{self.target}",
            UNBLOCK: f"unblock #{self.target}",
            DELETE: f"delete #{self.target}",
            SHOW: f"show #{self.target}",
            LIST: "list tasks",
            SEARCH: f"search “{self.filter.text if self.filter else ''}”",
        }[self.kind]
        bits = self.pieces(now)
        return head + (" · " + " · ".join(bits) if bits else "")

    def pieces(self, now: datetime | None = None) -> list[str]:
        """The understood pieces, as short labels (`due Thu 27 Nov 17:00`, `p1 critical`, `#ci`)."""
        f = self.fields
        out: list[str] = []
        if self.kind == UPDATE and "title" in f:
            out.append(f"title “{f['title']}”")
        if f.get("repo"):
            out.append(f"@{f['repo']}")
        if "due" in f:
            out.append("no due date" if f["due"] is None else f"due {_when(f['due'], now)}")
        if "scheduled" in f:
            out.append("not scheduled" if f["scheduled"] is None else f"starts {_when(f['scheduled'], now)}")
        if f.get("wait") is not None:
            out.append(f"waits until {_when(f['wait'], now)}")
        if f.get("until") is not None:
            out.append(f"expires {_when(f['until'], now)}")
        if f.get("priority"):
            out.append(f"p{_P_NUMBER.get(f['priority'], '?')} {f['priority']}")
        out += [f"#{t}" for t in [*f.get("tags", []), *self.add_tags]]
        out += [f"-#{t}" for t in self.remove_tags]
        if f.get("estimate_minutes") is not None:
            out.append(f"~{format_minutes(f['estimate_minutes'])}")
        if f.get("recurrence"):
            out.append(f"↻ {describe_rrule(f['recurrence'])}")
        if self.depends_on:
            verb = "waits for" if self.kind == BLOCK else "after"
            out.append(f"{verb} " + ", ".join(f"#{n}" for n in self.depends_on))
        if self.blocks:
            out.append("blocks " + ", ".join(f"#{n}" for n in self.blocks))
        if self.kind == UNBLOCK:
            out.append(
                "from every blocker"
                if self.unblock is None
                else "from " + ", ".join(f"#{n}" for n in self.unblock)
            )
        flt = self.filter
        if flt is not None and self.kind == LIST:
            if flt.statuses is not None:
                out.append("status " + (",".join(flt.statuses) or "any"))
            if flt.repo:
                out.append(f"@{flt.repo}")
            out += [f"#{t}" for t in flt.tags]
            if flt.priority:
                out.append(f"priority {flt.priority}")
            if flt.due_after is not None:
                out.append(f"due from {flt.due_after:%a %d %b}")
            if flt.due_before is not None:
                out.append(f"due before {flt.due_before:%a %d %b %H:%M}")
            if flt.text:
                out.append(f"“{flt.text}”")
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.kind, "confidence": self.confidence,
                               "needs_confirmation": self.needs_confirmation, "summary": self.describe()}  # fmt: skip
        if self.target is not None:
            out["target"] = self.target
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.alternatives:
            out["alternatives"] = list(self.alternatives)
        return out


class Outcome:
    """What ``apply`` did: the tasks written or found, and a sentence for people."""

    __slots__ = ("action", "message", "next_task", "tasks")

    def __init__(self, action: Action, message: str, tasks: list[Task] | None = None,
                 next_task: Task | None = None) -> None:  # fmt: skip
        self.action = action
        self.message = message
        self.tasks: list[Task] = tasks if tasks is not None else []
        self.next_task = next_task  # a completed recurring task's next occurrence

    @property
    def task(self) -> Task | None:
        return self.tasks[0] if self.tasks else None

    def to_json(self) -> Any:
        kind = self.action.kind
        if kind in (LIST, SEARCH):
            return [t.to_json() for t in self.tasks]
        if self.task is None:
            return {"action": kind}
        data = self.task.to_json()
        if self.next_task is not None:
            data["next"] = self.next_task.to_json()
        return data


# ---------------------------------------------------------------------------------- plan
def understand(
    text: str,
    *,
    now: datetime,
    known_repos: Collection[str] = (),
    registered: Collection[str] | None = None,
    settings: Any = None,
) -> Action:
    """Parse ``text`` and plan it. ``registered`` (default: ``known_repos``) decides which repository
    names are warned about."""
    qs = quick_settings(settings)
    p = parse(text, now=now, known_repos=known_repos, settings=qs.parse)
    return plan(p, tz=now.tzinfo, text=text, registered=known_repos if registered is None else registered,
                settings=qs, now=now)  # fmt: skip


def plan(
    p: Parse,
    *,
    tz: tzinfo | None = None,
    text: str = "",
    registered: Collection[str] | None = None,
    settings: Any = None,
    now: datetime | None = None,
) -> Action:
    """What ``p`` asks for. ``tz`` places a due time (default: UTC-naive datetimes are local);
    ``now`` is needed only for `overdue` list filters."""
    qs = quick_settings(settings)
    act = Action(kind=CREATE, text=text, confidence=p.confidence, threshold=p.threshold, parse=p,
                 alternatives=[_alt_text(a) for a in p.alternatives])  # fmt: skip
    intent = str(p.intent)
    if intent == "create":
        act.fields = _entity_fields(p, tz)
        act.fields["title"] = p.title
        if "priority" not in act.fields and qs.default_priority:
            act.fields["priority"] = qs.default_priority
        if "repo" not in act.fields and qs.default_repo:
            act.fields["repo"] = qs.default_repo
        tags = [
            *act.fields.get("tags", []),
            *(t for t in qs.default_tags if t not in act.fields.get("tags", [])),
        ]
        if tags:
            act.fields["tags"] = tags
        act.depends_on, act.blocks = list(p.depends_on), list(p.blocks)
    elif intent in ("complete", "start", "delete", "show"):
        act.kind, act.target = intent, p.target
    elif intent == "update":
        act.kind, act.target = UPDATE, p.target
        act.fields = _entity_fields(p, tz)
        act.add_tags = act.fields.pop("tags", [])
        act.remove_tags = list(p.remove_tags)
        if p.new_title:
            act.fields["title"] = p.new_title
        act.depends_on, act.blocks = list(p.depends_on), list(p.blocks)
    elif intent == "block":
        act.target = p.target
        if p.unblock:
            act.kind, act.unblock = UNBLOCK, (list(p.depends_on) or None)
        else:
            act.kind, act.depends_on, act.blocks = BLOCK, list(p.depends_on), list(p.blocks)
    elif intent == "search":
        act.kind = SEARCH
        act.filter = TaskFilter(text=p.query or None, limit=50)
    elif intent == "list":
        act.kind = LIST
        act.filter = _list_filter(p, tz, now)
    else:  # pragma: no cover - every Intent is handled above
        raise UsageError(f"cannot act on the intent {intent!r}", "rephrase the line")
    repo = act.fields.get("repo")
    if repo and registered is not None and repo.lower() not in {r.lower() for r in registered}:
        act.warnings.append(f"@{repo} is not a registered repository (mhv repo add {repo} PATH)")
    return act


def plan_update(
    number: int,
    p: Parse,
    *,
    tz: tzinfo | None = None,
    text: str = "",
    registered: Collection[str] | None = None,
    add_tags: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
) -> Action:
    """`mhv tu N TEXT`: ``p`` is TEXT read as a create line; its pieces are the changes and the words
    left over, if any, the new title. With no title left the parser's 'nothing left for a title'
    doubt does not apply, so the confidence is that of the pieces (0.5 when a piece was ambiguous)."""
    if str(p.intent) != "create":
        raise UsageError(
            f"{text!r} reads as a command ({p.intent}), not as changes to #{number}",
            f"type the command on its own (mhv tc '{text}'), or quote words meant as the title",
        )
    act = Action(kind=UPDATE, text=text, target=number, threshold=p.threshold, parse=p,
                 alternatives=[_alt_text(a) for a in p.alternatives])  # fmt: skip
    act.fields = _entity_fields(p, tz)
    act.add_tags = [*act.fields.pop("tags", []), *(t for t in add_tags)]
    act.remove_tags = list(remove_tags)
    if p.title:
        act.fields["title"] = p.title
        act.confidence = p.confidence
    else:
        confs = [e.confidence for e in p.entities] or [1.0]
        act.confidence = min([*confs, 0.5] if p.alternatives else confs)
    act.depends_on, act.blocks = list(p.depends_on), list(p.blocks)
    repo = act.fields.get("repo")
    if repo and registered is not None and repo.lower() not in {r.lower() for r in registered}:
        act.warnings.append(f"@{repo} is not a registered repository (mhv repo add {repo} PATH)")
    return act


def _entity_fields(p: Parse, tz: tzinfo | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if p.due_date is not None:
        out["due"] = _at(p.due_date, p.due_time, tz)
    if p.scheduled_date is not None:
        out["scheduled"] = _at(p.scheduled_date, p.scheduled_time, tz)
    if p.wait_date is not None:
        out["wait"] = p.wait_date
    if p.until_date is not None:
        out["until"] = p.until_date
    if p.priority:
        out["priority"] = p.priority
    if p.tags:
        out["tags"] = list(p.tags)
    if p.repo:
        out["repo"] = p.repo
    if p.estimate_minutes is not None:
        out["estimate_minutes"] = p.estimate_minutes
    if p.recurrence:
        out["recurrence"] = p.recurrence
    return out


def _at(d: date, t: time | None, tz: tzinfo | None) -> date | datetime:
    return d if t is None else datetime.combine(d, t, tzinfo=tz)


def _list_filter(p: Parse, tz: tzinfo | None, now: datetime | None) -> TaskFilter:
    statuses: tuple[str, ...] | None = None
    due_before: datetime | None = None
    if p.status == "open":
        statuses = OPEN_STATUSES
    elif p.status == "overdue":
        due_before = now
    elif p.status in STATUSES:
        statuses = (p.status,)
    if p.due_to is not None:
        end = datetime.combine(p.due_to + timedelta(days=1), time(0, 0), tzinfo=tz)
        due_before = min(due_before, end) if due_before else end
    due_after = datetime.combine(p.due_from, time(0, 0), tzinfo=tz) if p.due_from is not None else None
    return TaskFilter(statuses=statuses, repo=p.repo, tags=tuple(p.tags), priority=p.priority,
                      due_before=due_before, due_after=due_after, text=p.query or None)  # fmt: skip


def _alt_text(alt: dict[str, Any]) -> str:
    text = alt.get("text")
    return (f"“{text}”: " if text else "") + str(alt.get("reading", ""))


def _when(value: Any, now: datetime | None) -> str:
    if isinstance(value, datetime):
        shown = value.astimezone(now.tzinfo) if now is not None and value.tzinfo else value
        return f"{shown:%a} {shown.day} {shown:%b} {shown:%H:%M}" + _year(shown.date(), now)
    if isinstance(value, date):
        return f"{value:%a} {value.day} {value:%b}" + _year(value, now)
    return str(value)


def _year(d: date, now: datetime | None) -> str:
    return "" if now is None or d.year == now.year else f" {d.year}"


# ---------------------------------------------------------------------------------- apply
def apply(service: Any, action: Action) -> Outcome:
    """Do ``action`` with one service call (one transaction, one undo step). Confirmation is the
    caller's job (`Action.needs_confirmation`); errors are the service's `MhvError`s."""
    kind, target = action.kind, action.target
    svc = service
    if kind != CREATE and kind not in (LIST, SEARCH) and target is None:
        raise UsageError(f"which task should I {kind}?", f"give its number: {kind} #42")
    if kind == CREATE:
        data = dict(action.fields)
        if action.depends_on:
            data["depends_on"] = list(action.depends_on)
        if action.blocks:
            data["blocks"] = list(action.blocks)
        task = svc.create(data)
        return Outcome(action, f"Created task {task.number}: {task.title}", [task])
    if kind == COMPLETE:
        done, nxt = svc.complete(target)
        return Outcome(action, f"Completed task {done.number}: {done.title}", [done], nxt)
    if kind == START:
        task = svc.start(target)
        return Outcome(action, f"Started task {task.number}: {task.title}", [task])
    if kind == DELETE:
        task = svc.delete(target)
        return Outcome(action, f"Deleted task {task.number}: {task.title} (undo restores it)", [task])
    if kind == SHOW:
        task = svc.get(target, links=True)
        return Outcome(action, f"#{task.number} {task.title} [{task.status}]", [task])
    if kind in (LIST, SEARCH):
        tasks = svc.list_tasks(action.filter or TaskFilter(), links=True)
        return Outcome(action, f"{len(tasks)} task{'s' * (len(tasks) != 1)}", tasks)
    changes = dict(action.fields)
    if action.add_tags or action.remove_tags:
        current = svc.get(target).tags
        tags = [t for t in current if t not in action.remove_tags]
        tags += [t for t in action.add_tags if t not in tags]
        if tags != current:
            changes["tags"] = tags
    unblock: list[int] | None = []
    if kind == UNBLOCK:
        unblock = list(action.unblock) if action.unblock else None
    if kind == UPDATE and not changes and not action.depends_on and not action.blocks:
        raise UsageError(f"nothing to change on #{target}", f"e.g. move #{target} to friday, set {target} p1")
    if kind == BLOCK and not action.depends_on and not action.blocks:
        raise UsageError(
            f"block #{target} on which task?", f"e.g. #{target} blocked by #41, #{target} blocks #43"
        )
    task = svc.update(target, changes, depends_on=action.depends_on, blocks=action.blocks, unblock=unblock)
    task = svc.get(task.number, links=True)
    if kind == UPDATE:
        message = f"Updated task {task.number}: {task.title}"
    elif kind == UNBLOCK:
        which = ", ".join(f"#{n}" for n in unblock) if unblock else "any task"
        message = f"Task {task.number} no longer waits for {which} [{task.status}]"
    else:
        parts = []
        if action.depends_on:
            parts.append("now waits for " + ", ".join(f"#{n}" for n in action.depends_on))
        if action.blocks:
            parts.append("now blocks " + ", ".join(f"#{n}" for n in action.blocks))
        message = f"Task {task.number} " + " and ".join(parts) + f" [{task.status}]"
    return Outcome(action, message, [task])
