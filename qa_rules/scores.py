"""Score records: a scorecard's answer per criterion and the total for one interaction.

Every answer that is not N/A carries the evidence behind it; ``finding_keys`` link it to the
findings it was computed from.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from models.transcript import Record
from qa_rules.findings import Evidence

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
    finding_keys: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @model_validator(mode="after")
    def _answers_carry_evidence(self) -> CriterionScore:
        if self.answer not in ("na", "unsure") and self.source == "system" and not self.evidence:
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
