"""Review flags, the queue order, the random sample and its estimate."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callqa.pipelines.records import Review
from callqa.pipelines.review import (
    agreement,
    estimate,
    random_sample,
    review_queue,
    sample_estimates,
    within_budget,
)
from callqa.qa_rules.findings import Evidence, Finding
from callqa.qa_rules.flags import FlagRules, flag_call
from callqa.qa_rules.precision import Measured
from callqa.qa_rules.scores import CriterionScore, InteractionScore, ScoredCall

pytestmark = pytest.mark.usefixtures("every_label_proven")


def finding(label, value=None):
    evidence = Evidence(turn=0, speaker="agent", char_start=0, char_end=3, start=1.0, quote="hey")
    return Finding(detector="t", behaviour="b", label=label, polarity="negative", confidence=0.9,
                   evidence=(evidence,), why="w", value=value)  # fmt: skip


def score(total, flags=(), answers=()):
    return InteractionScore(call_id="c", scorecard_id="s", scorecard_version="1",
                            criteria=tuple(answers), total=total, flags=tuple(flags),
                            auto_failed=any(f.startswith("auto_fail") for f in flags))  # fmt: skip


def reasons(flags):
    return [f.reason for f in flags]


@pytest.mark.parametrize(
    "findings, total, expected",
    [
        ([], 90, []),
        ([], 40, ["low_score"]),
        ([finding("unresolved")], 90, ["unresolved"]),
        ([finding("escalated")], 90, []),  # off by default
        ([finding("cut_off")], 90, ["cut_off"]),
        ([finding("readback_mismatch")], 90, ["readback_mismatch"]),
        ([finding("no_verification")], 90, ["no_verification"]),
        ([finding("distress_ignored")], 90, ["distress_ignored"]),
        ([finding("sentiment_worsened")], 90, ["sentiment_worsened"]),
        ([finding("low_asr_confidence")], 90, ["low_asr_confidence"]),
        ([finding("customer_repeats"), finding("customer_correction")], 90, ["comprehension_gaps"]),
        ([finding("customer_repeats")], 90, []),
        ([finding("dead_air", 45.0)], 90, ["long_silence"]),
        ([finding("dead_air", 12.0)], 90, []),
    ],
)
def test_flag_rules(findings, total, expected):
    assert reasons(flag_call(score(total), tuple(findings))) == expected


def test_a_request_put_off_flags_even_inside_a_partly_resolved_call():
    put_off = finding("request_outcome").model_copy(
        update={"details": {"outcome": "unresolved", "put_off": "true"}}
    )
    assert reasons(flag_call(score(90), (finding("partly_resolved"), put_off))) == ["put_off"]
    assert flag_call(score(90), (put_off,), FlagRules(flag_put_off=False)) == ()


def test_auto_fail_and_unsure_criteria_are_flagged_first():
    ev = finding("dismissive_language").evidence
    failed = CriterionScore(criterion_id="respectful", answer="no", score=0, potential=5,
                            confidence=0.9, reason="No", evidence=ev)  # fmt: skip
    unsure = CriterionScore(criterion_id="restated", answer="unsure", score=None, potential=0,
                            confidence=0.3, reason="Unsure")  # fmt: skip
    flags = flag_call(
        score(0, ["auto_fail:respectful", "unsure:restated"], [failed, unsure]),
        (finding("unresolved"),),
    )
    assert reasons(flags) == ["auto_fail", "unresolved", "unsure"]
    assert flags[0].evidence[0].quote == "hey"


def test_rules_can_be_turned_off():
    rules = FlagRules(min_total=None, flag_unresolved=False)
    assert flag_call(score(10), (finding("unresolved"),), rules) == ()


def rows(n, agent="a1", week_day=2):
    return [
        ScoredCall(call_id=f"{agent}-{i}", agent_id=agent, team="t", findings=(), metrics={},
                   started_at=datetime(2026, 11, week_day + (i % 3), tzinfo=UTC),
                   score=score(50 + i))
        for i in range(n)
    ]  # fmt: skip


def test_queue_orders_by_priority_then_lowest_total():
    calls = rows(3)
    calls[1] = calls[1].model_copy(update={"findings": (finding("unresolved"),)})
    queue = review_queue(calls, FlagRules(min_total=51.5))
    assert [q["call_id"] for q in queue] == ["a1-1", "a1-0"]  # unresolved 70 beats low score 61


def test_random_sample_is_exactly_its_fraction_stable_and_stratified():
    calls = rows(40) + rows(10, agent="a2")
    first, second = random_sample(calls, 0.1), random_sample(calls, 0.1)
    assert first == second and len(first) == 5  # 10% of 50, not one more
    assert sum(r.agent_id == "a1" for r in first) == 4  # in proportion: 40 and 10 calls
    assert sum(r.agent_id == "a2" for r in first) == 1
    assert len(random_sample(calls[:3], 0.1)) == 1 and random_sample(calls, 0.0) == []
    assert len(random_sample(calls, 1.0)) == 50


def test_estimate_matches_a_t_interval():
    from scipy import stats

    values = [60.0, 70.0, 80.0, 90.0]
    got = estimate(values)
    low, high = stats.t.interval(0.95, 3, loc=75, scale=stats.sem(values))
    assert got["mean"] == 75.0 and got["ci95"] == pytest.approx((high - low) / 2, abs=0.05)
    assert estimate([]) == {"n": 0, "mean": None, "ci95": None}
    assert estimate([5.0])["ci95"] is None


def review(call_id, criterion_id, system_answer, answer):
    return Review(call_id=call_id, criterion_id=criterion_id, system_answer=system_answer,
                  answer=answer, comment="", reviewer="r", at=datetime.now(UTC))  # fmt: skip


def test_agreement_uses_the_latest_review_and_matches_sklearn_kappa():
    from sklearn.metrics import cohen_kappa_score

    system = ["yes", "yes", "no", "no", "yes", "na"]
    human = ["yes", "no", "no", "no", "yes", "yes"]
    reviews = [
        review(f"c{i}", "probed", s, h) for i, (s, h) in enumerate(zip(system, human, strict=True))
    ]
    reviews.insert(
        0, review("c1", "probed", "yes", "yes")
    )  # fmt: skip  (superseded by the later review of c1)
    (row,) = agreement(reviews)
    assert row["n"] == 6 and row["agreement"] == pytest.approx(4 / 6, abs=1e-3)
    assert row["kappa"] == pytest.approx(cohen_kappa_score(system, human), abs=1e-3)
    same = [review("c", "x", "yes", "yes")]
    assert agreement(same)[0]["kappa"] is None


def test_a_flagging_custom_rule_sends_the_call_to_review():
    rule_hit = finding("legal_threat").model_copy(update={"details": {"flag": "85"}})
    flags = flag_call(score(90), (rule_hit,))
    assert [(f.reason, f.priority) for f in flags] == [("rule:legal_threat", 85)]


def test_sample_estimates_per_team():
    calls = rows(3) + rows(2, agent="a2")
    calls[-1] = calls[-1].model_copy(update={"team": "west"})
    by_team = sample_estimates(calls, "team")
    assert by_team["t"]["n"] == 4 and by_team["west"] == {"n": 1, "mean": 51.0, "ci95": None}


def test_the_flag_budget_keeps_the_highest_priorities_and_every_auto_fail():
    queue = [
        {"call_id": f"c{i}", "priority": p, "flags": [{"reason": reason}]}
        for i, (p, reason) in enumerate(
            [(100, "auto_fail"), (70, "unresolved"), (65, "low_score"), (60, "escalated"),
             (100, "auto_fail"), (100, "auto_fail"), (50, "unsure")]
        )
    ]  # fmt: skip
    kept, held = within_budget(queue, calls=10, budget=0.2)
    assert [q["call_id"] for q in kept] == ["c0", "c4", "c5"]  # auto-fails beyond the budget
    assert [q["call_id"] for q in held] == ["c1", "c2", "c3", "c6"]
    kept, held = within_budget(queue[1:4], calls=10, budget=0.2)
    assert [q["call_id"] for q in kept] == ["c1", "c2"] and [q["call_id"] for q in held] == ["c3"]
    assert within_budget(queue, calls=10, budget=None) == (queue, [])
    kept, _ = within_budget(queue[1:4], calls=14, budget=0.2)  # 2.8 calls: at most 20%, so 2
    assert len(kept) == 2
    kept, _ = within_budget(queue[1:4], calls=3, budget=0.2)  # a tiny batch still gets one
    assert len(kept) == 1


def test_a_negative_label_of_unproven_precision_is_an_observation(every_label_proven):
    every_label_proven["dead_air"] = Measured(0.4, 20)  # measured, below the threshold
    every_label_proven["sentiment_worsened"] = Measured(0.0, 0)  # never measured
    silence, worse = finding("dead_air", 45.0), finding("sentiment_worsened")
    assert flag_call(score(90), (silence, worse)) == ()
    every_label_proven["dead_air"] = Measured(0.9, 40, 0.6, 10)  # not on calls never tuned on
    assert flag_call(score(90), (silence,)) == ()
    every_label_proven["dead_air"] = Measured(0.9, 40, 0.5, 6)  # too few held out to judge
    assert reasons(flag_call(score(90), (silence,))) == ["long_silence"]
    assert reasons(flag_call(score(90), (finding("unresolved"),))) == ["unresolved"]  # outcomes


def test_observations_cost_no_points(every_label_proven):
    from callqa.qa_rules.scorecard import load_scorecard
    from callqa.qa_rules.scoring import score_call

    card = load_scorecard("voice-support")
    rude = Finding(detector="empathy", behaviour="empathy", label="dismissive_language",
                   polarity="negative", confidence=0.9, evidence=finding("x").evidence,
                   why="w")  # fmt: skip
    assert score_call(card, "c", (rude,)).auto_failed
    every_label_proven["dismissive_language"] = Measured(0.6, 5)
    assert not score_call(card, "c", (rude,)).auto_failed


def test_every_flag_reason_is_listed():
    from callqa.qa_rules.flags import REASONS

    source = (Path(__file__).parents[1] / "qa_rules" / "flags.py").read_text()
    given = set(re.findall(r'reason="(\w+)"', source)) | set(
        re.findall(r'\(rules\.flag_\w+, "\w+", "(\w+)"', source)
    )
    assert given and given <= set(REASONS)


def test_a_sample_means_interval_stays_within_the_scale():
    from callqa.pipelines.console import _interval

    assert _interval({"n": 2, "mean": 86.2, "ci95": 130.2}) == " (95% CI 0.0 to 100.0)"
    assert _interval({"n": 9, "mean": 70.0, "ci95": 5.5}) == " (95% CI 64.5 to 75.5)"
    assert _interval({"n": 1, "mean": 70.0, "ci95": None}) == ""
