"""Tasks for the trained heads: emotion (GoEmotions) and politeness (Stanford Politeness)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from callqa.evaluation import goemotions, politeness
from callqa.evaluation.embeddings import embed
from callqa.evaluation.harness import Baseline, Task, macro_scores
from callqa.models.emotion import GROUPINGS, group_max
from callqa.models.heads import load_head


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
    from sklearn.metrics import accuracy_score

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

HEAD_TASKS = (
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
