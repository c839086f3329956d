"""Calibration sessions: a lead picks calls, several reviewers answer every criterion of each
blind (without the system's or each other's answers), then the session shows how far the
reviewers agree with each other and with the system, criterion by criterion, and the
disagreements side by side. This is how QA teams keep their scoring consistent.

The sessions live in the store's database (tables ``calibration_*``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from statistics import mean

from sqlalchemy import delete, insert, select

from callqa.models.transcript import Record
from callqa.pipelines.schema import calibration_answers as answers
from callqa.pipelines.schema import calibration_calls as session_calls
from callqa.pipelines.schema import calibration_sessions as sessions
from callqa.pipelines.store import Store


class CalibrationSession(Record):
    id: int
    name: str
    created_by: str
    created_at: datetime
    call_ids: tuple[str, ...]


class CalibrationAnswer(Record):
    call_id: str
    criterion_id: str
    reviewer: str
    answer: str


@dataclass(frozen=True)
class CriterionAgreement:
    """One criterion over a session: how many (call, reviewer) answers, the mean Cohen's kappa
    over pairs of reviewers and of each reviewer with the system (None where it is undefined:
    one answer on both sides, or too few calls), and the calls where anyone disagreed."""

    criterion_id: str
    answers: int
    between_reviewers: float | None
    with_system: float | None
    disagreements: tuple[str, ...]


def create_session(store: Store, name: str, call_ids: Iterable[str], lead: str) -> int:
    """A new session over the stored, scored ``call_ids``; KeyError names one that is not."""
    wanted = list(dict.fromkeys(call_ids))
    for call_id in wanted:
        call = store.get_call(call_id)
        if call is None or call.score is None:
            raise KeyError(f"no scored call {call_id!r}")
    if not wanted:
        raise KeyError("a session needs at least one call")
    with store.engine.begin() as db:
        made = db.execute(
            insert(sessions).values(name=name, created_by=lead, created_at=datetime.now(UTC))
        )
        session_id = int(made.inserted_primary_key[0])  # type: ignore[index]
        db.execute(
            insert(session_calls), [{"session_id": session_id, "call_id": c} for c in wanted]
        )
    return session_id


def list_sessions(store: Store) -> list[CalibrationSession]:
    with store.engine.connect() as db:
        calls: dict[int, list[str]] = {}
        for session_id, call_id in db.execute(
            select(session_calls).order_by(session_calls.c.call_id)
        ):
            calls.setdefault(session_id, []).append(call_id)
        rows = db.execute(select(sessions).order_by(sessions.c.id.desc())).all()
    return [CalibrationSession(**r._mapping, call_ids=tuple(calls.get(r.id, ()))) for r in rows]


def get_session(store: Store, session_id: int) -> CalibrationSession | None:
    return next((s for s in list_sessions(store) if s.id == session_id), None)


def save_answers(
    store: Store, session_id: int, call_id: str, reviewer: str, given: dict[str, str]
) -> None:
    """A reviewer's answers for one call of the session (replacing their earlier ones)."""
    with store.engine.begin() as db:
        db.execute(delete(answers).where(
            (answers.c.session_id == session_id) & (answers.c.call_id == call_id)
            & (answers.c.reviewer == reviewer)
        ))  # fmt: skip
        now = datetime.now(UTC)
        db.execute(insert(answers), [
            {"session_id": session_id, "call_id": call_id, "criterion_id": criterion,
             "reviewer": reviewer, "answer": answer, "at": now}
            for criterion, answer in given.items()
        ])  # fmt: skip


def session_answers(store: Store, session_id: int) -> list[CalibrationAnswer]:
    query = select(answers.c.call_id, answers.c.criterion_id, answers.c.reviewer, answers.c.answer)
    with store.engine.connect() as db:
        rows = db.execute(query.where(answers.c.session_id == session_id)).all()
    return [CalibrationAnswer(**r._mapping) for r in rows]


def agreement_by_criterion(
    given: Sequence[CalibrationAnswer], system: dict[tuple[str, str], str]
) -> list[CriterionAgreement]:
    """Per criterion: reviewers against each other and against the system's answers
    (``system``: (call id, criterion id) -> answer), over the calls both answered."""
    by_criterion: dict[str, dict[str, dict[str, str]]] = {}
    for a in given:
        by_criterion.setdefault(a.criterion_id, {}).setdefault(a.reviewer, {})[a.call_id] = a.answer
    found = []
    for criterion, by_reviewer in sorted(by_criterion.items()):
        pairs = [
            _kappa(by_reviewer[a], by_reviewer[b]) for a, b in combinations(sorted(by_reviewer), 2)
        ]
        own_system = {c: s for (c, k), s in system.items() if k == criterion}
        with_system = [_kappa(mine, own_system) for mine in by_reviewer.values()]
        calls = {c for mine in by_reviewer.values() for c in mine}
        said = {c: {m[c] for m in by_reviewer.values() if c in m} for c in calls}
        system_said = {c: {own_system[c]} if c in own_system else set() for c in calls}
        split = sorted(c for c in calls if len(said[c] | system_said[c]) > 1)
        found.append(CriterionAgreement(
            criterion_id=criterion, answers=sum(len(m) for m in by_reviewer.values()),
            between_reviewers=_mean(pairs), with_system=_mean(with_system),
            disagreements=tuple(split),
        ))  # fmt: skip
    return found


def _kappa(first: dict[str, str], second: dict[str, str]) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    both = sorted(set(first) & set(second))
    a, b = [first[c] for c in both], [second[c] for c in both]
    if len(both) < 2 or len(set(a) | set(b)) < 2:
        return None
    if a == b:
        return 1.0
    return float(cohen_kappa_score(a, b))


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(mean(known), 3) if known else None
