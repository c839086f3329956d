"""The evaluation harness: a task scores our models or detectors on a public labelled data set,
read as published, and reports its metrics with the published baselines beside them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Baseline:
    metric: str
    value: float
    source: str
    data: str | None = None  # the data set folder it was published on, when a task has several


@dataclass(frozen=True)
class Task:
    name: str
    summary: str
    data_hint: str
    primary: str
    baselines: tuple[Baseline, ...]
    score: Callable[[Path, str | None], tuple[int, dict[str, float]]]  # data, weights -> n, metrics
    also_on: tuple[str, ...] = ()  # further data sets the README table runs it on


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
        "baselines": [
            vars(b) for b in task.baselines if b.data in (None, Path(data).resolve().name)
        ],
        "seconds": round(time.perf_counter() - started, 1),
    }


def macro_scores(truth: np.ndarray, predicted: np.ndarray, prefix: str) -> dict[str, float]:
    """Macro precision, recall and F1 over the columns of two 0/1 matrices."""
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="macro", zero_division=0
    )
    return {f"{prefix}_precision": p, f"{prefix}_recall": r, f"{prefix}_f1": f1}


def binary_scores(truth: list[bool], predicted: list[bool], prefix: str) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, and its support."""
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="binary", zero_division=0
    )
    return {f"{prefix}_precision": p, f"{prefix}_recall": r, f"{prefix}_f1": f1,
            f"{prefix}_support": float(sum(truth))}  # fmt: skip
