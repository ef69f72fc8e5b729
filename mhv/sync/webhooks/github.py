"""GitHub deliveries (``X-GitHub-Event``) as operations: issues, pull requests, pushes, comments."""

from __future__ import annotations

from typing import Any

from mhv.sync.webhooks.mapping import Comment, Commit, Item, Operation, Push
from mhv.sync.webhooks.payload import PayloadError, items, names, number, obj, opt_obj, text

# Events and actions mhv acts on; anything else is recorded as ignored (202).
ISSUE_ACTIONS = {"opened", "edited", "labeled", "unlabeled", "assigned", "unassigned", "milestoned",
                 "demilestoned", "reopened", "closed", "deleted", "transferred"}  # fmt: skip
PR_ACTIONS = ISSUE_ACTIONS - {"deleted", "transferred"} | {"converted_to_draft", "ready_for_review",
                                                           "synchronize", "edited"}  # fmt: skip


def _repo(payload: dict[str, Any]) -> tuple[str, list[str], list[str], dict[str, Any]]:
    repo = obj(payload, "repository")
    full = text(repo, "full_name")
    if not full:
        raise PayloadError("the repository has no full_name", "send GitHub's payload unchanged")
    names_ = [full, text(repo, "name") or ""]
    urls = [u for u in (text(repo, k) for k in ("clone_url", "ssh_url", "html_url", "git_url")) if u]
    return full, names_, urls, repo


def _item(payload: dict[str, Any], key: str, kind: str, action: str) -> Item:
    full, repo_names, repo_urls, _ = _repo(payload)
    data = obj(payload, key)
    n = number(data, "number", key)
    assignee = opt_obj(data, "assignee")
    assignees = names(items(data, "assignees"), "login")
    milestone = opt_obj(data, "milestone")
    state = text(data, "state") or "open"
    item = Item(
        provider="github", ref=f"github:{full}#{n}", kind=kind, title=text(data, "title") or "",
        url=text(data, "html_url"), body=text(data, "body") or "", labels=names(items(data, "labels"), "name"),
        assignee=text(assignee, "login") if assignee else (assignees[0] if assignees else None),
        milestone=text(milestone, "title") if milestone else None, draft=data.get("draft") is True,
        state=state, repo_names=repo_names, repo_urls=repo_urls,
    )  # fmt: skip
    if action == "reopened":
        item.status = "pending"
    elif action == "closed":
        if kind == "pull_request":
            merged = data.get("merged") is True
            item.state = "merged" if merged else "closed"
            item.status = "completed" if merged else "cancelled"
        else:
            item.status = "cancelled" if text(data, "state_reason") == "not_planned" else "completed"
    elif action == "deleted":
        item.status, item.state, item.create = "cancelled", "deleted", False
    elif action == "transferred":
        changes = obj(payload, "changes")
        new_issue = obj(changes, "new_issue", "changes")
        new_repo = obj(changes, "new_repository", "changes")
        new_full = text(new_repo, "full_name")
        if not new_full:
            raise PayloadError("changes.new_repository has no full_name", "send GitHub's payload unchanged")
        item.old_ref = item.ref
        item.ref = f"github:{new_full}#{number(new_issue, 'number', 'changes.new_issue')}"
        item.url = text(new_issue, "html_url") or item.url
        item.repo_names = [new_full, text(new_repo, "name") or ""]
        item.repo_urls = [u for u in (text(new_repo, k) for k in ("clone_url", "ssh_url", "html_url")) if u]
    return item


def operations(event: str, payload: dict[str, Any]) -> list[Operation] | str:
    """The operations a delivery asks for, or why it is ignored (a string)."""
    action = text(payload, "action") or ""
    if event == "issues":
        if action not in ISSUE_ACTIONS:
            return f"issues.{action or '?'} is not used"
        return [_item(payload, "issue", "issue", action)]
    if event == "pull_request":
        if action not in PR_ACTIONS:
            return f"pull_request.{action or '?'} is not used"
        return [_item(payload, "pull_request", "pull_request", action)]
    if event == "issue_comment":
        if action != "created":
            return f"issue_comment.{action or '?'} is not used"
        issue = obj(payload, "issue")
        kind = "pull_request" if isinstance(issue.get("pull_request"), dict) else "issue"
        comment = obj(payload, "comment")
        user = opt_obj(comment, "user")
        item = _item(payload, "issue", kind, "commented")
        return [Comment(provider="github", item=item, author=text(user, "login") if user else None,
                        body=text(comment, "body") or "", url=text(comment, "html_url"))]  # fmt: skip
    if event == "push":
        _, repo_names, repo_urls, repo = _repo(payload)
        ref = text(payload, "ref") or ""
        commits = [
            Commit(sha=c["id"], message=text(c, "message") or "", url=text(c, "url"))
            for c in items(payload, "commits")
            if isinstance(c, dict) and isinstance(c.get("id"), str) and c["id"]
        ]
        if not commits:
            return "the push carries no commits"
        return [Push(provider="github", branch=ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None,
                     default_branch=text(repo, "default_branch") or text(repo, "master_branch"),
                     commits=commits, repo_names=repo_names, repo_urls=repo_urls)]  # fmt: skip
    return f"the {event!r} event is not used"
