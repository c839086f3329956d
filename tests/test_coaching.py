"""Coaching plans: focus areas, intervals, moments and the catalogue."""

from datetime import UTC, date, datetime

import pytest

from callqa.qa_rules.coaching import coaching_plan, load_catalogue, wilson
from callqa.qa_rules.findings import Evidence
from callqa.qa_rules.scorecard import load_scorecard
from callqa.qa_rules.scores import CriterionScore, InteractionScore, ScoredCall


def answer(criterion, verdict, potential=5.0, speaker="agent"):
    ev = Evidence(turn=1, speaker=speaker, char_start=0, char_end=4, start=3.0, quote=criterion)
    counted = verdict in ("yes", "no")
    return CriterionScore(
        criterion_id=criterion, answer=verdict, score=potential if verdict == "yes" else 0.0,
        potential=potential if counted else 0.0, confidence=0.9, reason="r",
        evidence=(ev,) if counted else (),
    )  # fmt: skip


def row(call_id, agent, answers, total, team="east", day=2):
    score = InteractionScore(call_id=call_id, scorecard_id="voice-support", scorecard_version="1",
                             criteria=tuple(answers), total=total)  # fmt: skip
    return ScoredCall(call_id=call_id, agent_id=agent, team=team, findings=(), metrics={},
                      score=score, started_at=datetime(2026, 11, day, tzinfo=UTC))  # fmt: skip


def test_wilson_interval_matches_the_formula_at_known_points():
    assert wilson(0, 0) is None
    low, high = wilson(0, 2)
    assert low == 0 and high == pytest.approx(0.658, abs=1e-3)
    low, high = wilson(5, 10)
    assert (low, high) == (pytest.approx(0.237, abs=1e-3), pytest.approx(0.763, abs=1e-3))


def test_plan_focuses_on_the_most_costly_misses_with_moments_and_practice():
    card = load_scorecard()
    rows = [
        row("a1", "ann", [answer("restated", "no", 5.6), answer("closed", "no", 2.5),
                          answer("greeted", "yes", 2.5)], 50),
        row("a2", "ann", [answer("restated", "no", 5.6), answer("closed", "yes", 2.5)], 60, day=9),
        row("b1", "bob", [answer("restated", "yes", 5.6), answer("closed", "yes", 2.5)], 90),
        row("c1", "cat", [answer("restated", "yes", 5.6)], 80, team="west"),
    ]  # fmt: skip
    plan = coaching_plan("ann", rows, card, today=date(2026, 11, 23))
    assert plan.calls == 2 and plan.mean_total == 55 and plan.team_mean_total == 90
    first, second = plan.focus[0], plan.focus[1]
    assert first.stats.criterion_id == "restated" and first.stats.gain == pytest.approx(5.6)
    assert second.stats.criterion_id == "closed" and second.stats.gain == pytest.approx(1.25)
    assert first.stats.pass_rate == 0 and first.stats.team_pass_rate == 1.0  # bob only: same team
    assert [m.call_id for m in first.own_moments] == ["a1", "a2"]
    assert [m.agent_id for m in first.peer_moments] == ["bob"]
    assert first.practice and first.practice[0].title == "Restate the issue in your own words"
    assert plan.weekly == (("2026-W45", 50.0), ("2026-W46", 60.0))
    assert plan.follow_up == date(2026, 12, 7)


def test_unknown_agent_is_an_error():
    with pytest.raises(KeyError, match="no scored calls"):
        coaching_plan("nobody", [], load_scorecard())


def test_every_coaching_tag_of_the_bundled_scorecard_is_in_the_catalogue():
    catalogue = load_catalogue()
    tags = {tag for c in load_scorecard().criteria() for tag in c.coaching}
    assert tags <= catalogue.keys()
