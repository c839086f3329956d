"""Learning from reviewers: per-label confidence thresholds fitted to `callqa review` answers.

A reviewer's answer to a criterion is the best label a QA team has. For each finding label a
criterion reads, once reviewers have answered that criterion on at least ``MIN_REVIEWS`` calls
where the label was found, the threshold is the confidence below which findings of that label
are ignored, chosen so that the re-scored answers agree with the reviewers most often (the
lowest such threshold). With fewer reviews the label keeps the default (no threshold). The fit
reports agreement before and after, per criterion.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from callqa.qa_rules.findings import Finding
from callqa.qa_rules.precision import counted
from callqa.qa_rules.scorecard import Criterion, Scorecard
from callqa.qa_rules.scoring import answer, confident

MIN_REVIEWS = 30


@dataclass(frozen=True)
class Reviewed:
    """One reviewer's answer to one criterion of a stored call, with the call's findings."""

    criterion_id: str
    answer: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class LabelFit:
    label: str
    reviews: int
    threshold: float | None  # None: too few reviews, the default stays
    agreement_before: float
    agreement_after: float


def fit_thresholds(card: Scorecard, reviews: list[Reviewed]) -> list[LabelFit]:
    """A fit per label read by a reviewed criterion (see the module docstring)."""
    criteria = {c.id: c for c in card.criteria()}
    by_label: dict[str, list[Reviewed]] = defaultdict(list)
    for review in reviews:
        criterion = criteria.get(review.criterion_id)
        if criterion is None or criterion.metric is not None:
            continue
        for label in {f.label for f in review.findings} & _reads(criterion):
            by_label[label].append(review)
    fits = []
    for label, own in sorted(by_label.items()):
        before = _agreement(criteria, own, label, 0.0)
        if len(own) < MIN_REVIEWS:
            fits.append(LabelFit(label, len(own), None, before, before))
            continue
        seen = {f.confidence for r in own for f in r.findings if f.label == label}
        # keep everything (0), or drop the findings at each confidence seen and below
        candidates = sorted({0.0} | {min(1.0, c + 1e-3) for c in seen})
        best = max(candidates, key=lambda t: (_agreement(criteria, own, label, t), -t))
        after = _agreement(criteria, own, label, best)
        fits.append(LabelFit(label, len(own), best, before, after))
    return fits


def thresholds(fits: list[LabelFit]) -> dict[str, float]:
    """label -> fitted threshold, for the labels that had enough reviews."""
    return {f.label: f.threshold for f in fits if f.threshold}


def _reads(criterion: Criterion) -> set[str]:
    return {*criterion.yes_when, *criterion.no_when}


def _agreement(
    criteria: dict[str, Criterion], reviews: list[Reviewed], label: str, threshold: float
) -> float:
    agree = 0
    for review in reviews:
        kept = confident(counted(review.findings), {label: threshold})
        ours = answer(criteria[review.criterion_id], 1.0, kept).answer
        agree += str(ours) == review.answer
    return agree / len(reviews)
