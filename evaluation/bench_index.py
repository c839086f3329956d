"""Benchmark the case index: build time, queries/s, recall@5 and memory at 10k, 100k and 1M
cases, exact against approximate (IVF, by probe count), and a nightly add of 30k cases.

Vectors: real sentence embeddings of customer issues (banking77, clinc150) where there are
enough; beyond that each is a real one plus Gaussian noise (per-dimension sd ``--noise``), so
the collection keeps the clustered shape of real issues instead of uniform noise, the worst case
for an inverted file. Queries are fresh perturbations of real issues, never indexed ones.

    python -m callqa.evaluation.bench_index --datasets ../shared/datasets \
        --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from callqa.evaluation.embeddings import embed
from callqa.models.case_index import CaseIndex

PROBES = (4, 8, 16, 32, 64)


def real_issues(datasets: Path) -> np.ndarray:
    """Embeddings of every banking77 and clinc150 query (from the evaluation cache)."""
    import csv

    with (datasets / "banking77" / "train.csv").open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    clinc = json.loads((datasets / "clinc150" / "data_full_train_val.json").read_text())
    texts += [text for key in ("train", "val") for text, _ in clinc[key]]
    return embed(texts)


def perturbed(real: np.ndarray, n: int, noise: float, seed: int) -> np.ndarray:
    """``n`` unit vectors, each a random real one plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    picks = real[rng.integers(0, len(real), n)]
    vectors = picks + rng.normal(0, noise, picks.shape).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def collection(real: np.ndarray, n: int, noise: float, seed: int) -> np.ndarray:
    """``n`` real vectors when there are enough, else perturbed ones."""
    if n <= len(real):
        return real[np.random.default_rng(seed).permutation(len(real))[:n]]
    return perturbed(real, n, noise, seed)


def bench(
    vectors: np.ndarray, queries: np.ndarray, nightly: np.ndarray, approximate: bool
) -> list[dict]:
    """Build, search at each probe count, then add ``nightly`` and save; rows of figures."""
    n = len(vectors)
    started = time.perf_counter()
    ids = np.arange(n, dtype=np.int64)
    index = CaseIndex.build(ids, vectors, approximate_from=0 if approximate else n + 1)
    built = time.perf_counter() - started
    rows = []
    for probes in PROBES if approximate else (None,):
        if probes is not None:
            index.index.nprobe = probes
        started = time.perf_counter()
        found = index.search(queries, 5)
        per_second = len(queries) / (time.perf_counter() - started)
        rows.append(
            {"cases": n, "index": index.kind, "probes": probes, "build_s": round(built, 1),
             "queries_per_s": round(per_second),
             "found": [[i for i, _ in hits] for hits in found]}
        )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.faiss"
        index.save(path)
        rows[-1]["size_mb"] = round(path.stat().st_size / 2**20)
        started = time.perf_counter()
        index.add(np.arange(n, n + len(nightly)), nightly)
        index.save(path)
        rows[-1]["add_30k_and_save_s"] = round(time.perf_counter() - started, 1)
    return rows


def recall_at_5(found: list[list[int]], exact: list[list[int]]) -> float:
    return float(
        np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact, strict=True)])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--noise", type=float, default=0.03)
    args = parser.parse_args()
    real = real_issues(args.datasets)
    queries = perturbed(real, args.queries, args.noise, seed=1)
    nightly = perturbed(real, 30_000, args.noise, seed=2)
    print(
        "| cases | index | probes | build s | queries/s | recall@5 | file MB | add 30k + save s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        vectors = collection(real, n, args.noise, seed=0)
        exact = bench(vectors, queries, nightly, approximate=False)
        rows = exact + bench(vectors, queries, nightly, approximate=True)
        for row in rows:
            recall = recall_at_5(row["found"], exact[0]["found"])
            print(
                f"| {n:,} | {row['index']} | {row['probes'] or '-'} | {row['build_s']} | "
                f"{row['queries_per_s']:,} | {recall:.3f} | {row.get('size_mb', '')} | "
                f"{row.get('add_30k_and_save_s', '')} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
