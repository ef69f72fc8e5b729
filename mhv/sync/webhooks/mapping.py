"""What a forge delivery means for tasks, forge-neutral: an issue or a pull/merge request (``Item``),
a push (``Push``), a comment (``Comment``); and how each is applied through the task service.

One-way: the forge owns the fields it sends (title, description, its labels, assignee, milestone,
state, source fields); everything else about a task (priority, due, estimate, dependencies, worktree,
tags added locally) is mhv's and survives forge updates. Called inside the delivery's
``TaskService.bulk`` action, so every change here commits with the delivery row, as one undo step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mhv.store import Connection
from mhv.tasks.models import FINISHED_STATUSES, Task
from mhv.tasks.rows import SELECT_TASK, task_from_row
from mhv.tasks.service import TaskService

# `mhv-42` anywhere links a commit; a magic word before it (Linear's rule) also completes the task
# once the commit is on the default branch.
MENTION_RE = re.compile(r"(?<![\w-])mhv-(\d{1,9})\b", re.IGNORECASE)
MAGIC_RE = re.compile(
    r"\b(?:fix|fixes|fixed|close|closes|closed|resolve|resolves|resolved)\s*:?\s+mhv-(\d{1,9})\b",
    re.IGNORECASE,
)
_TAG_BAD = re.compile(r"[\s#@,\"']+")
COMMENT_LIMIT = 10_000


@dataclass(slots=True)
class Item:
    """An issue or a pull/merge request as the forge sent it."""

    provider: str  # github | gitlab
    ref: str  # github:owner/repo#12, gitlab:group/project#12 (issues), gitlab:group/project!12 (MRs)
    kind: str  # issue | pull_request | merge_request
    title: str
    url: str | None = None
    body: str = ""
    labels: list[str] = field(default_factory=list)
    assignee: str | None = None
    milestone: str | None = None
    draft: bool = False
    state: str = "open"
    status: str | None = None  # the task status this delivery asks for (None: leave it)
    repo_names: list[str] = field(default_factory=list)  # candidates: full name, short name
    repo_urls: list[str] = field(default_factory=list)
    old_ref: str | None = None  # transferred: the ref it had
    create: bool = True  # False: only update a task that exists (a deletion of an untracked issue)


@dataclass(slots=True)
class Commit:
    sha: str
    message: str
    url: str | None = None


@dataclass(slots=True)
class Push:
    provider: str
    branch: str | None  # None: a tag push
    default_branch: str | None
    commits: list[Commit]
    repo_names: list[str] = field(default_factory=list)
    repo_urls: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Comment:
    provider: str
    item: Item  # the issue / request commented on (created as a task when not tracked yet)
    author: str | None
    body: str
    url: str | None = None


Operation = Item | Push | Comment


@dataclass(slots=True)
class Applied:
    """What applying a delivery did: task numbers touched and one line per change."""

    tasks: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def touch(self, number: int, note: str) -> None:
        if number not in self.tasks:
            self.tasks.append(number)
        self.notes.append(note)


def label_tag(label: str) -> str | None:
    """A forge label as an mhv tag: lower case, spaces to dashes, at most 64 characters."""
    tag = _TAG_BAD.sub("-", label.strip().lower()).strip("-")[:64]
    return tag or None


def clip_title(title: str, fallback: str) -> str:
    text = " ".join(str(title or "").split())
    if not text:
        text = fallback
    return text if len(text) <= 200 else text[:199] + "…"


def normalise_remote(url: str | None) -> str | None:
    """``git@github.com:o/r.git``, ``https://github.com/o/r`` -> ``github.com/o/r`` (lower case)."""
    if not url:
        return None
    text = url.strip().lower().removesuffix("/").removesuffix(".git")
    text = re.sub(r"^[a-z+]+://", "", text)
    text = re.sub(r"^[^@/]+@", "", text)
    text = re.sub(r"^([^/:]+):(?!\d+/)", r"\1/", text)  # scp-like host:path
    text = re.sub(r"^([^/:]+):\d+/", r"\1/", text)  # a port
    return text or None


def match_repo(conn: Connection, names: list[str], urls: list[str]) -> str | None:
    """The registered repository this forge project is: by remote URL, else by name."""
    rows = conn.all("SELECT name, remote FROM repo")
    if not rows:
        return None
    wanted = {normalise_remote(u) for u in urls} - {None}
    for row in rows:
        if row["remote"] and normalise_remote(row["remote"]) in wanted:
            return str(row["name"])
    by_name = {str(r["name"]).lower(): str(r["name"]) for r in rows}
    for name in names:
        if name and name.lower() in by_name:
            return by_name[name.lower()]
    return None


def _find(conn: Connection, refs: list[str]) -> Task | None:
    for ref in refs:
        row = conn.one(SELECT_TASK + " WHERE source_ref = ? ORDER BY number LIMIT 1", (ref,))
        if row is not None:
            return task_from_row(row)
    return None


def _by_number(conn: Connection, number: int) -> Task | None:
    row = conn.one(SELECT_TASK + " WHERE number = ?", (number,))
    return task_from_row(row) if row is not None else None


class Applier:
    """Applies operations with one TaskService inside its open ``bulk`` action (``conn`` is that
    action's connection, so reads see the delivery's own earlier writes)."""

    def __init__(self, service: TaskService, act: Any) -> None:
        self.service = service
        self.act = act  # the open bulk action (TaskService.bulk)
        self.conn: Connection = act.conn
        self.result = Applied()

    def apply(self, op: Operation) -> None:
        if isinstance(op, Item):
            self.item(op)
        elif isinstance(op, Push):
            self.push(op)
        else:
            self.comment(op)

    # -- issues and pull/merge requests ---------------------------------------------------------
    def item(self, item: Item) -> Task | None:
        refs = [item.ref] + ([item.old_ref] if item.old_ref else [])
        task = _find(self.conn, refs)
        labels = [t for t in (label_tag(x) for x in item.labels) if t]
        if item.draft:
            labels.append("draft")
        labels = list(dict.fromkeys(labels))
        forge = {"kind": item.kind, "state": item.state, "labels": labels, "milestone": item.milestone,
                 "draft": item.draft}  # fmt: skip
        title = clip_title(item.title, f"{item.kind.replace('_', ' ')} {item.ref}")
        if task is None:
            if not item.create:
                self.result.notes.append(f"{item.ref} is not tracked: nothing to do")
                return None
            if item.status in FINISHED_STATUSES:
                self.result.notes.append(f"{item.ref} is {item.state} and not tracked: not imported")
                return None
            fields: dict[str, Any] = {
                "title": title, "description": item.body or "", "tags": labels, "assignee": item.assignee,
                "source": item.provider, "source_ref": item.ref, "source_url": item.url,
                "repo": match_repo(self.conn, item.repo_names, item.repo_urls), "metadata": {"forge": forge},
            }  # fmt: skip
            task = self.service.create(fields)
            self.result.touch(task.number, f"#{task.number} created from {item.ref}")
            return task
        found = task.metadata.get("forge")
        old_forge: dict[str, Any] = found if isinstance(found, dict) else {}
        old_labels = set(old_forge.get("labels") or [])
        local_tags = [t for t in task.tags if t not in old_labels]
        changes: dict[str, Any] = {}
        wanted: dict[str, Any] = {
            "title": title, "description": item.body or "", "assignee": item.assignee, "source": item.provider,
            "source_ref": item.ref, "source_url": item.url,
            "tags": list(dict.fromkeys(local_tags + labels)),
            "metadata": {**task.metadata, "forge": forge},
        }  # fmt: skip
        for name, value in wanted.items():
            if getattr(task, name) != value:
                changes[name] = value
        if task.repo is None:
            repo = match_repo(self.conn, item.repo_names, item.repo_urls)
            if repo is not None:
                changes["repo"] = repo
        if changes:
            task = self.service.update(task.number, changes)
            self.result.touch(task.number, f"#{task.number} updated ({', '.join(sorted(changes))})")
        self._status(task, item.status, item.ref)
        return task

    def _status(self, task: Task, status: str | None, why: str) -> None:
        if status is None or status == task.status:
            return
        if status == "completed":
            self.service.complete(task.number)
        elif status == "cancelled":
            self.service.cancel(task.number)
        elif status == "pending":
            if task.status not in FINISHED_STATUSES:
                return  # open already (pending, in progress or blocked): the forge reopening changes nothing
            self.service.update(task.number, {"status": "pending"})
        else:
            return
        self.result.touch(task.number, f"#{task.number} {status} ({why})")

    # -- comments -------------------------------------------------------------------------------
    def comment(self, comment: Comment) -> None:
        task = self.item(comment.item)
        if task is None:
            return
        body = comment.body if len(comment.body) <= COMMENT_LIMIT else comment.body[:COMMENT_LIMIT] + "…"
        self._note("comment.added", task, {"author": comment.author, "body": body, "url": comment.url,
                                           "source_ref": comment.item.ref})  # fmt: skip
        self.result.touch(task.number, f"#{task.number} comment by {comment.author or 'someone'}")

    def _note(self, kind: str, task: Task, data: dict[str, Any]) -> None:
        """A history entry that changes no field (undo leaves it: it is a record of the forge)."""
        self.act.event(kind, task.id, None, data)

    # -- pushes ---------------------------------------------------------------------------------
    def push(self, push: Push) -> None:
        on_default = push.branch is not None and push.branch == (push.default_branch or self._default(push))
        for commit in push.commits:
            subject = commit.message.strip().splitlines()[0][:300] if commit.message.strip() else ""
            closes = {int(n) for n in MAGIC_RE.findall(commit.message)}
            mentioned = dict.fromkeys(int(n) for n in MENTION_RE.findall(commit.message))
            for number in mentioned:
                task = _by_number(self.conn, number)
                if task is None:
                    self.result.notes.append(f"{commit.sha[:12]} mentions mhv-{number}: no such task")
                    continue
                seen = self._commit_events(task.id, commit.sha)
                completes = number in closes and on_default
                if not seen:
                    self._note("commit.linked", task, {"sha": commit.sha, "subject": subject, "url": commit.url,
                                                       "branch": push.branch, "closes": number in closes,
                                                       "on_default_branch": on_default})  # fmt: skip
                    self.result.touch(task.number, f"#{task.number} commit {commit.sha[:12]} linked")
                already_closed = any(e.get("closed_task") for e in seen)
                if completes and not already_closed:
                    if task.status != "completed":
                        self.service.complete(task.number)
                        self.result.touch(task.number, f"#{task.number} completed by {commit.sha[:12]}")
                    self._note("commit.closed", task, {"sha": commit.sha, "closed_task": True,
                                                       "branch": push.branch})  # fmt: skip

    def _commit_events(self, task_id: str, sha: str) -> list[dict[str, Any]]:
        d = self.service.store.dialect
        rows = self.conn.all(
            "SELECT after FROM event WHERE task_id = ? AND kind IN ('commit.linked', 'commit.closed')",
            (task_id,),
        )
        out = []
        for row in rows:
            data = d.json_out(row["after"]) or {}
            if data.get("sha") == sha:
                out.append(data)
        return out

    def _default(self, push: Push) -> str | None:
        repo = match_repo(self.conn, push.repo_names, push.repo_urls)
        if repo is None:
            return None
        return self.conn.scalar("SELECT default_branch FROM repo WHERE name = ?", (repo,))
