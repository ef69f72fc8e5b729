"""The in-memory title index behind the palette's task search, on SQLite and a real PostgreSQL."""

from __future__ import annotations

from mhv.tasks.lookup import TitleIndex, by_number


def _fill(service):
    titles = [
        "fix flaky auth test",
        "Fix the FLAKY deploy",
        "write release notes",
        "auth: rotate keys",
        "tabs\tand a line\nbreak in a title",
        "odd \x1e separator",
    ]
    for title in titles:
        service.create({"title": title})
    service.complete(3)
    service.delete(4)


class TestTitleIndex:
    def test_reads_every_task_in_number_order_with_its_status(self, service):
        _fill(service)
        index = TitleIndex.load(service)
        assert index.numbers == [1, 2, 3, 5, 6]  # #4 was deleted
        assert index.titles[2] == "write release notes" and index.statuses[2] == "completed"
        assert index.titles[3] == service.get(5).title  # as stored (the service tidies whitespace)
        assert index.titles[4] == service.get(6).title and len(index.titles) == 5  # not split in two
        assert index.seq == service.last_seq()

    def test_words_in_any_order_and_case(self, service):
        _fill(service)
        index = TitleIndex.load(service)
        assert [h.number for h in index.containing("flaky")] == [1, 2]
        assert [h.number for h in index.containing("FLAKY fix")] == [1, 2]
        assert [h.number for h in index.containing("auth flaky")] == [1]
        assert [h.number for h in index.containing("line break")] == [5]
        assert index.containing("nothing like it") == []
        assert index.containing("   ") == []

    def test_typing_on_narrows_the_previous_answer(self, service):
        _fill(service)
        index = TitleIndex.load(service)
        typed = "fix flaky auth"
        answers = [[h.number for h in index.containing(typed[:i])] for i in range(1, len(typed) + 1)]
        # each answer equals what a fresh index (no previous query to narrow) gives for the same text
        fresh = [
            [h.number for h in TitleIndex.load(service).containing(typed[:i])]
            for i in range(1, len(typed) + 1)
        ]
        assert answers == fresh
        assert answers[-1] == [1]
        assert [h.number for h in index.containing("release")] == [3]  # a new query: a new scan

    def test_limit_caps_the_candidates(self, service):
        for i in range(30):
            service.create({"title": f"task {i}"})
        index = TitleIndex.load(service)
        assert [h.number for h in index.containing("task", limit=5)] == [1, 2, 3, 4, 5]
        # every word anywhere in the title: "task 1", "task 10" ... "task 19", and "task 21"
        assert [h.title for h in index.containing("task 1")] == [
            "task 1",
            *(f"task {i}" for i in range(10, 20)),
            "task 21",
        ]

    def test_by_number_and_its_continuations(self, service):
        for i in range(45):
            service.create({"title": f"t{i + 1}"})
        assert [h.number for h in by_number(service, 4)] == [4, 40, 41, 42, 43, 44, 45]
        assert by_number(service, 99) == []

    def test_an_empty_workspace(self, service):
        index = TitleIndex.load(service)
        assert index.numbers == [] and index.containing("x") == [] and by_number(service, 1) == []
