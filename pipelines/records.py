"""What processing a call gives: its stored results, or why it was quarantined. The store,
the flow and the reports read these records; the processing step makes them."""

from __future__ import annotations

from typing import Literal

from callqa.models.transcript import Record, Transcript
from callqa.pipelines.sources import CallMetadata
from callqa.qa_rules.analysis import EmotionPoint
from callqa.qa_rules.cases import Case
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.metrics import ConversationMetrics
from callqa.qa_rules.scores import InteractionScore

# Bump when analysis output changes, so stored calls are re-analysed once.
PIPELINE_VERSION = "0.7.0/redaction-2"  # 0.7: call structure, observations, applicable criteria


class CallResult(Record):
    """Everything stored for one successfully processed call."""

    call_id: str
    path: str
    content_hash: str
    pipeline_version: str
    metadata: CallMetadata
    transcript: Transcript
    metrics: ConversationMetrics
    findings: tuple[Finding, ...]
    score: InteractionScore | None = None
    customer_emotion: tuple[EmotionPoint, ...] = ()
    case: Case | None = None


Stage = Literal["discover", "read", "plan", "analyse", "store"]


class Quarantined(Record):
    """A call that could not be processed, and why.

    ``kind`` "input" is a bad file, kept out until its content changes; "internal" is a
    failure of ours (a bug, a time limit, an I/O error), retried by the next pipeline version.
    """

    call_id: str
    path: str
    content_hash: str
    reason: str
    stage: Stage
    kind: Literal["input", "internal"] = "input"
    pipeline_version: str = PIPELINE_VERSION
