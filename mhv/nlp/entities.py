"""Recognisers for everything that is not a date: tags, repositories, priority, estimates,
recurrence, dependencies, list filters, and the Taskwarrior `key:value` forms.

Each takes the token context and an index and returns a `Hit` over tokens `[start, end)` or None.
"""

from __future__ import annotations

import re
from typing import Any

from mhv.nlp.context import Ctx, Hit
from mhv.nlp.dates import NUMBER_WORDS, When, decimal, is_int, low
from mhv.nlp.lexer import tokenize
from mhv.nlp.recurrence import recurrence_from_value
from mhv.nlp.times import match_when, resolve_time_only

# --- task references --------------------------------------------------------------------------

_REF_RE = re.compile(r"^(?:#|mhv-)?(\d{1,7})$", re.ASCII)


def ref_at(ctx: Ctx, k: int) -> tuple[int, float] | None:
    """`#42`, `mhv-42` (sure) or `42` (a bare number: less sure) -> (number, confidence)."""
    w = low(ctx, k)
    if not w:
        return None
    m = _REF_RE.match(w)
    if m is None:
        return None
    number = int(m.group(1))
    if number == 0:
        return None
    return number, (0.97 if w[0] in "#m" else 0.88)


def refs_at(ctx: Ctx, k: int) -> tuple[list[int], int, float] | None:
    """One or more references: `#41`, `#41, #40 and #39`. -> (numbers, next index, min confidence)."""
    first = ref_at(ctx, k)
    if first is None:
        return None
    numbers = [first[0]]
    conf = first[1]
    j = k + 1
    while low(ctx, j) in (",", "and", "&"):
        nxt = ref_at(ctx, j + 1)
        if nxt is None:
            break
        numbers.append(nxt[0])
        conf = min(conf, nxt[1])
        j += 2
    return numbers, j, conf


# --- tags and repositories --------------------------------------------------------------------

_TAG_RE = re.compile(r"^#(?!\d+$)([^\W_][\w\-/.]*)$")
_PLUS_TAG_RE = re.compile(r"^\+([^\W\d][\w\-/.]*)$")
_BARE_TAG_RE = re.compile(r"^[^\W\d][\w\-/.]*$")
_AT_REPO_RE = re.compile(r"^@([\w][\w.\-/]*)$")
_NAME_RE = re.compile(r"^[\w][\w.\-/]*$")


def match_tag(ctx: Ctx, i: int) -> Hit | None:
    w = low(ctx, i)
    m = _TAG_RE.match(w)
    if m is not None:
        return Hit("tag", i, i + 1, m.group(1), 0.98)
    m = _PLUS_TAG_RE.match(w)
    if m is not None and (i == 0 or ctx.toks[i - 1].end < ctx.toks[i].start):
        return Hit("tag", i, i + 1, m.group(1), 0.9)
    return None


def match_bare_tag(ctx: Ctx, i: int) -> Hit | None:
    """After `tag 42`: plain words are tags too (`tag 42 ci perf`)."""
    w = low(ctx, i)
    if _BARE_TAG_RE.match(w):
        return Hit("tag", i, i + 1, w, 0.85)
    return None


def repo_value(ctx: Ctx, name: str, sure: float) -> tuple[str, float, list[tuple[str, Any]]]:
    """Normalise a repository name against the known ones: (name, confidence, alternatives)."""
    canonical = ctx.known.get(name.lower())
    if canonical is not None:
        return canonical, sure, []
    if not ctx.known:
        return name, sure - 0.07, []
    near = near_repo(ctx, name.lower())
    if near is not None:
        return name, 0.5, [(f"repository {near}?", near)]
    return name, 0.65, [(f"'{name}' is not a known repository", None)]


def near_repo(ctx: Ctx, name: str) -> str | None:
    """A known repository `name` (lower-cased) nearly spells: a prefix, or one edit away."""
    if len(name) < 3 or name in ctx.known:
        return None
    for low_name, canonical in ctx.known.items():
        if low_name.startswith(name) or (len(name) >= 5 and name.startswith(low_name)):
            return canonical
        if abs(len(low_name) - len(name)) <= 1 and len(name) >= 5 and _one_edit(name, low_name):
            return canonical
    return None


def _one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by one insertion, deletion or substitution."""
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def match_at_repo(ctx: Ctx, i: int) -> Hit | None:
    tok = ctx.toks[i]
    m = _AT_REPO_RE.match(tok.text)
    if m is None:
        return None
    name, conf, alts = repo_value(ctx, m.group(1), 0.97)
    return Hit("repo", i, i + 1, name, conf, alts)


def match_in_repo(ctx: Ctx, i: int, set_mode: bool) -> Hit | None:
    """`in crackerjack` / `for crackerjack` when it is a known repository; `repo X` after `set 42`."""
    w = low(ctx, i)
    if w in ("in", "for", "to") and i + 1 < ctx.n:
        if w == "to" and not set_mode:
            return None
        k = i + 1
        if low(ctx, k) == "the" and low(ctx, k + 2) in ("repo", "repository", "project"):
            k += 1
        name = ctx.toks[k].text if not ctx.toks[k].literal else ""
        canonical = ctx.known.get(name.lower())
        if canonical is None:
            return None
        end = k + 1
        if low(ctx, end) in ("repo", "repository", "project"):
            end += 1
        return Hit("repo", i, end, canonical, 0.9 if w == "in" else 0.85)
    if set_mode and w in ("repo", "repository", "project"):
        k = i + 1
        if low(ctx, k) in ("to", "=", "is"):
            k += 1
        if k < ctx.n and not ctx.toks[k].literal and _NAME_RE.match(ctx.toks[k].text):
            name, conf, alts = repo_value(ctx, ctx.toks[k].text, 0.93)
            return Hit("repo", i, k + 1, name, conf, alts)
    return None


# --- priority ---------------------------------------------------------------------------------

_LEVELS: dict[str, str] = {
    "critical": "critical", "crit": "critical", "c": "critical", "urgent": "critical", "top": "critical",
    "highest": "critical", "1": "critical", "p1": "critical",
    "high": "high", "h": "high", "hi": "high", "2": "high", "p2": "high",
    "medium": "medium", "med": "medium", "m": "medium", "normal": "medium", "3": "medium", "p3": "medium",
    "low": "low", "l": "low", "lo": "low", "lowest": "low", "4": "low", "p4": "low",
}  # fmt: skip
_P_RE = re.compile(r"^p([1-4])$", re.ASCII)
_PRIO_WORDS = frozenset({"priority", "prio", "pri"})
_LEVEL_WORD_RE = re.compile(r"^(critical|top|high|medium|normal|low)-(priority|prio)$")


def match_priority(ctx: Ctx, i: int) -> Hit | None:
    w = low(ctx, i)
    m = _P_RE.match(w)
    if m is not None:
        return Hit("priority", i, i + 1, _LEVELS[w], 0.95)
    if w in ("urgent", "asap"):
        return Hit("priority", i, i + 1, "critical", 0.85)
    if w in ("critical", "important"):
        return Hit("priority", i, i + 1, "critical" if w == "critical" else "high", 0.75)
    m = _LEVEL_WORD_RE.match(w)
    if m is not None:
        return Hit("priority", i, i + 1, _LEVELS[m.group(1)], 0.95)
    if (
        w in ("critical", "top", "high", "highest", "medium", "normal", "low", "lowest")
        and low(ctx, i + 1) in _PRIO_WORDS
    ):
        return Hit("priority", i, i + 2, _LEVELS[w], 0.95)
    if w in _PRIO_WORDS:
        k = i + 1
        if low(ctx, k) in ("to", "=", "is"):
            k += 1
        level = _LEVELS.get(low(ctx, k))
        if level is not None:
            return Hit("priority", i, k + 1, level, 0.93)
    if w == "not" and low(ctx, i + 1) == "urgent":
        return Hit("priority", i, i + 2, "low", 0.8)
    if w == "no" and low(ctx, i + 1) == "rush":
        return Hit("priority", i, i + 2, "low", 0.75)
    return None


# --- estimates --------------------------------------------------------------------------------

_DURATION_RE = re.compile(
    r"^(?:(\d+(?:\.\d+)?)(w|wks?|weeks?))?(?:(\d+(?:\.\d+)?)(d|days?))?(?:(\d+(?:\.\d+)?)(h|hrs?|hours?))?"
    r"(?:(\d+)(m|mins?|minutes?))?$",
    re.ASCII,
)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 8 * 60, "w": 5 * 8 * 60}  # a day of work is 8 h, a week 5 days
_WORD_UNITS = {
    "minute": "m", "minutes": "m", "min": "m", "mins": "m", "m": "m",
    "hour": "h", "hours": "h", "hr": "h", "hrs": "h", "h": "h",
    "day": "d", "days": "d", "d": "d", "week": "w", "weeks": "w", "w": "w",
}  # fmt: skip


def parse_duration(s: str) -> int | None:
    """`2h`, `30m`, `1.5h`, `1d`, `1h30m`, `90min` -> minutes."""
    if not s or not is_int(s[0]):
        return None
    m = _DURATION_RE.match(s)
    if m is None or not any(m.groups()):
        return None
    total = 0.0
    for k, unit in ((1, "w"), (3, "d"), (5, "h"), (7, "m")):
        if m.group(k):
            total += float(m.group(k)) * _UNIT_MINUTES[unit]
    minutes = round(total)
    return minutes if 0 < minutes <= 100_000 else None


def format_minutes(minutes: int) -> str:
    """90 -> `1h30m`, 120 -> `2h`, 45 -> `45m`: the inverse of `parse_duration`, for display."""
    hours, mins = divmod(minutes, 60)
    if not hours:
        return f"{mins}m"
    return f"{hours}h{mins:02d}m" if mins else f"{hours}h"


def _spoken_duration(ctx: Ctx, k: int) -> tuple[int, int] | None:
    """`2 hours`, `an hour`, `half an hour`, `2h`, `~2h` at token k -> (minutes, next index)."""
    w = low(ctx, k)
    if w.startswith("~"):
        w = w[1:]
    minutes = parse_duration(w)
    if minutes is not None:
        return minutes, k + 1
    if w == "half" and low(ctx, k + 1) in ("an", "a") and low(ctx, k + 2) in ("hour", "day"):
        return (30 if low(ctx, k + 2) == "hour" else 240), k + 3
    n: float | None = NUMBER_WORDS.get(w) if w not in ("few", "couple") else None
    if n is None:
        n = decimal(w)
        if n is None:
            return None
    unit = _WORD_UNITS.get(low(ctx, k + 1))
    if unit is None or len(low(ctx, k + 1)) == 1:
        return None
    minutes = round(n * _UNIT_MINUTES[unit])
    return (minutes, k + 2) if 0 < minutes <= 100_000 else None


def match_estimate(ctx: Ctx, i: int) -> Hit | None:
    w = low(ctx, i)
    if w.startswith("~"):
        minutes = parse_duration(w[1:])
        if minutes is not None:
            return Hit("estimate", i, i + 1, minutes, 0.98)
        if is_int(w[1:]) and len(w) < 7 and int(w[1:]) > 0:  # "~90": minutes, most likely
            n = int(w[1:])
            return Hit("estimate", i, i + 1, n, 0.55, [(f"{n} hours", n * 60)])
        return None
    if w in ("takes", "take", "estimate", "est", "estimated", "effort"):
        k = i + 1
        if low(ctx, k) in ("about", "around", "roughly", "~", "to", "at"):
            k += 1
        got = _spoken_duration(ctx, k)
        if got is not None:
            return Hit("estimate", i, got[1], got[0], 0.92)
    if w == "for":
        got = _spoken_duration(ctx, i + 1)
        if got is not None and not low(ctx, i + 1).startswith("~"):
            return Hit("estimate", i, got[1], got[0], 0.7, [("how long it lasts, not an estimate", None)])
    return None


# --- dependencies -----------------------------------------------------------------------------

_DEP_PHRASES: dict[tuple[str, ...], tuple[str, float]] = {
    ("after",): ("depends_on", 0.95),
    ("blocked", "by"): ("depends_on", 0.97),
    ("depends", "on"): ("depends_on", 0.97),
    ("depending", "on"): ("depends_on", 0.95),
    ("waiting", "on"): ("depends_on", 0.93),
    ("waiting", "for"): ("depends_on", 0.9),
    ("waits", "on"): ("depends_on", 0.93),
    ("requires",): ("depends_on", 0.85),
    ("blocks",): ("blocks", 0.95),
    ("blocking",): ("blocks", 0.93),
}


def match_dependency(ctx: Ctx, i: int) -> Hit | None:
    w = low(ctx, i)
    for phrase, (kind, conf) in _DEP_PHRASES.items():
        if phrase[0] != w:
            continue
        k = i + 1
        if len(phrase) == 2:
            if low(ctx, k) != phrase[1]:
                continue
            k += 1
        got = refs_at(ctx, k)
        if got is None:
            continue
        numbers, j, ref_conf = got
        if ref_conf < 0.9 and w == "after":
            # "after 41": task 41, or 41 of something? Say so rather than guess silently.
            return Hit(
                kind,
                i,
                j,
                numbers,
                0.55,
                [(f"'{ctx.text[ctx.toks[i].start : ctx.toks[j - 1].end]}' as title text", None)],
            )
        return Hit(kind, i, j, numbers, min(conf, ref_conf + 0.05))
    return None


# --- list filters -----------------------------------------------------------------------------

STATUS_WORDS: dict[str, str] = {
    "blocked": "blocked", "pending": "pending", "open": "open", "active": "in_progress",
    "started": "in_progress", "in-progress": "in_progress", "wip": "in_progress", "done": "completed",
    "completed": "completed", "finished": "completed", "closed": "completed", "cancelled": "cancelled",
    "canceled": "cancelled", "overdue": "overdue", "waiting": "blocked", "todo": "pending",
}  # fmt: skip


def match_status(ctx: Ctx, i: int) -> Hit | None:
    w = low(ctx, i)
    if w == "in" and low(ctx, i + 1) == "progress":
        return Hit("status", i, i + 2, "in_progress", 0.9)
    status = STATUS_WORDS.get(w)
    if status is not None:
        return Hit("status", i, i + 1, status, 0.9)
    return None


# --- Taskwarrior key:value --------------------------------------------------------------------

_KV_RE = re.compile(r"^([a-z_]+):(.+)$")


def _sub_when(ctx: Ctx, value: str) -> When | None:
    """Read the value of `due:...`: a Taskwarrior name (`eoq`, `1st`, `january`, `later`), a duration
    from now (`3d`, `+1w`, `P1W`), an ISO form (`20261205T1630`), else the date recognisers, which
    must consume it whole. `later`/`someday` give a `When` with neither day nor time."""
    from mhv.nlp.named import NO_DATE, iso_date, named_date, offset  # loaded on the first `key:value`

    got = named_date(value, ctx.now, ctx.settings.week_start)
    if got is None:
        got = iso_date(value) or offset(value, ctx.now)
    if got == NO_DATE:
        return When(0, 1, None, None, 0.95)
    if isinstance(got, tuple):
        return When(0, 1, got[0], got[1], 0.95)
    toks = tokenize(value)
    sub = Ctx(value, toks, len(toks), ctx.now, ctx.today, ctx.settings, ctx.known)
    when = match_when(sub, 0)
    if when is None or when.end != len(toks):
        return None
    return when


def match_key_value(ctx: Ctx, i: int) -> Hit | None:
    tok = ctx.toks[i]
    m = _KV_RE.match(tok.low)
    if m is None:
        return None
    key, value = m.group(1), m.group(2)
    raw_value = tok.text[len(key) + 1 :]
    if key in ("due", "scheduled", "sched", "sch", "start", "wait", "until"):
        when = _sub_when(ctx, value)
        if when is None:
            return None
        kind = key if key in ("due", "wait", "until") else "scheduled"
        if when.day is None and when.at is None:  # `due:someday`: understood, no date
            return Hit(kind, i, i + 1, value, 0.95, strong=True)
        if when.day is None:
            if kind == "due":
                kind = "time"
            elif kind in ("wait", "until"):
                when.day = resolve_time_only(ctx.now, when.at)[0] if when.at else None
        return Hit(
            kind,
            i,
            i + 1,
            None,
            min(0.98, when.confidence + 0.03),
            list(when.alternatives),
            when,
            strong=True,
        )
    if key in ("pri", "prio", "priority"):
        level = _LEVELS.get(value)
        return None if level is None else Hit("priority", i, i + 1, level, 0.98, strong=True)
    if key in ("project", "proj", "pro", "repo", "repository"):
        if not _NAME_RE.match(raw_value):
            return None
        name, conf, alts = repo_value(ctx, raw_value, 0.97)
        return Hit("repo", i, i + 1, name, conf, alts, strong=True)
    if key in ("est", "estimate", "effort", "duration", "dur"):
        minutes = parse_duration(value)
        if minutes is None and value[:1] == "p":
            from mhv.nlp.named import iso_estimate

            minutes = iso_estimate(value)  # est:PT90M
        return None if minutes is None else Hit("estimate", i, i + 1, minutes, 0.98, strong=True)
    if key in ("recur", "recurrence", "repeat", "every"):
        rule = recurrence_from_value(value)
        return None if rule is None else Hit("recurrence", i, i + 1, rule, 0.97, strong=True)
    if key in ("depends", "dep", "deps", "after", "blocks", "blocked"):
        numbers: list[int] = []
        for part in value.split(","):
            if part:
                rm = _REF_RE.match(part)
                if rm is None or int(rm.group(1)) == 0:
                    return None
                numbers.append(int(rm.group(1)))
        j = i + 1
        while low(ctx, j) == "," and ref_at(ctx, j + 1) is not None:
            ref = ref_at(ctx, j + 1)
            assert ref is not None
            numbers.append(ref[0])
            j += 2
        if not numbers:
            return None
        kind = "blocks" if key == "blocks" else "depends_on"
        return Hit(kind, i, j, numbers, 0.97, strong=True)
    if key in ("tag", "tags"):
        tags = [t for t in value.split(",") if _BARE_TAG_RE.match(t)]
        return None if len(tags) != 1 else Hit("tag", i, i + 1, tags[0], 0.97)
    return None
