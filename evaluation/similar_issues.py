"""The ``similar-issues`` task: past cases indexed, new issues as queries, same-intent neighbours
counted. It measures the case index and the shared encoder exactly as ``callqa similar`` uses them.

Data sets, read as published:
- banking77 (``train.csv``): no official test file here, so a tenth of each intent, picked by
  a hash of the text, is the query set and the rest is indexed.
- clinc150 (``data_full_train_val.json``): ``train`` is indexed, ``val`` and ``oos_val`` are
  the queries. An out-of-scope query must come back with no confident match: the top
  similarity must fall below a threshold, which is chosen on ``train`` (each example queried
  against the others) and ``oos_train`` to maximise in-scope accuracy plus out-of-scope recall.
- dstc11_intent_induction (``development/test-utterances.jsonl``): a fifth of each intent by
  hash is the query set.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from callqa.evaluation.embeddings import embed
from callqa.evaluation.harness import Baseline, Task
from callqa.models.case_index import CaseIndex

Examples = tuple[list[str], list[str]]  # texts, labels


def score_similar_issues(data: Path, weights: str | None = None) -> tuple[int, dict[str, float]]:
    """precision@1, precision@5, MRR (and for clinc150 the out-of-scope figures), queries/s."""
    data = Path(data)
    if (data / "data_full_train_val.json").exists():
        return _clinc(data / "data_full_train_val.json")
    if (data / "train.csv").exists():
        index_set, queries = _hash_split(_banking(data / "train.csv"), tenth=1)
    elif (data / "development" / "test-utterances.jsonl").exists():
        index_set, queries = _hash_split(_dstc(data / "development/test-utterances.jsonl"), 2)
    else:
        raise ValueError(f"{data}: not banking77, clinc150 or dstc11_intent_induction")
    index, labels, _ = _index(index_set)
    ranked, per_second = _search(index, embed(queries[0]))
    metrics = _neighbour_metrics(ranked, labels, queries[1])
    return len(queries[0]), {**metrics, "queries_per_s": per_second}


def _index(examples: Examples) -> tuple[CaseIndex, np.ndarray, np.ndarray]:
    """An index of the examples (ids are row numbers), their labels and their vectors."""
    vectors = embed(examples[0])
    return CaseIndex.build(np.arange(len(vectors)), vectors), np.array(examples[1]), vectors


def _search(index: CaseIndex, queries: np.ndarray, k: int = 10) -> tuple[list, float]:
    started = time.perf_counter()
    ranked = index.search(queries, k)
    return ranked, len(queries) / (time.perf_counter() - started)


def _neighbour_metrics(ranked: list, labels: np.ndarray, truth: list[str]) -> dict[str, float]:
    at1, at5, reciprocal = [], [], []
    for hits, label in zip(ranked, truth, strict=True):
        same = [labels[i] == label for i, _ in hits]
        at1.append(same[0])
        at5.append(np.mean(same[:5]))
        reciprocal.append(1 / (same.index(True) + 1) if True in same else 0.0)
    return {
        "precision_at_1": float(np.mean(at1)),
        "precision_at_5": float(np.mean(at5)),
        "mrr_at_10": float(np.mean(reciprocal)),
    }


def _clinc(path: Path) -> tuple[int, dict[str, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    train = ([t for t, _ in data["train"]], [label for _, label in data["train"]])
    index, labels, vectors = _index(train)
    threshold = _oos_threshold(index, labels, vectors, [t for t, _ in data["oos_train"]])
    queries = [t for t, _ in data["val"]]
    ranked, per_second = _search(index, embed(queries))
    truth = [label for _, label in data["val"]]
    metrics = _neighbour_metrics(ranked, labels, truth)
    right = [
        labels[h[0][0]] == t and h[0][1] >= threshold for h, t in zip(ranked, truth, strict=True)
    ]
    metrics["in_scope_accuracy"] = float(np.mean(right))
    oos = index.search(embed([t for t, _ in data["oos_val"]]), 1)
    metrics["oos_recall"] = float(np.mean([hits[0][1] < threshold for hits in oos]))
    metrics["oos_threshold"] = threshold
    return len(queries) + len(oos), {**metrics, "queries_per_s": per_second}


def _oos_threshold(
    index: CaseIndex, labels: np.ndarray, vectors: np.ndarray, oos_texts: list[str]
) -> float:
    """The top-similarity bar that best separates in-scope from out-of-scope on train data."""
    own = index.search(vectors, 2)  # each train example against the others
    top = np.array([hits[1][1] for hits in own])
    right = np.array([labels[hits[1][0]] == labels[i] for i, hits in enumerate(own)])
    oos_top = np.array([hits[0][1] for hits in index.search(embed(oos_texts), 1)])
    candidates = np.round(np.arange(0.30, 0.90, 0.01), 2)
    gains = [np.mean(right & (top >= t)) + np.mean(oos_top < t) for t in candidates]
    return float(candidates[int(np.argmax(gains))])


def _hash_split(examples: Examples, tenth: int) -> tuple[Examples, Examples]:
    """``tenth`` tenths of the examples, chosen by a hash of the text, as queries."""
    index_set: Examples = ([], [])
    queries: Examples = ([], [])
    for text, label in zip(*examples, strict=True):
        bucket = int(hashlib.sha1(text.encode()).hexdigest(), 16) % 10
        target = queries if bucket < tenth else index_set
        target[0].append(text)
        target[1].append(label)
    return index_set, queries


def _banking(path: Path) -> Examples:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def _dstc(path: Path) -> Examples:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r["utterance"] for r in rows], [r["intent"] for r in rows]


SIMILAR_ISSUES = Task(
    name="similar-issues",
    summary="Past issues indexed, new ones as queries: do the nearest neighbours share the intent?",
    data_hint="banking77",
    primary="precision_at_1",
    baselines=(
        Baseline(
            "precision_at_1",
            0.9366,
            "Casanueva et al. 2020, BERT-large fine-tuned, intent accuracy",
            "banking77",
        ),
        Baseline("in_scope_accuracy", 0.962, "Larson et al. 2019, BERT oos-threshold", "clinc150"),
        Baseline("oos_recall", 0.523, "Larson et al. 2019, BERT oos-threshold", "clinc150"),
    ),  # fmt: skip
    score=score_similar_issues,
    also_on=("clinc150", "dstc11_intent_induction"),
)
