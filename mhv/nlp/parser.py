"""`parse()`: one line in, a `Parse` out. Orchestrates the recognisers and scores the result.

1. Tokenise (quotes and `\\word` escapes become literal tokens nothing may consume).
2. Read the intent from the first words (`intents.py`).
3. Scan the rest left to right; at each token the recognisers are tried in a fixed order and the
   first that matches claims its tokens (so spans never overlap).
4. Settle conflicts (two due dates, two priorities): keep the explicit one, report the others as
   alternatives, lower the confidence.
5. Fill the fields, take the title from what is left, look for near-misses in the title.

Confidence is the minimum over the intent, every entity, and every doubt raised along the way: one
shaky piece makes the whole line shaky, which is what should decide whether to ask.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from mhv.nlp import entities
from mhv.nlp.context import Ctx, Hit
from mhv.nlp.dates import MONTHS, WEEKDAYS, When, fmt_day, is_int, low
from mhv.nlp.entities import (
    match_at_repo,
    match_bare_tag,
    match_dependency,
    match_estimate,
    match_in_repo,
    match_key_value,
    match_priority,
    match_status,
    match_tag,
    refs_at,
)
from mhv.nlp.fuzzy import near_keyword
from mhv.nlp.intents import IntentHit, detect_intent
from mhv.nlp.lexer import Token, remove_spans, tidy_title, tokenize
from mhv.nlp.model import DEFAULT_SETTINGS, Entity, Intent, Parse, ParseSettings
from mhv.nlp.recurrence import first_occurrence, match_recurrence
from mhv.nlp.times import match_when, resolve_time_only

_SCHEDULE_WORDS = frozenset(
    {"start", "starts", "starting", "scheduled", "sched", "begin", "begins", "beginning"}
)
_STRONG_PREPS = frozenset({"due", "by", "before", "until", "till", "til"})
_SINGLE_KINDS = ("due", "time", "scheduled", "wait", "until", "priority", "repo", "estimate", "recurrence")
_LIST_FILLER = frozenset(
    {
        "tasks",
        "task",
        "todos",
        "todo",
        "items",
        "issues",
        "all",
        "my",
        "me",
        "the",
        "are",
        "is",
        "that",
        "which",
        "with",
        "what's",
        "whats",
        "what",
    }
)
PAST_READING = "a date in the past: a due date must be today or later"
_VAGUE_MONTHS = frozenset(m for m in MONTHS if len(m) > 3 and m not in ("may", "march", "sept"))


class _Doubt:
    __slots__ = ("alternative", "confidence")

    def __init__(self, confidence: float, alternative: dict[str, Any] | None = None) -> None:
        self.confidence = confidence
        self.alternative = alternative


class _State:
    __slots__ = ("ctx", "doubts", "hits", "intent")

    def __init__(self, ctx: Ctx, intent: IntentHit, hits: list[Hit]) -> None:
        self.ctx = ctx
        self.intent = intent
        self.hits = hits
        self.doubts: list[_Doubt] = []


def parse(
    text: str,
    *,
    now: datetime,
    known_repos: Collection[str] = (),
    settings: ParseSettings | None = None,
) -> Parse:
    """Read one quick-add line. `now` is the local, timezone-aware clock; nothing else is read."""
    settings = settings or DEFAULT_SETTINGS
    toks = tokenize(text)
    known = {r.lower(): r for r in known_repos}
    ctx = Ctx(text, toks, len(toks), now, now.date(), settings, known)
    ih = detect_intent(ctx)
    hits = list(ih.pieces)
    if ih.mode != "rename":
        hits.extend(_scan(ctx, ih.body, ih.mode))
    state = _State(ctx, ih, hits)
    if ih.mode == "ref":
        _decide_ref(state)
    _settle_conflicts(state)
    return _assemble(state)


# --- scanning ---------------------------------------------------------------------------------


def _scan(ctx: Ctx, i: int, mode: str) -> list[Hit]:
    out: list[Hit] = []
    toks = ctx.toks
    while i < ctx.n:
        tok = toks[i]
        if tok.literal or tok.kind == "punct":
            i += 1
            continue
        hit = _match_at(ctx, i, mode)
        if hit is None:
            i += 1
            continue
        out.append(hit)
        if hit.kind == "intent" and mode == "set" and tok.low in ("title", "name"):
            break  # `set 42 title ...`: the rest is the new title
        i = max(hit.end, i + 1)
    return out


def _when_hit(when: When, strong: bool, kind: str | None = None) -> Hit:
    if kind is None:
        kind = "due" if when.day is not None else "time"
    return Hit(kind, when.start, when.end, None, when.confidence, list(when.alternatives), when, strong)


def _match_at(ctx: Ctx, i: int, mode: str) -> Hit | None:
    w = ctx.toks[i].low
    c = w[0]
    if ":" in w and len(w) > 2:
        hit = match_key_value(ctx, i)
        if hit is not None:
            return hit
    if c == "#":
        return match_tag(ctx, i)
    if c == "@" and len(w) > 1:
        return match_at_repo(ctx, i)
    if c == "~":
        return match_estimate(ctx, i)
    if c == "+":
        if w[1:2].isdigit():  # "+5 days"
            when = match_when(ctx, i)
            if when is not None:
                return _when_hit(when, False)
        return match_tag(ctx, i)
    hit = match_dependency(ctx, i)
    if hit is not None:
        return hit
    hit = match_recurrence(ctx, i)
    if hit is not None:
        return hit
    if w in _SCHEDULE_WORDS:
        k = i + 1 + (low(ctx, i + 1) in ("on", "for", "from"))
        when = match_when(ctx, k)
        if when is not None:
            when.start = i
            return _when_hit(when, True, "scheduled")
    set_mode = mode in ("set", "move")
    when = match_when(ctx, i, allow_to=set_mode)
    if when is not None:
        return _when_hit(when, w in _STRONG_PREPS)
    if mode in ("tag", "untag"):
        return match_bare_tag(ctx, i)
    hit = match_estimate(ctx, i) or match_priority(ctx, i) or match_in_repo(ctx, i, set_mode)
    if hit is not None:
        return hit
    if mode == "list":
        return match_status(ctx, i)
    if set_mode and w == "to":  # `change 42 to p2`, `move 42 to sprint 5`
        return Hit("intent", i, i + 1, Intent.UPDATE.value, 0.95)
    if mode == "set" and w in ("title", "name"):
        return Hit("intent", i, i + 1 + (low(ctx, i + 1) in ("to", "=")), Intent.UPDATE.value, 0.95)
    if mode in ("block", "unblock") and w in ("on", "by", "from"):
        got = refs_at(ctx, i + 1)
        if got is not None:
            return Hit("depends_on", i, got[1], got[0], got[2])
    return None


# --- deciding ---------------------------------------------------------------------------------


def _decide_ref(state: _State) -> None:
    """A line that starts with `#42`: a block (`#42 blocked by #41`), an update (`#42 p1 friday`),
    or, with words left over, a new task that mentions #42."""
    ih = state.intent
    body = [h for h in state.hits if h.kind != "target"]
    covered = _covered(state.hits)
    leftover = any(
        t.kind in ("word", "quote", "escape") and k not in covered for k, t in enumerate(state.ctx.toks)
    )
    if leftover:
        state.hits = body
        ih.intent, ih.confidence, ih.mode, ih.target = Intent.CREATE, 0.5, "create", None
        ih.alternatives.append(("a change to that task", "update"))
    elif body and all(h.kind in ("depends_on", "blocks") for h in body):
        ih.intent, ih.confidence, ih.mode = Intent.BLOCK, 0.93, "block"
    elif body:
        ih.intent, ih.confidence, ih.mode = Intent.UPDATE, 0.82, "set"
    else:
        ih.intent, ih.confidence, ih.mode = Intent.SHOW, 0.8, "plain"


def _covered(hits: list[Hit]) -> set[int]:
    out: set[int] = set()
    for h in hits:
        out.update(range(h.start, h.end))
    return out


def _same(a: Hit, b: Hit) -> bool:
    if a.when is not None and b.when is not None and a.kind != "recurrence":
        return (a.when.day, a.when.at) == (b.when.day, b.when.at)
    return bool(a.value == b.value)


def _settle_conflicts(state: _State) -> None:
    """One due date, one priority, one repository...: keep the explicit (or first) reading."""
    ctx = state.ctx
    dropped: list[Hit] = []
    for kind in _SINGLE_KINDS:
        group = [h for h in state.hits if h.kind == kind]
        if kind == "time":
            group += [
                h for h in state.hits if h.kind == "due" and h.when is not None and h.when.at is not None
            ]
        if len(group) < 2 or all(_same(group[0], h) for h in group[1:]):
            continue
        keep = next((h for h in group if h.strong), group[0])
        for h in group:
            if h is keep or _same(keep, h) or h in dropped:
                continue
            dropped.append(h)
            span = ctx.text[ctx.toks[h.start].start : ctx.toks[h.end - 1].end]
            state.doubts.append(
                _Doubt(
                    0.5,
                    {
                        "kind": kind,
                        "text": span,
                        "reading": f"{kind} {_describe(h)} instead",
                        "value": _hit_value(h),
                    },
                )
            )
    if dropped:
        state.hits = [h for h in state.hits if h not in dropped]


# --- assembling -------------------------------------------------------------------------------


def _describe(h: Hit) -> str:
    if h.when is not None and h.kind != "recurrence":
        parts = []
        if h.when.day is not None:
            parts.append(fmt_day(h.when.day))
        if h.when.at is not None:
            parts.append(h.when.at.strftime("%H:%M"))
        return " ".join(parts)
    return str(h.value)


def _hit_value(h: Hit) -> Any:
    if h.when is not None and h.kind != "recurrence":
        day, at = h.when.day, h.when.at
        if day is not None and at is not None:
            return f"{day.isoformat()}T{at:%H:%M}"
        if day is not None:
            return day.isoformat()
        return at.strftime("%H:%M") if at is not None else None
    return h.value


def _alt(
    kind: str, text: str, reading: str, value: Any = None, start: int | None = None, end: int | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "text": text, "reading": reading}
    if value is not None:
        out["value"] = value
    if start is not None:
        out["start"], out["end"] = start, end
    return out


def _assemble(state: _State) -> Parse:
    ctx, ih = state.ctx, state.intent
    text, toks = ctx.text, ctx.toks
    hits = sorted(state.hits, key=lambda h: h.start)
    mode = ih.mode
    intent = ih.intent
    confs: list[float] = [ih.confidence]
    alternatives: list[dict[str, Any]] = []
    for reading, value in ih.alternatives:
        alternatives.append(_alt("intent", text[toks[0].start : toks[0].end] if toks else "", reading, value))

    entities: list[Entity] = []
    due_date: date | None = None
    due_time: time | None = None
    sched_date: date | None = None
    sched_time: time | None = None
    wait_date: date | None = None
    until_date: date | None = None
    time_only: When | None = None
    rec_when: When | None = None
    window: tuple[date | None, date | None] | None = None
    fields: dict[str, Any] = {}
    tags: list[str] = []
    remove_tags: list[str] = []
    depends_on: list[int] = []
    blocks: list[int] = []
    status: str | None = None

    for h in hits:
        start, end = toks[h.start].start, toks[h.end - 1].end
        span = text[start:end]
        value = _hit_value(h)
        entities.append(Entity(h.kind, span, start, end, value, round(h.confidence, 2)))
        confs.append(h.confidence)
        for reading, alt_value in h.alternatives:
            alternatives.append(_alt(h.kind, span, reading, alt_value, start, end))
        when = h.when
        if h.kind == "due" and when is not None:
            if mode in ("list", "search"):
                window = _window(ctx, h, when)
            else:
                if when.past:  # "call bob yesterday": a new or changed task wants a date to come
                    state.doubts.append(_Doubt(0.5, _alt("past", span, PAST_READING, value, start, end)))
                due_date = when.day
                due_time = when.at or due_time
        elif h.kind == "time" and when is not None:
            time_only = when
        elif h.kind == "scheduled" and when is not None:
            sched_date, sched_time = when.day, when.at
            if sched_date is None and when.at is not None:
                sched_date = resolve_time_only(ctx.now, when.at)[0]
        elif h.kind == "wait" and when is not None:
            wait_date = when.day
        elif h.kind == "until" and when is not None:
            until_date = when.day
        elif h.kind == "tag":
            bucket = remove_tags if mode == "untag" else tags
            if value not in bucket:
                bucket.append(value)
        elif h.kind == "depends_on":
            depends_on.extend(n for n in value if n not in depends_on)
        elif h.kind == "blocks":
            blocks.extend(n for n in value if n not in blocks)
        elif h.kind == "status":
            status = value
        elif h.kind in ("priority", "repo", "estimate", "recurrence"):
            fields[h.kind] = value
            if h.kind == "recurrence" and when is not None:
                rec_when = when  # `every morning` (its time), `starting dec 1` (its first day)

    if time_only is None and rec_when is not None and rec_when.at is not None:
        time_only = rec_when
    if due_date is None and fields.get("recurrence") and mode == "create":
        # "water plants every monday (at 8am)": the first occurrence is the due date, as in Todoist;
        # "... starting dec 1": the first one from that day on.
        base = ctx.now
        if rec_when is not None and rec_when.day is not None and rec_when.day > ctx.today:
            base = datetime.combine(rec_when.day, time(0, 0), tzinfo=ctx.now.tzinfo)
        first = first_occurrence(fields["recurrence"], base, time_only.at if time_only else None)
        if first is not None:
            due_date = first.date()
            due_time = time_only.at if time_only is not None else None
            time_only = None
    if time_only is not None and time_only.at is not None:
        if mode in ("list", "search"):
            pass
        elif due_date is None:
            due_date, factor = resolve_time_only(ctx.now, time_only.at)
            due_time = time_only.at
            if factor < 1.0:
                confs.append(0.85)
        elif due_time is None:
            due_time = time_only.at

    spans = [(e.start, e.end) for e in entities]
    title = tidy_title(remove_spans(text, spans))
    covered = _covered(hits)
    _doubt_leftovers(state, covered, title)
    for d in state.doubts:
        confs.append(d.confidence)
        if d.alternative is not None:
            alternatives.append(d.alternative)

    query: str | None = None
    new_title: str | None = None
    changes: list[str] = []
    if intent == Intent.CREATE and not title:
        confs.append(0.3)
    elif intent == Intent.SEARCH:
        query = title or None
        if not title and not entities[1:]:
            confs.append(0.4)
    elif intent == Intent.LIST:
        words = [
            t.text
            for k, t in enumerate(toks)
            if k not in covered and t.kind != "punct" and t.low not in _LIST_FILLER
        ]
        query = tidy_title(" ".join(words)) or None
        if status is None and any(t.low == "overdue" for t in toks):
            status = "overdue"
    elif intent == Intent.UPDATE:
        if mode == "rename" or (
            mode == "set" and any(h.kind == "intent" and low(ctx, h.start) in ("title", "name") for h in hits)
        ):
            new_title = title or None
            if not title:
                confs.append(0.3)
        changes = _changes(
            due_date, due_time, sched_date, wait_date, until_date, fields, tags, remove_tags, depends_on, blocks, new_title
        )
        if not changes:
            confs.append(0.4)
        elif title and new_title is None:
            confs.append(0.5)
            alternatives.append(_alt("title", title, "words not understood as a change"))
    elif intent == Intent.BLOCK:
        if not depends_on and not blocks and mode != "unblock":
            confs.append(0.6)
        if title:
            confs.append(0.5)
    elif intent != Intent.CREATE and title:  # show / start / complete / delete with words left over
        confs.append(0.6)

    confidence = round(max(0.0, min(confs)), 2)
    return Parse(
        intent=intent.value,
        confidence=confidence,
        title=title,
        due_date=due_date,
        due_time=due_time,
        scheduled_date=sched_date,
        scheduled_time=sched_time,
        wait_date=wait_date,
        until_date=until_date,
        priority=fields.get("priority"),
        tags=tags,
        repo=fields.get("repo"),
        estimate_minutes=fields.get("estimate"),
        recurrence=fields.get("recurrence"),
        depends_on=depends_on,
        blocks=blocks,
        target=ih.target,
        entities=entities,
        alternatives=alternatives,
        query=query,
        status=status,
        due_from=window[0] if window else None,
        due_to=window[1] if window else None,
        new_title=new_title,
        changes=changes,
        remove_tags=remove_tags,
        unblock=mode == "unblock",
        threshold=ctx.settings.confidence_threshold,
    )


def _window(ctx: Ctx, h: Hit, when: When) -> tuple[date | None, date | None]:
    """A due filter for a list: `due this week` -> the week; `due by friday` -> up to Friday."""
    first = low(ctx, h.start)
    if first in ("by", "before", "until", "till") or (
        first == "due" and low(ctx, h.start + 1) in ("by", "before")
    ):
        return None, when.day
    if when.window is not None:
        return when.window
    return when.day, when.day


def _changes(
    due_date: date | None,
    due_time: time | None,
    sched_date: date | None,
    wait_date: date | None,
    until_date: date | None,
    fields: dict[str, Any],
    tags: list[str],
    remove_tags: list[str],
    depends_on: list[int],
    blocks: list[int],
    new_title: str | None,
) -> list[str]:
    out = []
    if new_title:
        out.append("title")
    if due_date is not None:
        out.append("due_date")
    if due_time is not None:
        out.append("due_time")
    if sched_date is not None:
        out.append("scheduled_date")
    if wait_date is not None:
        out.append("wait_date")
    if until_date is not None:
        out.append("until_date")
    for key, name in (
        ("priority", "priority"),
        ("repo", "repo"),
        ("estimate", "estimate_minutes"),
        ("recurrence", "recurrence"),
    ):
        if key in fields:
            out.append(name)
    for values, name in (
        (tags, "tags"),
        (remove_tags, "remove_tags"),
        (depends_on, "depends_on"),
        (blocks, "blocks"),
    ):
        if values:
            out.append(name)
    return out


def _doubt_leftovers(state: _State, covered: set[int], title: str) -> None:
    """Words left in the title that look like a missed piece: a typo of a keyword, `due` or `every`
    followed by something unreadable, a bare month, a near-miss of a known repository."""
    ctx = state.ctx
    toks = ctx.toks
    for k, tok in enumerate(toks):
        if k in covered or tok.kind != "word":
            continue
        w = tok.low
        near = near_keyword(w)
        if near is not None:
            state.doubts.append(
                _Doubt(0.45, _alt("typo", tok.text, f"did you mean '{near}'?", near, tok.start, tok.end))
            )
            continue
        if w in ("due", "every") and k + 1 < ctx.n and (k + 1) not in covered and toks[k + 1].kind == "word":
            state.doubts.append(
                _Doubt(
                    0.5,
                    _alt(
                        "due" if w == "due" else "recurrence",
                        tok.text,
                        f"'{w} {toks[k + 1].text}' was not understood",
                        None,
                        tok.start,
                        toks[k + 1].end,
                    ),
                )
            )
            continue
        if is_int(w) and len(w) <= 2 and 1 <= int(w) <= 12 and k > 0 and _after_when_word(toks, covered, k):
            state.doubts.append(
                _Doubt(0.55, _alt("time", tok.text, f"{w} o'clock?", None, tok.start, tok.end))
            )
            continue
        if w == "in" and k + 1 < ctx.n and is_int(toks[k + 1].low) and (k + 1) not in covered:
            state.doubts.append(
                _Doubt(
                    0.55,
                    _alt(
                        "due",
                        toks[k + 1].text,
                        f"in {toks[k + 1].text} what?",
                        None,
                        tok.start,
                        toks[k + 1].end,
                    ),
                )
            )
            continue
        if w in _VAGUE_MONTHS:
            state.doubts.append(
                _Doubt(0.72, _alt("due", tok.text, f"a date in {w.capitalize()}?", None, tok.start, tok.end))
            )
            continue
        if w in ("in", "for") and ctx.known and k + 1 < ctx.n and (k + 1) not in covered:
            name = toks[k + 1].low
            near_repo = entities.near_repo(ctx, name)
            if near_repo is not None:
                state.doubts.append(
                    _Doubt(
                        0.55,
                        _alt(
                            "repo",
                            toks[k + 1].text,
                            f"repository {near_repo}?",
                            near_repo,
                            toks[k + 1].start,
                            toks[k + 1].end,
                        ),
                    )
                )
                continue
        if w == "in" and k + 2 == ctx.n and _looks_like_repo_name(toks[k + 1]) and (k + 1) not in covered:
            # "update readme in docs": docs is not a registered repository, so the words stay in the
            # title; say so (a little less sure) rather than guess either way in silence.
            name = toks[k + 1].text
            state.doubts.append(
                _Doubt(0.8, _alt("repo", name, f"repository '{name}'? (not registered)", name.lower(),
                                 toks[k + 1].start, toks[k + 1].end))
            )
    if state.intent.intent == Intent.CREATE and title:
        words = title.split()
        if len(words) == 2 and is_int(words[1]) and words[0].isalpha() and len(words[1]) <= 6:
            state.doubts.append(_Doubt(0.55, _alt("target", words[1], f"task #{words[1]}?", int(words[1]))))


_TIME_PREPS = frozenset({"at", "by", "before", "until", "around", "from"})
_NOT_REPO_NAMES = frozenset({"the", "a", "an", "my", "our", "your", "it", "this", "that", "there", "here",
                             "progress", "general", "time", "detail", "details", "full", "person", "advance"})


def _looks_like_repo_name(tok: Token) -> bool:
    text = tok.text
    return (tok.kind == "word" and 2 <= len(text) <= 40 and text[0].isalpha() and text.lower() == text
            and text not in _NOT_REPO_NAMES and all(c.isalnum() or c in "-_." for c in text))  # fmt: skip


def _after_when_word(toks: list[Token], covered: set[int], k: int) -> bool:
    """Token k-1 is a leftover time preposition (`before 5`) or the end of a recognised date."""
    prev = toks[k - 1]
    if (k - 1) not in covered:
        return prev.low in _TIME_PREPS
    return prev.low in WEEKDAYS or prev.low in ("today", "tomorrow", "tmr", "tmrw", "tonight")
