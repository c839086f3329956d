"""Score records: a scorecard's answer per criterion and the total for one interaction.

An answer based on findings carries their evidence, and ``finding_keys`` link it to them. An
answer based on the absence of findings (``basis="absence"``: "no dead air was found") says what
was looked for in its reason instead; one based on a metric (``basis="metric"``) gives the value
and the bound.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from callqa.models.transcript import Record
from callqa.qa_rules.findings import Evidence, Finding

Answer = Literal["yes", "no", "na", "unsure"] | int


class CriterionScore(Record):
    """One criterion's answer, its points and the reason for them."""

    criterion_id: str
    answer: Answer
    score: float | None
    potential: float = Field(ge=0.0)
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str
    source: Literal["system", "reviewer"] = "system"
    basis: Literal["findings", "absence", "metric"] = "findings"
    finding_keys: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @model_validator(mode="after")
    def _answers_carry_evidence(self) -> CriterionScore:
        answered = self.answer not in ("na", "unsure") and self.source == "system"
        if answered and self.basis == "findings" and not self.evidence:
            raise ValueError(f"criterion {self.criterion_id!r}: an answer needs evidence")
        return self


class InteractionScore(Record):
    """A whole call scored against one scorecard version."""

    call_id: str
    scorecard_id: str
    scorecard_version: str
    criteria: tuple[CriterionScore, ...]
    total: float | None = Field(default=None, ge=0.0)
    auto_failed: bool = False
    flags: tuple[str, ...] = ()


class ScoredCall(Record):
    """A stored call as the review queue, coaching and backtests read it: who took it and when,
    what was found and measured, and its score (None when no scorecard applied)."""

    call_id: str
    agent_id: str | None
    team: str | None
    started_at: datetime | None
    findings: tuple[Finding, ...]
    metrics: dict[str, float]
    score: InteractionScore | None
