"""Review flags: why a human should look at a call, with the evidence and a priority.

Rules are configurable (:class:`FlagRules`); each flag names its reason, says why in one line,
quotes what triggered it and carries a priority that orders the review queue.
"""

from __future__ import annotations

from pydantic import Field

from callqa.models.transcript import Record
from callqa.qa_rules.findings import Evidence, Finding
from callqa.qa_rules.precision import counted
from callqa.qa_rules.scores import InteractionScore


class FlagRules(Record):
    """When a call goes to review. Set a threshold to None to turn its rule off."""

    min_total: float | None = Field(default=60.0, ge=0, le=100)
    long_silence_s: float | None = Field(default=40.0, gt=0)
    comprehension_gaps: int | None = Field(default=2, ge=1)
    flag_unsure: bool = True
    flag_unresolved: bool = True
    flag_put_off: bool = True  # a request left on "I'll have to check that", nothing after
    flag_escalated: bool = False  # an escalation handled well is not a QA problem
    flag_cut_off: bool = True
    flag_callback_without_time: bool = True
    flag_readback_mismatch: bool = True
    flag_question_unanswered: bool = True  # asked twice, answered neither time
    flag_no_verification: bool = True
    flag_distress_ignored: bool = True
    flag_sentiment_worsened: bool = True
    flag_low_asr_confidence: bool = True
    # At most this share of the calls goes to review, highest priority first; auto-fails always.
    budget: float | None = Field(default=0.2, gt=0, le=1)


REASONS = (
    "auto_fail",
    "unsure",
    "low_score",
    "unresolved",
    "put_off",
    "escalated",
    "readback_mismatch",
    "question_unanswered",
    "distress_ignored",
    "no_verification",
    "cut_off",
    "callback_without_time",
    "sentiment_worsened",
    "low_asr_confidence",
    "comprehension_gaps",
    "long_silence",
)  # fmt: skip; every reason flag_call gives, besides a scorecard rule's "rule:<label>"


class Flag(Record):
    reason: str
    priority: int = Field(ge=0, le=100)
    why: str
    evidence: tuple[Evidence, ...] = ()


COMPREHENSION_GAPS = {
    "customer_repeats", "customer_correction", "customer_confused", "question_not_addressed",
    "slow_understanding", "reasks_information",
}  # fmt: skip


def flag_call(
    score: InteractionScore | None, findings: tuple[Finding, ...], rules: FlagRules | None = None
) -> tuple[Flag, ...]:
    """Every flag the call raises under ``rules``, highest priority first. Observations
    (negative findings of unproven precision) never flag."""
    rules = rules or FlagRules()
    findings = counted(findings)
    flags: list[Flag] = []
    by_label: dict[str, list[Finding]] = {}
    for f in findings:
        by_label.setdefault(f.label, []).append(f)

    def quotes(*labels: str) -> tuple[Evidence, ...]:
        return tuple(f.evidence[0] for label in labels for f in by_label.get(label, []))[:3]

    if score is not None:
        for answer in score.criteria:
            if answer.answer == "no" and f"auto_fail:{answer.criterion_id}" in score.flags:
                why = f"Critical criterion {answer.criterion_id} failed: {answer.reason}"
                flags.append(Flag(reason="auto_fail", priority=100, why=why,
                                  evidence=answer.evidence[:3]))  # fmt: skip
            if answer.answer == "unsure" and rules.flag_unsure:
                why = f"{answer.criterion_id}: {answer.reason}"
                flags.append(Flag(reason="unsure", priority=50, why=why,
                                  evidence=answer.evidence[:3]))  # fmt: skip
        low = rules.min_total
        if (
            low is not None
            and score.total is not None
            and score.total < low
            and not score.auto_failed
        ):
            why = f"Total {score.total:.0f} is under {low:.0f}"
            flags.append(Flag(reason="low_score", priority=min(90, 60 + int(low - score.total)),
                              why=why))  # fmt: skip
    for enabled, label, reason, priority, why in (
        (rules.flag_unresolved, "unresolved", "unresolved", 70, "The problem was not resolved"),
        (rules.flag_escalated, "escalated", "escalated", 60, "The call was escalated"),
        (rules.flag_readback_mismatch, "readback_mismatch", "readback_mismatch", 75,
         "A detail was read back wrong and nobody corrected it"),
        (rules.flag_question_unanswered, "question_not_addressed", "question_unanswered", 60,
         "The customer asked a question twice and neither reply answered it"),
        (rules.flag_distress_ignored, "distress_ignored", "distress_ignored", 65,
         "The customer's distress went unacknowledged"),
        (rules.flag_no_verification, "no_verification", "no_verification", 70,
         "Account details were discussed without checking who the caller is"),
        (rules.flag_cut_off, "cut_off", "cut_off", 55,
         "The line dropped before the answer: check the customer was called back"),
        (rules.flag_callback_without_time, "callback_without_time", "callback_without_time", 55,
         "A callback was promised with no time: check it was made"),
        (rules.flag_sentiment_worsened, "sentiment_worsened", "sentiment_worsened", 65,
         "The customer ended the call more upset than they started"),
        (rules.flag_low_asr_confidence, "low_asr_confidence", "low_asr_confidence", 20,
         "Parts of the transcript are unreliable; check the audio"),
    ):  # fmt: skip
        if enabled and label in by_label and not _reason_given(by_label[label]):
            flags.append(Flag(reason=reason, priority=priority, why=why, evidence=quotes(label)))
    for f in findings:
        if f.details.get("flag"):
            flags.append(Flag(reason=f"rule:{f.label}", priority=int(f.details["flag"]), why=f.why,
                              evidence=tuple(e for e in f.evidence[:3])))  # fmt: skip
    put_off = [f for f in findings if f.details.get("put_off") == "true"]
    if rules.flag_put_off and put_off:
        why = "A request was put off ('I'll have to check that') with no time, callback or route"
        flags.append(Flag(reason="put_off", priority=65, why=why,
                          evidence=put_off[0].evidence[-1:]))  # fmt: skip
    gaps = sorted(COMPREHENSION_GAPS & by_label.keys())
    gap_count = sum(len(by_label[label]) for label in gaps)
    if rules.comprehension_gaps is not None and gap_count >= rules.comprehension_gaps:
        why = f"{gap_count} comprehension gaps: {', '.join(gaps)}"
        flags.append(Flag(reason="comprehension_gaps", priority=min(80, 55 + 5 * gap_count),
                          why=why, evidence=quotes(*gaps)))  # fmt: skip
    silences = [
        f for f in by_label.get("dead_air", []) if (f.value or 0) >= (rules.long_silence_s or 1e9)
    ]
    if silences:
        longest = max(f.value or 0 for f in silences)
        why = f"{longest:.0f} s of silence"
        flags.append(Flag(reason="long_silence", priority=40, why=why,
                          evidence=tuple(f.evidence[0] for f in silences)[:3]))  # fmt: skip
    return tuple(sorted(flags, key=lambda f: -f.priority))


def _reason_given(findings: list[Finding]) -> bool:
    """An unresolved request the agent said why they could not meet is the agent's honest
    answer, not a QA problem (other flags still catch how it was handled)."""
    return any(f.details.get("reason_given") == "true" for f in findings)
