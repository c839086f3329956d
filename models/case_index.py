"""The case index: FAISS inner-product search over unit vectors, keyed by case id.

Exact search (a flat index under an id map) until the collection reaches ``APPROXIMATE_FROM``
cases, then an inverted-file index (IVF) whose list count and probe count were chosen by measured
recall (``python -m callqa.evaluation.bench_index``). Both kinds can remove a case by id (erasure).
Saved atomically: written to a temporary file, flushed, then renamed over the old one, so a crash
mid-write leaves the previous index usable.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

APPROXIMATE_FROM = 30_000  # exact search falls under 2,000 queries/s between 30k and 100k
PROBES = 16  # IVF lists searched per query: recall@5 0.99+ in the benchmark


class CaseIndex:
    """Vectors by int64 case id; ``search`` returns (id, cosine) pairs, best first."""

    def __init__(self, index) -> None:
        self.index = index

    @classmethod
    def empty(cls, dimension: int) -> CaseIndex:
        """An exact index with no cases."""
        import faiss

        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def build(
        cls, ids: np.ndarray, vectors: np.ndarray, approximate_from: int = APPROXIMATE_FROM
    ) -> CaseIndex:
        """An index over ``vectors``: exact when there are fewer than ``approximate_from``."""
        import faiss

        vectors = _unit(vectors)
        if len(vectors) < approximate_from:
            built = cls.empty(vectors.shape[1])
        else:
            lists = int(min(4 * np.sqrt(len(vectors)), len(vectors) / 39))  # 39+ points a list
            quantizer = faiss.IndexFlatIP(vectors.shape[1])
            ivf = faiss.IndexIVFFlat(quantizer, vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).permutation(len(vectors))[: lists * 64]
            ivf.train(vectors[np.sort(sample)])
            ivf.nprobe = PROBES
            built = cls(ivf)
        built.add(ids, vectors)
        return built

    @classmethod
    def load(cls, path: Path) -> CaseIndex:
        import faiss

        index = faiss.read_index(str(path))
        if hasattr(index, "nprobe"):
            index.nprobe = PROBES
        return cls(index)

    @property
    def kind(self) -> str:
        return "approximate (IVF)" if hasattr(self.index, "nprobe") else "exact"

    @property
    def dimension(self) -> int:
        return self.index.d

    def __len__(self) -> int:
        return self.index.ntotal

    def ids(self) -> np.ndarray:
        """Every case id in the index."""
        import faiss

        if not hasattr(self.index, "invlists"):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        lists = self.index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(self.index.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(_unit(vectors), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        """Remove cases by id; returns how many were there."""
        if not len(ids):
            return 0
        return int(self.index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Per query row, up to ``k`` (case id, cosine similarity) pairs, most similar first."""
        if not len(self) or not len(queries):
            return [[] for _ in range(len(queries))]
        scores, ids = self.index.search(_unit(queries), min(k, len(self)))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file beside ``path``, flushed, then renamed over it."""
        import faiss

        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        faiss.write_index(self.index, str(temporary))
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
