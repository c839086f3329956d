"""Measured precision per finding label, and which negative findings are only observations.

A negative finding costs points and may flag a call. A QA lead who sees it wrong once stops
trusting the rest, so a negative label counts only once its precision has been measured on the
gold set (``evaluation/gold``) at or above the threshold, on enough calls: on all of it, and
on its held-out sets apart (calls no rule was tuned on) wherever the label was raised in enough
of them to judge it there (10). Below that, or unmeasured, its findings are **observations**:
shown with their evidence and the measured figure, never flagged, never costing points.

The figures live in ``label_precision.json`` beside this module, with the pipeline version
they were measured on; ``python -m callqa.evaluation.label_precision`` rewrites it.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from callqa.qa_rules.findings import Finding
from callqa.qa_rules.structure import OUTCOMES

TABLE = Path(__file__).parent / "label_precision.json"
THRESHOLD = 0.8
MIN_CALLS = 3  # raised in fewer gold calls than this: unmeasured
MIN_HELD_OUT_CALLS = 10  # enough held-out calls to judge a label on them alone
# Judged by their own measures (outcome accuracy), written by the QA team (scorecard rules), or
# about the transcript rather than the agent (ASR confidence).
EXEMPT_DETECTORS = frozenset({"scorecard_rules"})
EXEMPT_LABELS = frozenset({*OUTCOMES, "request_outcome", "low_asr_confidence"})


class Measured(NamedTuple):
    """A label's precision on the gold set, and on its held-out sets apart."""

    precision: float
    calls: int
    held_out_precision: float = 0.0
    held_out_calls: int = 0


@lru_cache(maxsize=1)
def measured() -> dict[str, Measured]:
    """label -> its measured precision. The table ships with callqa; without it every negative
    finding would silently become an observation, so its absence is an error."""
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    return {label: Measured(**v) for label, v in table["labels"].items()}


def is_observation(finding: Finding) -> bool:
    """Whether a negative finding's label is below the precision threshold or unmeasured."""
    return finding.polarity == "negative" and unproven(finding.label, finding.detector)


def unproven(label: str, detector: str) -> bool:
    """Whether negative findings of ``label`` (raised by ``detector``) are observations."""
    if detector in EXEMPT_DETECTORS or label in EXEMPT_LABELS:
        return False
    m = measured().get(label, Measured(0.0, 0))
    held_out_low = m.held_out_calls >= MIN_HELD_OUT_CALLS and m.held_out_precision < THRESHOLD
    return m.calls < MIN_CALLS or m.precision < THRESHOLD or held_out_low


def precision_note(label: str) -> str:
    """How a label's precision was measured, in a few words ("precision 0.92 on 36 calls,
    0.80 on the 10 held out")."""
    m = measured().get(label, Measured(0.0, 0))
    if not m.calls:
        return "precision not measured"
    note = f"precision {m.precision:.2f} on {m.calls} calls"
    return note + (f", {m.held_out_precision:.2f} on the {m.held_out_calls} held out"
                   if m.held_out_calls else "")  # fmt: skip


def counted(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings that may cost points or flag: all but the observations."""
    return tuple(f for f in findings if not is_observation(f))


def counted_labels_digest() -> str:
    """A short digest of which measured negative labels count: part of the pipeline version, so
    a re-measured table that changes what costs points re-scores the stored calls."""
    counted = sorted(label for label in measured() if not unproven(label, ""))
    return hashlib.sha256(" ".join(counted).encode()).hexdigest()[:8]
