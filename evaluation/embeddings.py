"""Sentence embeddings for data-set texts, cached on disk so training and evaluation encode once.

The cache key is the encoder folder plus the exact texts; a file is ``<sha1>.npy`` under
``CALLQA_CACHE`` (default ``.callqa/cache/embeddings``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from callqa.models.encoder import default_model_path, load_encoder
from callqa.pipelines.runtime import report_progress


def cache_dir() -> Path:
    return Path(os.environ.get("CALLQA_CACHE", ".callqa/cache")) / "embeddings"


CHUNK = 1024  # sentences encoded between progress reports


def embed(texts: list[str], encoder_path: str | None = None) -> np.ndarray:
    """Embeddings of ``texts`` (rows in order), from the cache when these texts were seen.

    Progress is reported (``callqa.pipelines.runtime.report_progress``) after each encoded chunk.
    """
    folder = str(encoder_path or default_model_path())
    digest = hashlib.sha1(folder.encode())
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    path = cache_dir() / f"{digest.hexdigest()}.npy"
    if path.exists():
        return np.load(path)
    encoder = load_encoder(encoder_path)
    chunks = []
    for start in range(0, len(texts), CHUNK):
        chunks.append(encoder.encode(texts[start : start + CHUNK]))
        report_progress(min(start + CHUNK, len(texts)), len(texts))
    vectors = np.concatenate(chunks) if chunks else np.zeros((0, encoder.dimension), np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npy")
    np.save(temporary, vectors)
    temporary.replace(path)
    return vectors
