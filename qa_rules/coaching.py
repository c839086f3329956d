"""Coaching plans: what an agent should work on, with their own moments and peers' examples.

A plan compares the agent's pass rate per criterion with the rest of their team (Wilson 95%
intervals), picks the criteria whose improvement would raise their score most (miss rate times
the criterion's points), quotes the agent's misses and peers' good moments for each, and adds
practice from the coaching catalogue (``qa_rules/coaching.yaml``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from statistics import mean

from pydantic import Field

from callqa.models.transcript import Record
from callqa.qa_rules.findings import Evidence
from callqa.qa_rules.scorecard import Scorecard
from callqa.qa_rules.scores import CriterionScore, ScoredCall
from callqa.qa_rules.yaml_files import load_yaml

CATALOGUE = Path(__file__).parent / "coaching.yaml"
FOCUS = 3  # criteria per plan
FOLLOW_UP_DAYS = 14


class Practice(Record):
    title: str
    practice: str


class Moment(Record):
    call_id: str
    agent_id: str
    evidence: Evidence


class CriterionStats(Record):
    criterion_id: str
    label: str
    n: int
    pass_rate: float | None
    interval: tuple[float, float] | None
    team_n: int
    team_pass_rate: float | None
    gain: float = Field(description="points a call would gain on average if never missed")


class FocusArea(Record):
    stats: CriterionStats
    own_moments: tuple[Moment, ...]
    peer_moments: tuple[Moment, ...]
    practice: tuple[Practice, ...]


class CoachingPlan(Record):
    agent_id: str
    team: str | None
    calls: int
    mean_total: float | None
    team_mean_total: float | None
    weekly: tuple[tuple[str, float], ...]
    criteria: tuple[CriterionStats, ...]
    focus: tuple[FocusArea, ...]
    follow_up: date


@lru_cache(maxsize=1)
def load_catalogue(path: Path = CATALOGUE) -> dict[str, Practice]:
    """The coaching catalogue: practice per coaching tag."""
    data = load_yaml(path)
    return {tag: Practice.model_validate(entry) for tag, entry in data.items()}


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """Wilson score 95% interval for a proportion (None when n is 0)."""
    if n == 0:
        return None
    z, p = 1.96, successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3))


def coaching_plan(
    agent_id: str, rows: Sequence[ScoredCall], card: Scorecard, today: date | None = None
) -> CoachingPlan:
    """The plan for ``agent_id`` from stored, scored calls."""
    scored = [r for r in rows if r.score is not None]
    own = [r for r in scored if r.agent_id == agent_id]
    if not own:
        raise KeyError(f"no scored calls for agent {agent_id!r}")
    team = own[0].team
    peers = [r for r in scored if r.agent_id != agent_id and (team is None or r.team == team)]
    peers = peers or [r for r in scored if r.agent_id != agent_id]
    stats = [_stats(c.id, c.label, own, peers) for c in card.criteria() if not c.bonus]
    ranked = sorted((s for s in stats if s.gain > 0), key=lambda s: -s.gain)[:FOCUS]
    catalogue = load_catalogue()
    tags = {c.id: c.coaching for c in card.criteria()}
    focus = tuple(
        FocusArea(
            stats=s,
            own_moments=_moments(own, s.criterion_id, "no"),
            peer_moments=_moments(peers, s.criterion_id, "yes"),
            practice=tuple(catalogue[t] for t in tags[s.criterion_id] if t in catalogue),
        )
        for s in ranked
    )
    return CoachingPlan(
        agent_id=agent_id,
        team=team,
        calls=len(own),
        mean_total=_mean_total(own),
        team_mean_total=_mean_total(peers),
        weekly=_weekly(own),
        criteria=tuple(stats),
        focus=focus,
        follow_up=(today or date.today()) + timedelta(days=FOLLOW_UP_DAYS),
    )


def _answers(rows: Sequence[ScoredCall], criterion_id: str) -> list[CriterionScore]:
    return [a for r in rows for a in _criteria(r) if a.criterion_id == criterion_id]


def _criteria(row: ScoredCall) -> tuple[CriterionScore, ...]:
    return row.score.criteria if row.score else ()


def _stats(
    criterion_id: str, label: str, own: Sequence[ScoredCall], peers: Sequence[ScoredCall]
) -> CriterionStats:
    mine = [a for a in _answers(own, criterion_id) if a.answer in ("yes", "no")]
    theirs = [a for a in _answers(peers, criterion_id) if a.answer in ("yes", "no")]
    passed = sum(a.answer == "yes" for a in mine)
    missed_points = [a.potential for a in mine if a.answer == "no"]
    return CriterionStats(
        criterion_id=criterion_id,
        label=label,
        n=len(mine),
        pass_rate=round(passed / len(mine), 3) if mine else None,
        interval=wilson(passed, len(mine)),
        team_n=len(theirs),
        team_pass_rate=(
            round(sum(a.answer == "yes" for a in theirs) / len(theirs), 3) if theirs else None
        ),
        gain=round(sum(missed_points) / len(own), 2) if own else 0.0,
    )


def _moments(rows: Sequence[ScoredCall], criterion_id: str, answer: str) -> tuple[Moment, ...]:
    found = []
    for r in rows:
        for a in _criteria(r):
            if a.criterion_id == criterion_id and a.answer == answer and a.evidence:
                agent_said = [e for e in a.evidence if e.speaker == "agent"]
                quote = agent_said[0] if answer == "yes" and agent_said else a.evidence[0]
                found.append(Moment(call_id=r.call_id, agent_id=r.agent_id or "-",
                                    evidence=quote))  # fmt: skip
    return tuple(found[:3])


def _mean_total(rows: Sequence[ScoredCall]) -> float | None:
    totals = [r.score.total for r in rows if r.score and r.score.total is not None]
    return round(mean(totals), 1) if totals else None


def _weekly(rows: Sequence[ScoredCall]) -> tuple[tuple[str, float], ...]:
    weeks: dict[str, list[float]] = {}
    for r in rows:
        if r.started_at and r.score and r.score.total is not None:
            weeks.setdefault(r.started_at.strftime("%G-W%V"), []).append(r.score.total)
    return tuple((week, round(mean(v), 1)) for week, v in sorted(weeks.items()))
