"""Evaluation tasks: our metrics on a public labelled data set, the published baseline beside them.

Each task reads its data set as published (a file or folder), scores every example that the
shipped weights were not trained on, and returns a result with a ``primary`` metric. Later stages
add tasks to :data:`TASKS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from evaluation import goemotions, politeness
from evaluation.embeddings import embed
from models.emotion import GROUPINGS, group_max
from models.heads import load_head


@dataclass(frozen=True)
class Baseline:
    metric: str
    value: float
    source: str


@dataclass(frozen=True)
class Task:
    name: str
    summary: str
    data_hint: str
    primary: str
    baselines: tuple[Baseline, ...]
    score: Callable[[Path, str | None], tuple[int, dict[str, float]]]  # data, weights -> n, metrics


def evaluate(task: Task, data: Path, weights: str | None = None) -> dict[str, Any]:
    """Run ``task`` on ``data`` with the heads in ``weights`` (default: the shipped ones).

    Returns the metrics, the primary one, the published baselines, n and the wall time.
    """
    started = time.perf_counter()
    n, metrics = task.score(Path(data), weights)
    return {
        "task": task.name,
        "data": str(data),
        "n": n,
        "primary": task.primary,
        "metrics": {key: round(value, 4) for key, value in metrics.items()},
        "baselines": [vars(b) for b in task.baselines],
        "seconds": round(time.perf_counter() - started, 1),
    }


def macro_scores(truth: np.ndarray, predicted: np.ndarray, prefix: str) -> dict[str, float]:
    """Macro precision, recall and F1 over the columns of two 0/1 matrices."""
    p, r, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="macro", zero_division=0
    )
    return {f"{prefix}_precision": p, f"{prefix}_recall": r, f"{prefix}_f1": f1}


def score_emotion(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    examples = goemotions.load(data)
    head = load_head("emotion", weights)
    truth = goemotions.label_matrix(examples)
    predicted = head.decide(head.scores(embed([e.text for e in examples])))
    metrics = macro_scores(truth, predicted, "emotions")
    for name, grouping in GROUPINGS.items():
        metrics |= macro_scores(group_max(truth, grouping), group_max(predicted, grouping), name)
    return len(examples), metrics


def score_politeness(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    examples = [e for e in politeness.load(data) if politeness.held_out(e.key)]
    if not examples:
        raise ValueError(f"{data}: no held-out requests (the rest trained the shipped head)")
    head = load_head("politeness", weights)
    predicted = head.scores(embed([e.text for e in examples])).argmax(axis=1) == 1
    truth = np.array([e.polite for e in examples])
    metrics = {"accuracy": accuracy_score(truth, predicted)}
    for domain in politeness.DOMAINS:
        rows = np.array([e.domain == domain for e in examples])
        if rows.any():
            metrics[f"{domain}_accuracy"] = accuracy_score(truth[rows], predicted[rows])
    return len(examples), metrics


PAPER_EMOTION = "Demszky et al. 2020, fine-tuned BERT-base, test set"
PAPER_POLITENESS = "Danescu-Niculescu-Mizil et al. 2013, linguistic-strategies SVM, leave-one-out"

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            name="emotion",
            summary="GoEmotions: 28 emotion labels per sentence, and Ekman/sentiment groupings",
            data_hint="goemotions/dev.tsv",
            primary="emotions_f1",
            baselines=(
                Baseline("emotions_f1", 0.46, PAPER_EMOTION),
                Baseline("ekman_f1", 0.64, PAPER_EMOTION),
                Baseline("sentiment_f1", 0.69, PAPER_EMOTION),
            ),
            score=score_emotion,
        ),
        Task(
            name="politeness",
            summary="Stanford Politeness: top vs bottom quartile per domain, held-out fifth",
            data_hint="stanford_politeness/",
            primary="accuracy",
            baselines=(
                Baseline("wikipedia_accuracy", 0.8379, PAPER_POLITENESS),
                Baseline("stack-exchange_accuracy", 0.7819, PAPER_POLITENESS),
            ),
            score=score_politeness,
        ),
    )
}
