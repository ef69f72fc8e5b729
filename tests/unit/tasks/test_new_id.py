"""Task and transaction ids: ``new_id`` makes the text ``str(uuid.uuid4())`` makes, without uuid."""

from __future__ import annotations

import uuid

import pytest

from mhv.tasks.service_parts import core


@pytest.mark.parametrize(
    "raw",
    [bytes(16), b"\xff" * 16, bytes(range(16)), bytes.fromhex("9f3c07e2d4a1b85566e0f1a2b3c4d5e6")],
    ids=["zeros", "ones", "counting", "mixed"],
)
def test_new_id_is_uuid4_of_the_same_bytes(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    monkeypatch.setattr(core.os, "urandom", lambda n: raw[:n])
    assert core.new_id() == str(uuid.UUID(bytes=raw, version=4))


def test_new_ids_are_random_version_4_uuids() -> None:
    ids = [core.new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 4 and u.variant == uuid.RFC_4122
