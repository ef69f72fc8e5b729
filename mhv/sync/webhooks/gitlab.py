"""GitLab deliveries (``X-Gitlab-Event``, ``object_kind``) as operations."""

from __future__ import annotations

from typing import Any

from mhv.sync.webhooks.mapping import Comment, Commit, Item, Operation, Push
from mhv.sync.webhooks.payload import PayloadError, items, names, number, obj, opt_obj, text

# object_attributes.action -> the task status it asks for
_ISSUE_STATUS = {"open": None, "update": None, "reopen": "pending", "close": "completed"}
_MR_STATUS = {"open": None, "update": None, "reopen": "pending", "close": "cancelled", "merge": "completed",
              "approved": None, "unapproved": None, "approval": None, "unapproval": None}  # fmt: skip


def _project(payload: dict[str, Any]) -> tuple[str, list[str], list[str], dict[str, Any]]:
    project = obj(payload, "project")
    path = text(project, "path_with_namespace")
    if not path:
        raise PayloadError("the project has no path_with_namespace", "send GitLab's payload unchanged")
    urls = [
        u
        for u in (text(project, k) for k in ("git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url"))
        if u
    ]
    return path, [path, text(project, "name") or "", path.rsplit("/", 1)[-1]], urls, project


def _item(payload: dict[str, Any], kind: str, attrs: dict[str, Any]) -> tuple[Item, str]:
    path, repo_names, repo_urls, _ = _project(payload)
    n = number(attrs, "iid", "object_attributes")
    sep = "!" if kind == "merge_request" else "#"
    labels = names(items(payload, "labels"), "title") or names(items(attrs, "labels"), "title")
    assignees = names(items(payload, "assignees"), "username")
    assignee = opt_obj(payload, "assignee")
    action = text(attrs, "action") or ""
    milestone = opt_obj(attrs, "milestone")
    draft = attrs.get("draft") is True or attrs.get("work_in_progress") is True
    item = Item(
        provider="gitlab", ref=f"gitlab:{path}{sep}{n}", kind=kind, title=text(attrs, "title") or "",
        url=text(attrs, "url"), body=text(attrs, "description") or "", labels=labels,
        assignee=assignees[0] if assignees else (text(assignee, "username") if assignee else None),
        milestone=text(milestone, "title") if milestone else None, draft=draft,
        state=text(attrs, "state") or "opened", repo_names=repo_names, repo_urls=repo_urls,
    )  # fmt: skip
    return item, action


def operations(event: str, payload: dict[str, Any]) -> list[Operation] | str:
    kind = text(payload, "object_kind") or ""
    if kind in ("issue", "work_item") or event in ("Issue Hook", "Confidential Issue Hook"):
        attrs = obj(payload, "object_attributes")
        item, action = _item(payload, "issue", attrs)
        if action not in _ISSUE_STATUS:
            return f"issue action {action or '?'} is not used"
        item.status = _ISSUE_STATUS[action]
        return [item]
    if kind == "merge_request" or event == "Merge Request Hook":
        attrs = obj(payload, "object_attributes")
        item, action = _item(payload, "merge_request", attrs)
        if action not in _MR_STATUS:
            return f"merge request action {action or '?'} is not used"
        item.status = _MR_STATUS[action]
        if action == "merge":
            item.state = "merged"
        return [item]
    if kind == "note" or event in ("Note Hook", "Confidential Note Hook"):
        attrs = obj(payload, "object_attributes")
        target = opt_obj(payload, "merge_request") or opt_obj(payload, "issue")
        if target is None:
            return "a comment on a commit or snippet is not used"
        item_kind = "merge_request" if opt_obj(payload, "merge_request") else "issue"
        item, _ = _item(payload, item_kind, target)
        user = opt_obj(payload, "user")
        return [Comment(provider="gitlab", item=item, author=text(user, "username") if user else None,
                        body=text(attrs, "note") or "", url=text(attrs, "url"))]  # fmt: skip
    if kind == "push" or event == "Push Hook":
        _, repo_names, repo_urls, project = _project(payload)
        ref = text(payload, "ref") or ""
        commits = [
            Commit(sha=c["id"], message=text(c, "message") or "", url=text(c, "url"))
            for c in items(payload, "commits")
            if isinstance(c, dict) and isinstance(c.get("id"), str) and c["id"]
        ]
        if not commits:
            return "the push carries no commits"
        return [Push(provider="gitlab", branch=ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None,
                     default_branch=text(project, "default_branch"), commits=commits,
                     repo_names=repo_names, repo_urls=repo_urls)]  # fmt: skip
    return f"the {event or kind or 'unnamed'!r} event is not used"
