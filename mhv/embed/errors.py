"""Errors of the embedding model runner (codes MHV-5xx, search)."""

from __future__ import annotations

from mhv.errors import MhvError


class EmbeddingModelError(MhvError):
    """The embedding model cannot be found or loaded. Text search keeps working without it.

    ``details["reason"]`` says which case it is: ``missing_folder`` (``MHV_EMBED_MODEL_DIR`` names
    a folder that is not there), ``broken_folder`` (files missing, unreadable or not a model),
    ``not_installed`` (no local model and the default one cannot be downloaded) or ``failed``
    (the model was loaded but running it failed).
    """

    code = "MHV-501"
