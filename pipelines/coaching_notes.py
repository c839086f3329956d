"""A coach's notes on an agent, each with a follow-up date, and the check at follow-up: how
the agent's scored calls since the note compare with those before it.

The notes live in the store's database, in a table of their own made on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from statistics import mean

from sqlalchemy import insert, select

from callqa.models.transcript import Record
from callqa.pipelines.schema import coaching_notes as notes
from callqa.pipelines.store import Store
from callqa.qa_rules.scores import ScoredCall


class CoachingNote(Record):
    agent_id: str
    coach: str
    note: str
    follow_up: date
    at: datetime


class FollowUp(Record):
    """The check a follow-up asks for: the agent's mean score before the note and since."""

    note: CoachingNote
    due: bool
    calls_before: int
    mean_before: float | None
    calls_since: int
    mean_since: float | None


def add_note(store: Store, agent_id: str, coach: str, note: str, follow_up: date) -> None:
    with store.engine.begin() as db:
        db.execute(insert(notes).values(agent_id=agent_id, coach=coach, note=note,
                                        follow_up=follow_up, at=datetime.now(UTC)))  # fmt: skip


def notes_of(store: Store, agent_id: str) -> list[CoachingNote]:
    """The agent's notes, newest first."""
    query = select(notes).where(notes.c.agent_id == agent_id).order_by(notes.c.id.desc())
    with store.engine.connect() as db:
        return [CoachingNote(**{k: v for k, v in r._mapping.items() if k != "id"})
                for r in db.execute(query)]  # fmt: skip


def follow_up(
    note: CoachingNote, calls: Sequence[ScoredCall], today: date | None = None
) -> FollowUp:
    """The agent's scored calls before ``note`` and since it, by when they took place."""
    at = note.at if note.at.tzinfo else note.at.replace(tzinfo=UTC)
    own = [c for c in calls if c.agent_id == note.agent_id and c.score and c.started_at]
    before = [_total(c) for c in own if _when(c) < at]
    since = [_total(c) for c in own if _when(c) >= at]
    return FollowUp(
        note=note, due=(today or date.today()) >= note.follow_up,
        calls_before=len(before), mean_before=_mean(before),
        calls_since=len(since), mean_since=_mean(since),
    )  # fmt: skip


def _when(call: ScoredCall) -> datetime:
    assert call.started_at is not None
    return call.started_at if call.started_at.tzinfo else call.started_at.replace(tzinfo=UTC)


def _total(call: ScoredCall) -> float | None:
    return call.score.total if call.score else None


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(mean(known), 1) if known else None
