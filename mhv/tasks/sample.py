"""A sample workspace: realistic tasks across a few repositories, with dependencies and two weeks
of history, so every view (Next, Today, Upcoming, Blocked, Completed, by repo, by tag) shows
something. Written through the task service, so the event log (history, undo) is real."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from mhv.tasks.service import TaskService

REPOS = (
    ("crackerjack", "git@github.com:example/crackerjack.git"),
    ("acb", "git@github.com:example/acb.git"),
    ("website", "git@github.com:example/website.git"),
)

# (key, title, repo, priority, tags, due in days (None: no date), estimate minutes, depends on keys, description)
SAMPLE: tuple[tuple[str, str, str | None, str, tuple[str, ...], int | None, int | None, tuple[str, ...], str], ...] = (
    ("flaky", "Fix flaky auth test on CI", "crackerjack", "critical", ("ci", "bug"), 0, 90, (), "Fails ~1 run in 20 on the Linux runner; timing around token refresh."),
    ("cache", "Cache dependency installs in the CI pipeline", "crackerjack", "high", ("ci", "perf"), 2, 120, (), ""),
    ("ruff", "Upgrade ruff and fix the new lint warnings", "crackerjack", "medium", ("chore",), 5, 60, (), ""),
    ("release", "Release crackerjack 0.9", "crackerjack", "high", ("release",), 7, 45, ("flaky", "cache", "changelog"), "Tag, build, publish; announce in the changelog."),
    ("changelog", "Write the 0.9 changelog", "crackerjack", "medium", ("docs", "release"), 6, 30, (), ""),
    ("pool", "Connection pool leaks under load", "acb", "critical", ("bug", "perf"), 1, 240, (), "Seen in the soak test: connections climb past 200 after an hour."),
    ("retry", "Add retries with backoff to the HTTP adapter", "acb", "high", ("perf",), 4, 180, ("pool",), ""),
    ("typing", "Type-check the adapters package with mypy --strict", "acb", "low", ("chore",), None, 240, (), ""),
    ("config", "Document the adapter configuration keys", "acb", "medium", ("docs",), 9, 90, (), ""),
    ("bench", "Benchmark the new serializer against msgspec", "acb", "medium", ("perf",), 12, 120, (), ""),
    ("landing", "Redesign the landing page hero", "website", "medium", ("design",), 10, 300, (), ""),
    ("docs-search", "Add search to the docs site", "website", "high", ("docs",), 3, 180, ("docs-index",), ""),
    ("docs-index", "Generate the docs search index at build time", "website", "high", ("docs", "ci"), 2, 120, (), ""),
    ("links", "Fix broken links reported by the checker", "website", "low", ("docs", "bug"), None, 30, (), ""),
    ("review", "Review open pull requests", None, "medium", ("review",), 0, 45, (), ""),
    ("1on1", "Prepare notes for the 1:1", None, "low", (), 1, 20, (), ""),
    ("talk", "Outline the conference talk on task graphs", None, "medium", ("writing",), 14, 120, (), ""),
)
# (key, days ago) completed; (key,) started
DONE = (("ruff", 3), ("changelog", 1), ("links", 6))
STARTED = ("flaky", "pool")


def load_sample(service: TaskService) -> int:
    """Add the sample tasks (with history spread over the last two weeks); returns how many."""
    real_clock = service.clock
    now = real_clock()
    moment = [now - timedelta(days=14)]

    def clock() -> datetime:
        return moment[0]

    def at(days_ago: float) -> None:
        moment[0] = now - timedelta(days=days_ago)

    today = now.astimezone(service.tz).date()
    numbers: dict[str, int] = {}
    service.clock = clock
    try:
        known = service.repo_names_registered()
        for name, remote in REPOS:
            if name not in known:
                service.add_repo(name, None, remote, "main")
        for i, (key, title, repo, priority, tags, due, estimate, _deps, notes) in enumerate(SAMPLE):
            at(14 - i * 0.7)
            data: dict[str, Any] = {"title": title, "priority": priority, "tags": list(tags)}
            if repo:
                data["repo"] = repo
            if due is not None:
                data["due"] = today + timedelta(days=due) if i % 3 else datetime.combine(
                    today + timedelta(days=due), time(17, 0), tzinfo=service.tz)  # fmt: skip
            if estimate:
                data["estimate_minutes"] = estimate
            if notes:
                data["description"] = notes
            numbers[key] = service.create(data).number
        at(2.5)
        for key, *_fields, deps, _notes in SAMPLE:
            for dep in deps:
                service.add_dependency(numbers[key], numbers[dep])
        at(2)
        for key in STARTED:
            service.start(numbers[key])
        for key, days_ago in DONE:
            at(days_ago)
            service.complete(numbers[key])
        at(0.5)
        service.update(numbers["retry"], {"priority": "high", "tags": ["perf", "reliability"]})
    finally:
        service.clock = real_clock
    return len(SAMPLE)
