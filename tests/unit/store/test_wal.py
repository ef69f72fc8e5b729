"""The SQLite write-ahead log is cut back after a big write once it is started over."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import mhv.store.db as db
from mhv.store import open_store


@pytest.mark.parametrize("background", [False, True], ids=["one-shot", "checkpoint-thread"])
def test_wal_shrinks_after_a_big_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, background: bool
) -> None:
    monkeypatch.setattr(db, "WAL_SIZE_LIMIT", 1 << 20)
    store = open_store(f"sqlite:///{tmp_path}/t.db")
    try:
        if background:
            store.checkpoint_in_background(interval=0.02, restart_frames=100)
        wal = tmp_path / "t.db-wal"
        with store.write() as conn:
            conn.execute("CREATE TABLE big (x TEXT)")
            for _ in range(3000):
                conn.execute("INSERT INTO big VALUES (?)", ["x" * 2000])
        assert wal.stat().st_size > 5 << 20
        deadline = time.monotonic() + 10
        while wal.stat().st_size > 1 << 20 and time.monotonic() < deadline:
            time.sleep(0.05)  # the checkpoint thread's next round, then a write that starts the WAL over
            with store.write() as conn:
                conn.execute("INSERT INTO big VALUES ('small')")
        assert wal.stat().st_size <= 1 << 20
        with store.read() as conn:
            assert conn.scalar("SELECT COUNT(*) FROM big") > 3000  # nothing lost on the way
    finally:
        store.close()
