"""Behaviour analysis for a batch of calls: build their contexts once, run every detector.

An :class:`Analyzer` holds what is loaded once per process: the encoder, the spaCy pipeline, the
trained heads, the registered detectors and their prototype phrases, embedded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from callqa.models.emotion import sentiment
from callqa.models.encoder import Encoder, load_encoder
from callqa.models.heads import Head, load_head
from callqa.models.nlp import DEFAULT_PIPELINE, load_nlp
from callqa.models.transcript import Record, Transcript
from callqa.qa_rules.behaviours import Detector, check_requirements, detectors
from callqa.qa_rules.cases import Case, extract_case
from callqa.qa_rules.context import AnalysisContext, build_contexts
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.rules import Rule, apply_rules

HEADS = ("emotion", "politeness", "acts")


ANALYSIS_TIME_LIMIT_S = 120.0  # per call, for the detectors and rules after context building


class AnalysisError(ValueError):
    """A detector failed on one call; the call is quarantined, the batch goes on."""


class EmotionPoint(Record):
    """The customer's emotion in one sentence: the top negative and positive probabilities."""

    turn: int
    start: float | None
    negative: float
    positive: float


class CallAnalysis(Record):
    findings: tuple[Finding, ...]
    customer_emotion: tuple[EmotionPoint, ...] = ()
    case: Case | None = None


@dataclass(frozen=True)
class Analyzer:
    encoder: Encoder
    nlp: Any
    heads: tuple[Head, ...]
    detectors: tuple[Detector, ...]
    prototypes: dict[str, np.ndarray]


DetectorThresholds = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


@lru_cache(maxsize=2)
def load_analyzer(
    nlp: str = DEFAULT_PIPELINE, encoder: str | None = None, thresholds: DetectorThresholds = ()
) -> Analyzer:
    """The models and detectors, loaded once per process (``encoder``: a local model folder;
    ``thresholds``: per detector, the thresholds that differ from its defaults)."""
    model = load_encoder(encoder)
    found = tuple(detectors({name: dict(values) for name, values in thresholds}))
    check_requirements((type(d) for d in found), HEADS)
    prototypes = {
        name: model.encode(list(examples))
        for detector in found
        for name, examples in detector.prototypes.items()
    }
    heads = tuple(load_head(name) for name in HEADS)
    return Analyzer(model, load_nlp(nlp), heads, found, prototypes)


def analyse_calls(
    transcripts: Sequence[Transcript],
    analyzer: Analyzer,
    rules: tuple[Rule, ...] = (),
    time_limit_s: float = ANALYSIS_TIME_LIMIT_S,
) -> list[CallAnalysis | AnalysisError]:
    """Behaviour findings (detectors, then the scorecard's custom ``rules``), the customer's
    emotion and the case (issue and resolution) per call, in order; a call whose analysis
    failed, or whose detectors ran past ``time_limit_s``, gets the error."""
    contexts = build_contexts(
        transcripts, analyzer.encoder, analyzer.nlp, analyzer.heads, analyzer.prototypes
    )
    examples = {r.id: analyzer.encoder.encode(list(r.examples)) for r in rules if r.examples}
    steps = [(d.name, d.detect) for d in analyzer.detectors]
    steps.append(("scorecard rules", lambda ctx: apply_rules(ctx, rules, examples)))
    results: list[CallAnalysis | AnalysisError] = []
    for ctx in contexts:
        try:
            findings = _run(ctx, steps, time.monotonic() + time_limit_s)
        except AnalysisError as exc:  # a detector bug must not sink the batch: quarantine the call
            results.append(exc)
            continue
        results.append(
            CallAnalysis(
                findings=tuple(findings),
                customer_emotion=emotion_track(ctx),
                case=extract_case(ctx, findings),
            )
        )
    return results


def _run(ctx: AnalysisContext, steps: list[tuple[str, Callable]], deadline: float) -> list[Finding]:
    """Each step in turn; past the deadline (checked between steps, each of them bounded by
    the call's size limits and the rules' regex time limit) the call's analysis stops."""
    findings: list[Finding] = []
    for name, step in steps:
        if time.monotonic() > deadline:
            raise AnalysisError(f"analysis time limit reached before {name}")
        try:
            findings += step(ctx)
        except Exception as exc:
            raise AnalysisError(f"{name} failed: {type(exc).__name__}: {exc}") from exc
    return findings


def emotion_track(ctx: AnalysisContext) -> tuple[EmotionPoint, ...]:
    """Per customer sentence, the highest negative and positive emotion probability."""
    scores = ctx.head_scores.get("emotion")
    if scores is None:
        return ()
    negative, positive = sentiment(scores, "negative"), sentiment(scores, "positive")
    return tuple(
        EmotionPoint(
            turn=ctx.sentences[i].turn,
            start=ctx.sentences[i].start,
            negative=round(float(negative[i]), 3),
            positive=round(float(positive[i]), 3),
        )
        for i in ctx.by_speaker("customer")
    )
