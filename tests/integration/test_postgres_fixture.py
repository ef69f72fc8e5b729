"""The PostgreSQL test server starts, gives fresh databases, and has a working pgvector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg import drop_database, fresh_database, postgres_url, stop_servers

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield postgres_url(tmp_path_factory)
    stop_servers()


@pytest.fixture
def postgres_db(postgres_server: str) -> Iterator[str]:
    url = fresh_database(postgres_server)
    yield url
    drop_database(url)


def test_vector_nearest_neighbour_query(postgres_db: str) -> None:
    import psycopg

    with psycopg.connect(postgres_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE item (id int PRIMARY KEY, embedding vector(3))")
        conn.execute("INSERT INTO item VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')")
        conn.execute("CREATE INDEX ON item USING hnsw (embedding vector_cosine_ops)")
        rows = conn.execute(
            "SELECT id, 1 - (embedding <=> '[1,0,0]') AS cosine FROM item ORDER BY embedding <=> '[1,0,0]'"
        ).fetchall()
    assert [row[0] for row in rows] == [1, 3, 2]
    assert rows[0][1] == pytest.approx(1.0)


def test_each_request_gets_an_empty_database(postgres_server: str) -> None:
    import psycopg

    first, second = fresh_database(postgres_server), fresh_database(postgres_server)
    try:
        assert first != second
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("CREATE TABLE only_here (x int)")
        with psycopg.connect(second, autocommit=True) as conn:
            found = conn.execute("SELECT to_regclass('only_here')").fetchone()
        assert found == (None,)
    finally:
        drop_database(first)
        drop_database(second)
