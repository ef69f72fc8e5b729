"""What the line asks for, read from its first words: `done #42`, `move #42 to friday`, `?auth`.

A command verb becomes an intent only when a task reference follows it (`delete 42`); without one
the line is a task title (`delete old branches`). The intent's words are reported as entities of
kind `intent`, the task number as kind `target`.
"""

from __future__ import annotations

from typing import Any

from mhv.nlp.context import Ctx, Hit
from mhv.nlp.dates import low
from mhv.nlp.entities import STATUS_WORDS, ref_at
from mhv.nlp.model import Intent

# mode: how the rest of the line is read
#   create | list | search | plain (show/start/complete/delete) | move | set | tag | untag | rename
#   | block | unblock | ref (a line that starts with a task number: decided after the scan)

_SEARCH = {"search": 0.93, "find": 0.75, "grep": 0.9, "lookup": 0.9}
_SHOW = frozenset({"show", "open", "view", "details", "info", "describe", "inspect", "display"})
_START = frozenset({"start", "begin", "resume"})
_COMPLETE = frozenset({"done", "finish", "complete", "close", "resolve", "finished", "completed"})
_DONE_WORDS = frozenset({"done", "complete", "completed", "finished", "closed", "resolved"})
_DELETE = frozenset({"delete", "remove", "rm", "del", "drop", "trash"})
_MOVE = frozenset({"move", "reschedule", "postpone", "defer", "push", "bump"})
_SET = frozenset({"set", "change", "update", "edit", "modify"})
_DEP_STARTS = frozenset({"blocked", "depends", "blocks", "blocking", "waiting", "after"})
_LIST_NOUNS = frozenset({"tasks", "task", "todos", "items", "issues"})


class IntentHit:
    __slots__ = ("alternatives", "body", "confidence", "intent", "mode", "pieces", "target")

    def __init__(
        self,
        intent: Intent,
        confidence: float,
        mode: str,
        body: int,
        pieces: list[Hit] | None = None,
        target: int | None = None,
        alternatives: list[tuple[str, Any]] | None = None,
    ) -> None:
        self.intent = intent
        self.confidence = confidence
        self.mode = mode
        self.body = body  # token index where the rest of the line starts
        self.pieces = pieces if pieces is not None else []
        self.target = target
        self.alternatives = alternatives if alternatives is not None else []


def _verb(k: int, j: int, intent: Intent, conf: float = 0.97) -> Hit:
    return Hit("intent", k, j, intent.value, conf)


def _target(k: int, number: int, conf: float) -> Hit:
    return Hit("target", k, k + 1, number, conf)


def detect_intent(ctx: Ctx) -> IntentHit:
    if ctx.n == 0:
        return IntentHit(Intent.CREATE, 0.3, "create", 0)
    t0 = ctx.toks[0]
    w0 = low(ctx, 0)
    w1 = low(ctx, 1)

    if t0.kind == "punct" and w0 == "?":
        return IntentHit(Intent.SEARCH, 0.95, "search", 1, [_verb(0, 1, Intent.SEARCH, 0.95)])

    if w0 in _SEARCH or (w0 == "look" and w1 == "for"):
        j = 2 if (w0 == "look" or (w0 == "search" and w1 == "for")) else 1
        conf = 0.9 if w0 == "look" else _SEARCH[w0]
        alts: list[tuple[str, Any]] = []
        if w0 == "find":
            alts.append(("create a task titled as typed", "create"))
        return IntentHit(
            Intent.SEARCH, conf, "search", j, [_verb(0, j, Intent.SEARCH, conf)], alternatives=alts
        )

    if w0 in ("list", "ls"):
        return IntentHit(Intent.LIST, 0.95, "list", 1, [_verb(0, 1, Intent.LIST, 0.95)])

    ref1 = ref_at(ctx, 1)
    if w0 in _SHOW:
        if ref1 is not None:
            return _with_target(Intent.SHOW, "plain", 0.95, ref1, [_verb(0, 1, Intent.SHOW)])
        if w0 in ("show", "display"):
            j = 2 if w1 == "me" else 1
            return IntentHit(Intent.LIST, 0.88, "list", j, [_verb(0, j, Intent.LIST, 0.88)])
        return IntentHit(Intent.CREATE, 0.95, "create", 0)

    if w0 in ("what's", "whats", "what", "what’s"):
        j = 1
        if w0 == "what" and w1 in ("is", "are", "'s"):
            j = 2
        if j < ctx.n and low(ctx, j) in ("due", "blocked", "overdue", "pending", "open", "next", "left"):
            return IntentHit(Intent.LIST, 0.9, "list", j, [_verb(0, j, Intent.LIST, 0.9)])
        return IntentHit(Intent.CREATE, 0.95, "create", 0)

    if (w0 in STATUS_WORDS and w0 not in ("done", "open", "todo") and w1 in _LIST_NOUNS) or (
        w0 in ("my", "all") and w1 in _LIST_NOUNS
    ):
        return IntentHit(Intent.LIST, 0.8, "list", 0)

    if w0 in _START and ref1 is not None:
        return _with_target(Intent.START, "plain", 0.95, ref1, [_verb(0, 1, Intent.START)])
    if w0 == "work" and w1 == "on" and ref_at(ctx, 2) is not None:
        ref2 = ref_at(ctx, 2)
        assert ref2 is not None
        return _with_target(Intent.START, "plain", 0.93, ref2, [_verb(0, 2, Intent.START)], at=2)

    if w0 in _COMPLETE:
        if ref1 is not None:
            return _with_target(Intent.COMPLETE, "plain", 0.95, ref1, [_verb(0, 1, Intent.COMPLETE)])
        if ctx.n == 1 and w0 == "done":
            return IntentHit(Intent.COMPLETE, 0.4, "plain", 1, [_verb(0, 1, Intent.COMPLETE, 0.4)])
    if w0 == "mark" and ref1 is not None:
        k = 2 + (low(ctx, 2) == "as")
        if low(ctx, k) in _DONE_WORDS:
            hit = _with_target(Intent.COMPLETE, "plain", 0.97, ref1, [_verb(0, 1, Intent.COMPLETE)])
            hit.pieces.append(_verb(2, k + 1, Intent.COMPLETE))
            hit.body = k + 1
            return hit
        if low(ctx, k) in ("started", "active") or (low(ctx, k) == "in" and low(ctx, k + 1) == "progress"):
            hit = _with_target(Intent.START, "plain", 0.93, ref1, [_verb(0, 1, Intent.START)])
            end = k + 1 + (low(ctx, k) == "in")
            hit.pieces.append(_verb(2, end, Intent.START))
            hit.body = end
            return hit

    if w0 in _DELETE and ref1 is not None:
        return _with_target(Intent.DELETE, "plain", 0.92, ref1, [_verb(0, 1, Intent.DELETE)])

    if w0 in ("block", "unblock") and ref1 is not None:
        mode = "unblock" if w0 == "unblock" else "block"
        return _with_target(Intent.BLOCK, mode, 0.95, ref1, [_verb(0, 1, Intent.BLOCK)])

    if ref1 is not None:
        if w0 in _MOVE:
            return _with_target(Intent.UPDATE, "move", 0.93, ref1, [_verb(0, 1, Intent.UPDATE)])
        if w0 in _SET:
            return _with_target(Intent.UPDATE, "set", 0.93, ref1, [_verb(0, 1, Intent.UPDATE)])
        if w0 in ("tag", "untag"):
            return _with_target(Intent.UPDATE, w0, 0.95, ref1, [_verb(0, 1, Intent.UPDATE)])
        if w0 in ("rename", "retitle"):
            hit = _with_target(Intent.UPDATE, "rename", 0.95, ref1, [_verb(0, 1, Intent.UPDATE)])
            if low(ctx, 2) in ("to", "as", ":"):
                hit.pieces.append(_verb(2, 3, Intent.UPDATE))
                hit.body = 3
            return hit

    ref0 = ref_at(ctx, 0)
    if ref0 is not None and (
        t0.text.startswith("#") or ctx.n == 1 or w1 in _DONE_WORDS or w1 == "is" or w1 in _DEP_STARTS
    ):
        number, conf = ref0
        target = _target(0, number, conf)
        if ctx.n == 1:
            sure = 0.85 if conf > 0.9 else 0.55
            alts = [] if conf > 0.9 else [("a task titled as typed", "create")]
            return IntentHit(Intent.SHOW, sure, "plain", 1, [target], number, alts)
        k = 1 + (w1 == "is")
        if low(ctx, k) in _DONE_WORDS:
            return IntentHit(
                Intent.COMPLETE, 0.92, "plain", k + 1, [target, _verb(1, k + 1, Intent.COMPLETE)], number
            )
        return IntentHit(Intent.UPDATE, 0.8, "ref", 1, [target], number)

    return IntentHit(Intent.CREATE, 0.95, "create", 0)


def _with_target(
    intent: Intent, mode: str, conf: float, ref: tuple[int, float], pieces: list[Hit], at: int = 1
) -> IntentHit:
    number, ref_conf = ref
    ref_conf = max(ref_conf, 0.95)  # right after a command verb, a number is a task number
    pieces.append(_target(at, number, ref_conf))
    return IntentHit(intent, min(conf, ref_conf + 0.07), mode, at + 1, pieces, number)
