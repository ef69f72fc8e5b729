"""Embeddings for search by meaning: the model runner, exact vector search, rank fusion, evaluation.

A leaf package: it imports only the standard library, ``mhv.errors`` and ``mhv.paths`` at import
time. NumPy is imported by the modules that compute with it; fastembed and onnxruntime only when a
model is loaded (:func:`mhv.embed.model.load_embedder`), so importing this package stays cheap.

- :mod:`mhv.embed.model`: find and load the model (``load_embedder() -> Embedder``).
- :mod:`mhv.embed.index`: exact top-k over a float32 matrix, vector <-> blob.
- :mod:`mhv.embed.fusion`: reciprocal rank fusion and a weighted variant, with "why" per hit.
- :mod:`mhv.embed.evaluate`: nDCG@k and recall@k for the search evaluation set.
"""
