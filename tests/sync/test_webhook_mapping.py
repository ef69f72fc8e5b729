"""Forge deliveries applied through the task service (SQLite and PostgreSQL): the real payloads in
tests/fixtures/shared/webhooks, deduplication, local fields surviving, pushes, comments, undo."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mhv.sync.webhooks.deliveries import Delivery, Result, ingest, recent, replay
from mhv.sync.webhooks.signatures import github_signature
from mhv.tasks.models import STATUSES, TaskFilter
from mhv.tasks.service import TaskService
from tests.conftest import SHARED_DATA

HOOKS = SHARED_DATA / "webhooks"


def load(name: str) -> dict[str, Any]:
    return json.loads((HOOKS / name).read_text(encoding="utf-8"))


def deliver(
    service: TaskService, provider: str, event: str, payload: dict[str, Any], delivery_id: str
) -> Result:
    body = json.dumps(payload)
    service.actor = provider
    return ingest(service, Delivery(provider, delivery_id, event, payload, body, {}))


def total(service: TaskService) -> int:
    return service.count(TaskFilter(statuses=STATUSES))


def test_provider_signature_vectors() -> None:
    # GitHub's documented example, and the Standard Webhooks example (README of shared/data).
    assert github_signature("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )
    from standardwebhooks.webhooks import Webhook

    signed = Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", datetime.fromtimestamp(1614265330, UTC), b'{"test": 2432232314}'
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_github_issue_becomes_a_task_with_the_forge_fields(service: TaskService) -> None:
    service.add_repo("hello", remote="git@github.com:Codertocat/Hello-World.git", default_branch="master")
    result = deliver(service, "github", "issues", load("github/issues.opened.0.json"), "d-1")
    assert result.outcome == "applied" and len(result.tasks) == 1
    task = service.get(result.tasks[0])
    assert task.title == "Spelling error in the README file"
    assert task.source == "github" and task.source_ref == "github:Codertocat/Hello-World#1"
    assert task.source_url == "https://github.com/Codertocat/Hello-World/issues/1"
    assert task.description.startswith("It looks like you accidently spelled")
    assert task.tags == ["bug"] and task.assignee == "Codertocat" and task.repo == "hello"
    assert task.metadata["forge"]["milestone"] == "v1.0"
    events = service.history(task.number)
    assert [e.kind for e in events] == ["task.created"] and events[0].actor == "github"
    assert [r.outcome for r in recent(service)] == ["applied"]


def test_a_redelivery_is_applied_once(service: TaskService) -> None:
    payload = load("github/issues.opened.0.json")
    first = deliver(service, "github", "issues", payload, "same-id")
    again = deliver(service, "github", "issues", payload, "same-id")
    assert first.outcome == "applied" and again.outcome == "duplicate"
    assert total(service) == 1 and len(recent(service)) == 1
    # replay of a stored, applied delivery: deduplication still holds
    assert replay(service, "same-id").outcome == "duplicate" and total(service) == 1


def test_local_fields_survive_forge_updates(service: TaskService) -> None:
    task = service.get(
        deliver(service, "github", "issues", load("github/issues.opened.0.json"), "a").tasks[0]
    )
    service.update(task.number, {"priority": "critical", "due": "2026-12-01", "estimate_minutes": 90,
                                 "tags": ["bug", "mine"]})  # fmt: skip
    blocker = service.create({"title": "prepare"})
    service.add_dependency(task.number, blocker.number)
    labeled = load("github/issues.labeled.0.json")
    labeled["issue"]["labels"].append({"name": "Good First Issue"})
    labeled["issue"]["title"] = "Spelling error in README"
    assert deliver(service, "github", "issues", labeled, "b").outcome == "applied"
    after = service.get(task.number, links=True)
    assert after.title == "Spelling error in README"
    assert after.priority == "critical" and after.estimate_minutes == 90 and after.due is not None
    assert after.depends_on == [blocker.number] and after.status == "blocked"
    assert after.tags == ["mine", "bug", "good-first-issue"]
    unlabeled = copy.deepcopy(labeled)
    unlabeled["action"] = "unlabeled"
    unlabeled["issue"]["labels"] = []
    deliver(service, "github", "issues", unlabeled, "c")
    assert service.get(task.number).tags == ["mine"]  # the forge's labels go, the local tag stays


def test_close_reopen_and_pull_requests(service: TaskService) -> None:
    opened = load("github/issues.opened.0.json")
    number = deliver(service, "github", "issues", opened, "1").tasks[0]
    closed = copy.deepcopy(opened) | {"action": "closed"}
    deliver(service, "github", "issues", closed, "2")
    assert service.get(number).status == "completed"
    deliver(service, "github", "issues", load("github/issues.reopened.0.json"), "3")
    assert service.get(number).status == "pending"
    not_planned = copy.deepcopy(closed)
    not_planned["issue"]["state_reason"] = "not_planned"
    deliver(service, "github", "issues", not_planned, "4")
    assert service.get(number).status == "cancelled"

    pr = load("github/pull_request.opened.0.json")
    pr_task = deliver(service, "github", "pull_request", pr, "5").tasks[0]
    assert service.get(pr_task).source_ref == "github:Codertocat/Hello-World#2"
    draft = copy.deepcopy(pr) | {"action": "converted_to_draft"}
    draft["pull_request"]["draft"] = True
    deliver(service, "github", "pull_request", draft, "6")
    assert "draft" in service.get(pr_task).tags and service.get(pr_task).metadata["forge"]["draft"] is True
    unmerged = load("github/pull_request.closed.0.json")
    assert unmerged["pull_request"]["merged"] is False
    deliver(service, "github", "pull_request", unmerged, "7")
    assert service.get(pr_task).status == "cancelled" and "draft" not in service.get(pr_task).tags
    reopened = copy.deepcopy(pr) | {"action": "reopened"}
    deliver(service, "github", "pull_request", reopened, "8")
    merged = copy.deepcopy(unmerged)
    merged["pull_request"]["merged"] = True
    deliver(service, "github", "pull_request", merged, "9")
    assert service.get(pr_task).status == "completed"


def test_deleted_and_transferred(service: TaskService) -> None:
    opened = load("github/issues.opened.0.json")
    number = deliver(service, "github", "issues", opened, "1").tasks[0]
    moved = copy.deepcopy(opened) | {"action": "transferred"}
    moved["changes"] = {"new_issue": {"number": 7, "html_url": "https://github.com/o/other/issues/7"},
                        "new_repository": {"full_name": "o/other", "name": "other"}}  # fmt: skip
    deliver(service, "github", "issues", moved, "2")
    task = service.get(number)
    assert task.source_ref == "github:o/other#7" and task.source_url == "https://github.com/o/other/issues/7"
    gone = copy.deepcopy(opened) | {"action": "deleted"}
    gone["repository"] = {"full_name": "o/other", "name": "other"}
    gone["issue"]["number"] = 7
    deliver(service, "github", "issues", gone, "3")
    assert service.get(number).status == "cancelled" and total(service) == 1
    # deleting an issue mhv never tracked creates nothing
    other = copy.deepcopy(gone)
    other["issue"]["number"] = 99
    assert deliver(service, "github", "issues", other, "4").tasks == [] and total(service) == 1


def test_comments_join_the_history(service: TaskService) -> None:
    number = deliver(service, "github", "issues", load("github/issues.opened.0.json"), "1").tasks[0]
    deliver(service, "github", "issue_comment", load("github/issue_comment.created.0.json"), "2")
    events = service.history(number)
    comment = next(e for e in events if e.kind == "comment.added")
    assert (
        comment.after is not None
        and comment.after["body"] == "You are totally right! I'll get this fixed right away."
    )
    assert comment.after["author"] == "Codertocat" and comment.actor == "github"


def _push(ref: str, *messages: str) -> dict[str, Any]:
    push = load("github/push.0.json")
    push["ref"] = ref
    push["commits"] = [{"id": f"{i:040x}", "message": m, "url": f"https://github.com/c/{i}"}
                       for i, m in enumerate(messages, start=1)]  # fmt: skip
    return push


def test_push_links_and_magic_words_complete_once_on_the_default_branch(service: TaskService) -> None:
    a = service.create({"title": "first"})
    b = service.create({"title": "second"})
    feature = _push("refs/heads/feature", f"Fixes mhv-{a.number}: the parser\n\nbody", f"see mhv-{b.number}")
    deliver(service, "github", "push", feature, "p1")
    assert service.get(a.number).status == "pending"  # not on the default branch yet
    linked = [e for e in service.history(a.number) if e.kind == "commit.linked"]
    assert (
        linked
        and linked[0].after is not None
        and linked[0].after["subject"] == f"Fixes mhv-{a.number}: the parser"
    )
    default = _push("refs/heads/master", f"Fixes mhv-{a.number}: the parser\n\nbody", f"see mhv-{b.number}")
    deliver(service, "github", "push", default, "p2")
    assert service.get(a.number).status == "completed"
    assert service.get(b.number).status == "pending"  # a bare mention only links
    assert len([e for e in service.history(a.number) if e.kind == "commit.linked"]) == 1
    service.update(
        a.number, {"status": "pending"}
    )  # reopened by hand: the same commit does not close it again
    deliver(service, "github", "push", default, "p3")
    assert service.get(a.number).status == "pending"


def test_undo_reverts_a_delivery(service: TaskService) -> None:
    deliver(service, "github", "issues", load("github/issues.opened.0.json"), "1")
    assert total(service) == 1
    service.actor = "test"
    service.undo()
    assert total(service) == 0
    assert [r.outcome for r in recent(service)] == ["applied"]  # the delivery stays recorded: no re-apply


def test_unused_events_are_recorded_as_ignored(service: TaskService) -> None:
    result = deliver(service, "github", "star", {"action": "created"}, "s1")
    assert result.outcome == "ignored" and total(service) == 0
    tag_push = load("github/push.0.json")  # a tag push with no commits
    assert deliver(service, "github", "push", tag_push, "s2").outcome == "ignored"
    assert [r.outcome for r in recent(service)] == ["ignored", "ignored"]


def test_gitlab_issue_merge_request_and_push(service: TaskService) -> None:
    service.add_repo("gitlab-test", remote="http://example.com/gitlabhq/gitlab-test.git")
    issue = deliver(service, "gitlab", "Issue Hook", load("gitlab/issue.json"), "g1")
    task = service.get(issue.tasks[0])
    assert task.source == "gitlab" and task.source_ref == "gitlab:gitlabhq/gitlab-test#23"
    assert task.title == "New API: create/update/delete file" and task.tags == ["api"]
    assert task.assignee == "user1" and task.repo == "gitlab-test"
    mr = deliver(service, "gitlab", "Merge Request Hook", load("gitlab/merge_request.json"), "g2")
    mr_task = service.get(mr.tasks[0])
    assert mr_task.source_ref.startswith("gitlab:") and "!" in mr_task.source_ref
    merged = load("gitlab/merge_request.json")
    merged["object_attributes"]["action"] = "merge"
    deliver(service, "gitlab", "Merge Request Hook", merged, "g3")
    assert service.get(mr_task.number).status == "completed"
    push = load("gitlab/push.json")
    push["commits"][1]["message"] = f"closes mhv-{task.number}\n"
    deliver(service, "gitlab", "Push Hook", push, "g4")
    assert service.get(task.number).status == "completed"  # refs/heads/master is the default branch
    closed = load("gitlab/issue.json")
    closed["object_attributes"]["action"] = "reopen"
    deliver(service, "gitlab", "Issue Hook", closed, "g5")
    assert service.get(task.number).status == "pending"


@pytest.mark.parametrize("name", sorted(p.name for p in (HOOKS / "github").iterdir()))
def test_every_github_fixture_is_answered(service: TaskService, name: str) -> None:
    event = name.split(".")[0]
    result = deliver(service, "github", event, load(f"github/{name}"), name)
    assert result.outcome in ("applied", "ignored")
