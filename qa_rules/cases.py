"""Cases: what a call was about and how it was handled, for finding similar past resolutions.

A case holds the customer's issue (the problem statement, or else the first request, and the
rest of its turn), the agent's
resolution (the sentences the problem-solving detector found explaining, solving, owning or
confirming) and the outcome. Its vector is the mean of the issue sentences' embeddings from the
AnalysisContext, so nothing is encoded twice.
"""

from __future__ import annotations

import numpy as np

from callqa.models.transcript import Record
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Evidence, Finding, quote_turn
from callqa.qa_rules.structure import problem_statement

ISSUE_SENTENCES = 3  # the problem statement and up to two more sentences of the same turn
RESOLUTION_SENTENCES = 4
RESOLUTION_LABELS = ("explanation", "solution_offered", "ownership", "resolution_confirmed")


class Case(Record):
    issue: tuple[Evidence, ...]
    resolution: tuple[Evidence, ...]
    outcome: str | None
    vector: tuple[float, ...]  # unit length; the issue's meaning

    def as_array(self) -> np.ndarray:
        return np.asarray(self.vector, dtype=np.float32)


def extract_case(ctx: AnalysisContext, findings: list[Finding]) -> Case | None:
    """The call's case, or None when the customer never says why they called."""
    first = problem_statement(ctx)
    if first is None:
        first = reason_for_call(ctx)
    if first is None:
        return None
    turn = ctx.sentences[first].turn
    issue = [i for i in ctx.by_speaker("customer") if i >= first and ctx.sentences[i].turn == turn]
    issue = issue[:ISSUE_SENTENCES]
    mean = ctx.embeddings[issue].mean(axis=0)
    vector = mean / (np.linalg.norm(mean) or 1.0)
    return Case(
        issue=tuple(ctx.evidence(i) for i in issue),
        resolution=_resolution(ctx, findings),
        outcome=ctx.structure.outcome,
        vector=tuple(round(float(v), 6) for v in vector),
    )


def reason_for_call(ctx: AnalysisContext) -> int | None:
    """The customer's first sentence of four words or more in the first half of the call: the
    request when no sentence states a problem (a plan change, an appointment)."""
    half = max(len(ctx.sentences) // 2, 4)
    return next(
        (i for i in ctx.by_speaker("customer")
         if i <= half and len(ctx.sentences[i].text.split()) >= 4),
        None,
    )  # fmt: skip


def _resolution(ctx: AnalysisContext, findings: list[Finding]) -> tuple[Evidence, ...]:
    """The agent's quoted resolution sentences in call order; spans of one turn that touch are
    joined into one quote."""
    spans = sorted(
        {
            (e.turn, e.char_start, e.char_end)
            for f in findings
            if f.detector == "problem_solving" and f.label in RESOLUTION_LABELS
            for e in f.evidence
            if e.speaker == "agent"
        }
    )
    joined: list[list[int]] = []
    for turn, start, end in spans:
        text = ctx.transcript.turns[turn].text
        if joined and joined[-1][0] == turn and not text[joined[-1][2] : start].strip():
            joined[-1][2] = max(joined[-1][2], end)
        else:
            joined.append([turn, start, end])
    return tuple(quote_turn(ctx.transcript, *span) for span in joined[:RESOLUTION_SENTENCES])
