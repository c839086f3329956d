"""Scoring: a scorecard turns one call's findings into answers, points and a 0-100 total.

Per criterion: "yes" when ``yes_when`` findings are present and no ``no_when`` ones (on a
``scale`` criterion, the number of different ``yes_when`` labels found, up to the scale, earning
that share of the points), "no" for the reverse, "unsure" (the call goes to review) when both
are present or the findings are weak, and ``if_neither`` when neither is. A "yes" earns the
criterion's share of its section's weight; N/A and unsure answers leave the potential. The total
is earned over potential, times 100, capped at 100 (bonus points can lift a weak section). A
critical criterion answered "no" on findings zeroes the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from callqa.qa_rules.findings import Finding
from callqa.qa_rules.precision import counted
from callqa.qa_rules.scorecard import Criterion, Scorecard, Section
from callqa.qa_rules.scores import CriterionScore, InteractionScore

MIN_CONFIDENCE = 0.5  # weaker findings make an answer "unsure"
MAX_EVIDENCE = 5


def score_call(
    card: Scorecard,
    call_id: str,
    findings: tuple[Finding, ...],
    metrics: Mapping[str, float | None] | None = None,
    fitted: dict[str, float] | None = None,
) -> InteractionScore:
    """The call's answers to every criterion of ``card``, its total and its flags. Negative
    findings whose precision is unproven (:mod:`callqa.qa_rules.precision`) do not count, nor
    do findings under their label's threshold ``fitted`` to reviewers' answers
    (:mod:`callqa.qa_rules.calibration`)."""
    kept = confident(counted(findings), fitted or {})
    left_out = {f.label for f in findings} - {f.label for f in kept}
    answers = [
        _noting(
            answer(criterion, _points(section, criterion), kept, metrics or {}),
            left_out & {*criterion.yes_when, *criterion.no_when},
        )  # fmt: skip
        for section in card.sections
        for criterion in section.criteria
    ]
    potential = sum(a.potential for a in answers)
    earned = sum(a.score or 0.0 for a in answers)
    critical = {c.id for c in card.criteria() if c.critical}
    failed = [a.criterion_id for a in answers if a.criterion_id in critical and a.answer == "no"
              and a.basis == "findings"]  # fmt: skip
    total = None if potential == 0 else min(100.0, round(100 * earned / potential, 1))
    flags = tuple(f"auto_fail:{c}" for c in failed) + tuple(
        f"unsure:{a.criterion_id}" for a in answers if a.answer == "unsure"
    )
    return InteractionScore(
        call_id=call_id,
        scorecard_id=card.id,
        scorecard_version=card.version,
        criteria=tuple(answers),
        total=0.0 if failed else total,
        auto_failed=bool(failed),
        flags=flags,
    )


def _noting(answer: CriterionScore, left_out: set[str]) -> CriterionScore:
    """An answer whose reason says which findings of its labels did not count."""
    if not left_out:
        return answer
    note = f" ({', '.join(sorted(left_out))} found but not counted: unproven precision or under "
    note += "the calibrated confidence)"
    return answer.model_copy(update={"reason": answer.reason + note})


def confident(findings: tuple[Finding, ...], fitted: dict[str, float]) -> tuple[Finding, ...]:
    """The findings at or above their label's fitted confidence threshold."""
    return tuple(f for f in findings if f.confidence >= fitted.get(f.label, 0.0))


def answer(
    criterion: Criterion,
    points: float,
    findings: tuple[Finding, ...],
    metrics: Mapping[str, float | None] | None = None,
) -> CriterionScore:
    """One criterion's answer from the findings or metric it reads; ``points`` is what a "yes"
    earns."""
    if criterion.metric is not None:
        return _metric_answer(criterion, points, (metrics or {}).get(criterion.metric))
    yes = _reading(criterion, criterion.yes_when, findings)
    no = _reading(criterion, criterion.no_when, findings)
    gate = _reading(criterion, criterion.na_unless, findings) if criterion.na_unless else None
    if gate == []:
        return _scored(criterion, "na", 0.0, "N/A: none of " + ", ".join(criterion.na_unless))
    if yes and no:
        why = f"Unsure: both {_labels(yes)} and {_labels(no)} were found"
        return _scored(criterion, "unsure", points, why, yes + no)
    basis = yes or no
    if basis:
        confidence = sum(f.confidence for f in basis) / len(basis)
        if confidence < MIN_CONFIDENCE:
            why = f"Unsure: {_labels(basis)} found with low confidence ({confidence:.2f})"
            return _scored(criterion, "unsure", points, why, basis)
        if criterion.scale and yes:
            level = min(len({f.label for f in yes}), criterion.scale)
            why = f"{level} of {criterion.scale}: {_labels(yes)}"
            return _scored(criterion, level, points, why, yes)
        verdict = "yes" if yes else "no"
        return _scored(criterion, verdict, points, f"{verdict.title()}: {_labels(basis)}", basis)
    looked_for = ", ".join((*criterion.yes_when, *criterion.no_when))
    verdict = "N/A" if criterion.if_neither == "na" else criterion.if_neither.title()
    why = f"{verdict}: none of {looked_for} was found"
    return _scored(criterion, criterion.if_neither, points, why, absence=True)


def _metric_answer(criterion: Criterion, points: float, value: float | None) -> CriterionScore:
    if value is None:
        return _scored(criterion, "na", points, f"N/A: {criterion.metric} was not measured")
    bounds = [
        f"{word} {bound:g}"
        for word, bound in (("at most", criterion.at_most), ("at least", criterion.at_least))
        if bound is not None
    ]
    within = (criterion.at_most is None or value <= criterion.at_most) and (
        criterion.at_least is None or value >= criterion.at_least
    )
    verdict = "yes" if within else "no"
    why = f"{verdict.title()}: {criterion.metric} {value:.3g}, {' and '.join(bounds)}"
    return _scored(criterion, verdict, points, why, basis="metric")


def _points(section: Section, criterion: Criterion) -> float:
    regular = sum(c.weight for c in section.criteria if not c.bonus) or criterion.weight
    return section.weight * criterion.weight / regular


def _reading(criterion: Criterion, labels: tuple[str, ...], findings: tuple[Finding, ...]):
    chosen = []
    for f in findings:
        first = f.evidence[0]
        if f.label not in labels:
            continue
        if criterion.speaker and first.speaker != criterion.speaker:
            continue
        if criterion.within_s is not None and (
            first.start is None or first.start > criterion.within_s
        ):
            continue
        chosen.append(f)
    return chosen


def _labels(findings: list[Finding]) -> str:
    return ", ".join(sorted({f.label for f in findings}))


def _scored(
    criterion: Criterion,
    verdict: str | int,
    points: float,
    why: str,
    findings: Sequence[Finding] = (),
    absence: bool = False,
    basis: Literal["findings", "metric"] = "findings",
) -> CriterionScore:
    counts = verdict in ("yes", "no") or isinstance(verdict, int)
    if isinstance(verdict, int):  # a level on the criterion's scale
        earned = points * verdict / (criterion.scale or 1)
    else:
        earned = points if verdict == "yes" else 0.0
    confidence = (
        sum(f.confidence for f in findings) / len(findings)
        if findings
        else (0.6 if counts and basis != "metric" else 1.0)
    )
    return CriterionScore(
        criterion_id=criterion.id,
        answer=verdict,  # type: ignore[arg-type]
        score=earned if counts else None,
        potential=points if counts and not criterion.bonus else 0.0,
        confidence=round(confidence, 3),
        reason=why,
        basis="absence" if absence else basis,
        finding_keys=tuple(f.key for f in findings),
        evidence=tuple(e for f in findings for e in f.evidence)[:MAX_EVIDENCE],
    )
