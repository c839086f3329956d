"""Behaviour analysis for a batch of calls: build their contexts once, run every detector.

An :class:`Analyzer` holds what is loaded once per process: the encoder, the spaCy pipeline, the
trained heads, the registered detectors and their prototype phrases, embedded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from models.encoder import Encoder, load_encoder
from models.heads import Head, load_head
from models.nlp import DEFAULT_PIPELINE, load_nlp
from models.transcript import Transcript
from qa_rules.behaviours import Detector, detectors
from qa_rules.context import build_contexts
from qa_rules.findings import Finding

HEADS = ("emotion", "politeness")


class AnalysisError(ValueError):
    """A detector failed on one call; the call is quarantined, the batch goes on."""


@dataclass(frozen=True)
class Analyzer:
    encoder: Encoder
    nlp: Any
    heads: tuple[Head, ...]
    detectors: tuple[Detector, ...]
    prototypes: dict[str, np.ndarray]


@lru_cache(maxsize=2)
def load_analyzer(nlp: str = DEFAULT_PIPELINE, encoder: str | None = None) -> Analyzer:
    """The models and detectors, loaded once per process (``encoder``: a local model folder)."""
    model = load_encoder(encoder)
    found = tuple(detectors())
    prototypes = {
        name: model.encode(list(examples))
        for detector in found
        for name, examples in detector.prototypes.items()
    }
    heads = tuple(load_head(name) for name in HEADS)
    return Analyzer(model, load_nlp(nlp), heads, found, prototypes)


def analyse_calls(
    transcripts: Sequence[Transcript], analyzer: Analyzer
) -> list[tuple[Finding, ...] | AnalysisError]:
    """Behaviour findings per call, in order; a call whose analysis failed gets the error."""
    contexts = build_contexts(
        transcripts, analyzer.encoder, analyzer.nlp, analyzer.heads, analyzer.prototypes
    )
    results: list[tuple[Finding, ...] | AnalysisError] = []
    for ctx in contexts:
        findings: list[Finding] = []
        try:
            for detector in analyzer.detectors:
                findings += detector.detect(ctx)
        except Exception as exc:  # a detector bug must not sink the batch: quarantine the call
            name = type(exc).__name__
            results.append(AnalysisError(f"detector {detector.name} failed: {name}: {exc}"))
            continue
        results.append(tuple(findings))
    return results
