"""The records of processing and of the store: what processing a call gives (its results, or
why it was quarantined), what a run did, and what the store gives back (call rows, stored calls,
reviews, cases, quarantine entries and runs). The store, the flow, the reports and the commands
read these; no untyped row crosses the store's boundary."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Literal

from pydantic import Field

from callqa.models.transcript import Record, Transcript
from callqa.pipelines.sources import CallMetadata, Skipped
from callqa.qa_rules.analysis import EmotionPoint
from callqa.qa_rules.cases import Case
from callqa.qa_rules.findings import Evidence, Finding
from callqa.qa_rules.metrics import ConversationMetrics
from callqa.qa_rules.precision import counted_labels_digest
from callqa.qa_rules.redaction import REDACTION_VERSION
from callqa.qa_rules.scores import InteractionScore, ScoredCall

# Bump when analysis output changes, so stored calls are re-analysed once; which labels count
# (the measured precision table) is part of it. 0.7: call structure, observations, applicable
# criteria; 0.8: labels judged on held-out calls too, read-backs, recaps and requests re-read;
# 0.9: security checks, put-off requests, read-backs and requests re-read; redaction 3: answers
# to a question for personal data end when the agent moves on, UK postcodes; 0.10: distress
# read in words of hardship and frustration, and the reassurances that answer it; closings,
# refusals, recaps and the end of a call's requests re-read; redaction 4: common words ("bin",
# "working", "car hire") are not names, an answer ends when the agent moves on or the customer
# confirms its read-back, an email address is no postal address; 0.11: read-backs in sums and
# reports of what was done, times however said, weekdays; answers after a hold; closings;
# 0.12: bookings said plainly ("that's you in for"), values agreed in a check, caller-id
# lookups and card or email read out unasked, making light of a problem; redaction 6: after
# "my phone number is", 7 to 13 digits are the number (a digit misheard or dropped); 0.13: a
# question asked again and still skipped, an alternative after a refusal, the scene before a
# request, a fix the customer says worked, brush-offs, dead air from 40 s, bare "bye then";
# redaction 7: spoken emails under country domains.
PIPELINE_VERSION = f"0.16.3/redaction-{REDACTION_VERSION}/labels-{counted_labels_digest()}"


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

    def scored(self) -> ScoredCall:
        """The call as the review queue and coaching read it."""
        md = self.metadata
        return ScoredCall(
            call_id=self.call_id, agent_id=md.agent_id, team=md.team, started_at=md.started_at,
            findings=self.findings, score=self.score,
            metrics={k: v for k, v in self.metrics.model_dump().items() if v is not None},
        )  # fmt: skip


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


class RunSummary(Record):
    """What a run did, for the console, the store and the morning report."""

    run_id: str
    source: str
    pipeline_version: str
    started_at: datetime
    finished_at: datetime
    discovered: int
    processed: int
    unchanged: int
    already_quarantined: int
    by_other_workers: int = 0  # new calls that other runs on the store processed meanwhile
    quarantined: tuple[Quarantined, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    findings: int = 0
    findings_by_label: dict[str, int] = Field(default_factory=dict)
    audio_seconds: float = 0.0  # of the processed calls that were transcribed
    startup_s: float = 0.0  # from the command to the flow's first step (Prefect's server start)

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def calls_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    @property
    def real_time_factor(self) -> float | None:
        """Run time over the audio time of the transcribed calls (whole run, all stages)."""
        return self.seconds / self.audio_seconds if self.audio_seconds else None

    @property
    def quarantined_by_stage(self) -> dict[str, int]:
        return dict(Counter(q.stage for q in self.quarantined))

    @property
    def did_nothing(self) -> bool:
        return self.processed == 0 and not self.quarantined


class CallRow(Record):
    """A stored call's row: where it came from, who took it, when, and how long it ran."""

    call_id: str
    content_hash: str
    pipeline_version: str
    path: str
    source_format: str
    agent_id: str | None
    team: str | None
    queue: str | None
    customer_id: str | None
    direction: str | None
    started_at: datetime | None
    duration_s: float | None
    turns: int
    metadata: CallMetadata
    run_id: str
    processed_at: datetime


class ListedCall(CallRow):
    """A call in a listing, with its total and the negative findings that count."""

    total: float | None
    auto_failed: bool | None
    negative_findings: int


class Review(Record):
    """A reviewer's answer to one criterion of a call, beside the system's."""

    call_id: str
    criterion_id: str
    system_answer: str
    answer: str
    comment: str
    reviewer: str
    at: datetime


class StoredCall(Record):
    """One stored call: its row, transcript, metrics, findings, score, the customer's emotion
    over the call and the reviews of it."""

    row: CallRow
    transcript: Transcript
    metrics: dict[str, float]
    findings: tuple[Finding, ...]
    score: InteractionScore | None
    customer_emotion: tuple[EmotionPoint, ...]
    reviews: tuple[Review, ...]

    @property
    def call_id(self) -> str:
        return self.row.call_id

    def scored(self) -> ScoredCall:
        """The call as the review queue and coaching read it."""
        row = self.row
        return ScoredCall(
            call_id=row.call_id, agent_id=row.agent_id, team=row.team,
            started_at=row.started_at, findings=self.findings, metrics=self.metrics,
            score=self.score,
        )  # fmt: skip


class StoredCase(Record):
    """A stored case with its call's agent, team, queue, customer, start and QA score."""

    case_id: int
    call_id: str
    outcome: str | None
    issue: tuple[Evidence, ...]
    resolution: tuple[Evidence, ...]
    agent_id: str | None
    team: str | None
    queue: str | None
    customer_id: str | None
    started_at: datetime | None
    total: float | None
    auto_failed: bool | None


class QuarantineEntry(Quarantined):
    """A quarantined file as stored: which run put it there, and when."""

    run_id: str
    at: datetime


Role = Literal["admin", "reviewer", "coach", "agent"]


class User(Record):
    """A local account of the review workspace; an agent account sees only ``agent_id``'s calls."""

    name: str
    role: Role
    agent_id: str | None = None
    created_at: datetime


class AuditEntry(Record):
    """Who changed what, when: every override, erasure and account change."""

    at: datetime
    actor: str
    action: Literal["override", "erase", "user_add", "user_remove"]
    target: str
    detail: str = ""


SortKey = Literal["started_at", "call_id", "agent_id", "team", "total", "duration_s"]


class CallFilter(Record):
    """Which stored calls a listing shows, in which order, and which page of them."""

    agent_id: str | None = None
    team: str | None = None
    queue: str | None = None
    run_id: str | None = None
    call_ids: frozenset[str] | None = None  # only these (a flag reason's calls, say)
    since: datetime | None = None
    until: datetime | None = None
    min_total: float | None = None
    max_total: float | None = None
    outcome: str | None = None
    reviewed: bool | None = None
    sort: SortKey = "started_at"
    descending: bool = True
    limit: int | None = None
    offset: int = 0


class StoredRun(Record):
    """A run as stored: its summary when it completed, its error when it failed."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    source: str
    pipeline_version: str
    status: Literal["running", "completed", "failed", "interrupted"]
    summary: RunSummary | None = None
    error: str | None = None
