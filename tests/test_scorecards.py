"""Scorecards: validation of the YAML, and the scoring arithmetic."""

import pytest
import yaml

from callqa.qa_rules.findings import Evidence, Finding
from callqa.qa_rules.scorecard import Scorecard, ScorecardError, load_scorecard
from callqa.qa_rules.scoring import score_call

pytestmark = pytest.mark.usefixtures("every_label_proven")


def card(**changes):
    """A two-section scorecard as a dict, with ``changes`` applied to its first criterion."""
    first = {"id": "restated", "label": "Restated", "weight": 1, "yes_when": ["restatement"],
             "if_neither": "no"} | changes  # fmt: skip
    return {
        "id": "test",
        "version": "1",
        "name": "Test",
        "sections": [
            {"id": "listening", "label": "Listening", "weight": 60, "criteria": [
                first,
                {"id": "respectful", "label": "Respectful", "weight": 1, "critical": True,
                 "no_when": ["dismissive_language"], "if_neither": "yes"},
            ]},
            {"id": "empathy", "label": "Empathy", "weight": 40, "criteria": [
                {"id": "distress", "label": "Distress", "weight": 3,
                 "yes_when": ["distress_acknowledged"], "no_when": ["distress_ignored"],
                 "na_unless": ["distress_acknowledged", "distress_ignored"]},
                {"id": "name", "label": "Name", "weight": 1, "bonus": True,
                 "yes_when": ["uses_customer_name"], "if_neither": "no"},
            ]},
        ],
    }  # fmt: skip


def finding(label, polarity="positive", confidence=0.9, start=5.0):
    evidence = Evidence(turn=1, speaker="agent", char_start=0, char_end=2, start=start, quote="hi")
    return Finding(detector="t", behaviour="b", label=label, polarity=polarity,
                   confidence=confidence, evidence=(evidence,), why="because")  # fmt: skip


@pytest.mark.parametrize(
    "change, message",
    [
        ({"yes_whn": ["restatement"]}, "Extra inputs are not permitted"),
        ({"yes_when": ["restatment"]}, "unknown finding labels: restatment"),
        ({"id": "respectful"}, "duplicate ids: respectful"),
        ({"yes_when": [], "no_when": []}, "reads no findings"),
        ({"weight": 0}, "greater than 0"),
        ({"critical": True, "bonus": True}, "both critical and a bonus"),
        ({"if_neither": "maybe"}, "Input should be"),
        ({"if_neither": "unsure"}, "Input should be"),  # nothing found is never unsure
    ],
)
def test_invalid_scorecards_are_rejected_with_the_reason(tmp_path, change, message):
    path = tmp_path / "card.yaml"
    path.write_text(yaml.safe_dump(card(**change)))
    with pytest.raises(ScorecardError, match=message):
        load_scorecard(path)


def test_section_weights_must_add_up(tmp_path):
    data = card()
    data["sections"][1]["weight"] = 30
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ScorecardError, match="add up to 90, not 100"):
        load_scorecard(tmp_path / "c.yaml")


def test_unreadable_and_malformed_files_name_the_file(tmp_path):
    with pytest.raises(ScorecardError, match="cannot read"):
        load_scorecard(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("id: [unclosed")
    with pytest.raises(ScorecardError, match="bad.yaml: not valid YAML"):
        load_scorecard(tmp_path / "bad.yaml")


def test_the_bundled_scorecard_is_valid_and_has_a_json_schema():
    bundled = load_scorecard()
    assert bundled.id == "voice-support" and sum(s.weight for s in bundled.sections) == 100
    assert {s.id for s in bundled.sections} >= {
        "active_listening", "empathy", "problem_solving", "comprehension", "extra_mile",
        "follow_up", "call_handling",
    }  # fmt: skip
    schema = Scorecard.model_json_schema()
    assert schema["additionalProperties"] is False and "sections" in schema["properties"]


def score(findings, **changes):
    return score_call(Scorecard.model_validate(card(**changes)), "c1", tuple(findings))


def answers(result):
    return {a.criterion_id: a for a in result.criteria}


def test_yes_earns_the_criterions_share_and_na_leaves_the_potential():
    result = score([finding("restatement")])
    got = answers(result)
    assert got["restated"].answer == "yes" and got["restated"].score == pytest.approx(30.0)
    assert got["respectful"].answer == "yes" and got["respectful"].basis == "absence"
    assert got["distress"].answer == "na" and got["distress"].potential == 0
    assert result.total == pytest.approx(100.0)  # 60 of 60: the empathy section is N/A
    assert got["restated"].evidence[0].quote == "hi"
    assert got["restated"].finding_keys == (finding("restatement").key,)


def test_no_answers_and_na_arithmetic():
    result = score([finding("distress_ignored", "negative")])
    got = answers(result)
    assert got["restated"].answer == "no" and got["restated"].score == 0
    assert got["distress"].answer == "no" and got["distress"].potential == pytest.approx(40.0)
    assert result.total == pytest.approx(100 * 30 / 100)  # respectful 30 of 100


def test_bonus_adds_points_without_potential_and_the_total_is_capped():
    result = score([finding("restatement"), finding("uses_customer_name")])
    got = answers(result)
    assert got["name"].potential == 0 and got["name"].score == pytest.approx(40 / 3)
    assert result.total == 100.0


def test_critical_no_on_evidence_fails_the_call():
    result = score([finding("restatement"), finding("dismissive_language", "negative")])
    assert result.auto_failed and result.total == 0
    assert "auto_fail:respectful" in result.flags


def test_disagreeing_or_weak_findings_abstain_and_flag_review():
    both = score([finding("distress_acknowledged"), finding("distress_ignored", "negative")])
    assert answers(both)["distress"].answer == "unsure"
    assert "unsure:distress" in both.flags
    weak = score([finding("restatement", confidence=0.3)])
    assert answers(weak)["restated"].answer == "unsure"
    assert answers(weak)["restated"].potential == 0


def test_speaker_and_time_filters():
    late = score([finding("restatement", start=120.0)], within_s=60)
    assert answers(late)["restated"].answer == "no"
    early = score([finding("restatement", start=10.0)], within_s=60, speaker="agent")
    assert answers(early)["restated"].answer == "yes"
    other = score([finding("restatement")], speaker="customer")
    assert answers(other)["restated"].answer == "no"


def test_a_used_scorecard_version_is_frozen(tmp_path):
    from callqa.pipelines.store import Store, db_url

    store = Store(db_url(tmp_path / "s.db"))
    used = Scorecard.model_validate(card())
    store.freeze_scorecard(used)
    store.freeze_scorecard(used)  # the same definition again is fine
    changed = Scorecard.model_validate(card(weight=2))
    with pytest.raises(ValueError, match="test v1 changed since calls were scored"):
        store.freeze_scorecard(changed)
    store.freeze_scorecard(changed.model_copy(update={"version": "2"}))


@pytest.mark.parametrize("weight", [1, 2])
def test_two_workers_freezing_one_scorecard_at_once(tmp_path, weight):
    """Another worker records the version between this one's read and its write: the same
    definition is fine, a different one is still refused."""
    from sqlalchemy import event

    from callqa.pipelines.store import Store, db_url

    url = db_url(tmp_path / "s.db")
    store, other = Store(url), Store(url)
    raced = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _other_worker_first(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO scorecards") and not raced:
            raced.append(True)
            other.freeze_scorecard(Scorecard.model_validate(card(weight=weight)))

    if weight == 1:
        store.freeze_scorecard(Scorecard.model_validate(card()))
    else:
        with pytest.raises(ValueError, match="changed since calls were scored"):
            store.freeze_scorecard(Scorecard.model_validate(card()))
    assert raced


RULES = [
    {"id": "cancel_talk", "label": "Customer talks of cancelling", "kind": "keyword",
     "patterns": ["cancel", "close my account"], "speaker": "customer", "polarity": "negative"},
    {"id": "legal_threat", "label": "Legal threat", "kind": "regex",
     "patterns": [r"\blawyers?\b|\bsue\b"]},
    {"id": "early_recording_notice", "label": "Recording notice in the first 10 s",
     "kind": "phrase", "patterns": ["this call is recorded"], "within_s": 10,
     "polarity": "positive"},
    {"id": "price_complaint", "label": "Complains about price", "kind": "semantic",
     "examples": ["this is far too expensive", "your prices are a rip-off"], "threshold": 0.5},
    {"id": "angry_customer", "label": "Angry customer", "kind": "keyword",
     "patterns": ["!"], "emotion": "anger"},
]  # fmt: skip


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"id": "x", "label": "X", "kind": "semantic"}, "needs examples"),
        ({"id": "x", "label": "X", "kind": "regex", "patterns": ["(unclosed"]}, "bad regex"),
        ({"id": "x", "label": "X", "kind": "keyword"}, "needs patterns"),
        ({"id": "x", "label": "X", "kind": "keyword", "patterns": ["a"], "emotion": "rage"},
         "unknown emotion"),
        ({"id": "apology", "label": "X", "kind": "keyword", "patterns": ["a"]}, "clash"),
    ],
)  # fmt: skip
def test_invalid_rules_are_rejected(tmp_path, rule, message):
    data = card()
    data["rules"] = [rule]
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ScorecardError, match=message):
        load_scorecard(tmp_path / "c.yaml")


@pytest.mark.slow
def test_rules_raise_findings_that_criteria_read():
    from callqa.qa_rules.analysis import analyse_calls, load_analyzer
    from tests.helpers import make_transcript

    data = card(yes_when=["early_recording_notice"])
    data["rules"] = RULES
    scorecard = Scorecard.model_validate(data)
    call = make_transcript(
        "[0-4] agent: Hello, this call is recorded for training.",
        "[5-9] customer: I want to cancel, your prices are far too expensive.",
        "[10-12] customer: My lawyer will hear about this.",
        "[13-15] agent: I cancel nothing without checking.",
    )
    (analysis,) = analyse_calls([call], load_analyzer(), scorecard.rules)
    found = {f.label: f for f in analysis.findings if f.detector == "scorecard_rules"}
    assert set(found) == {
        "cancel_talk",
        "legal_threat",
        "early_recording_notice",
        "price_complaint",
    }
    assert [e.turn for e in found["cancel_talk"].evidence] == [1]  # customer only
    assert found["cancel_talk"].polarity == "negative"
    scored = score_call(scorecard, "c", analysis.findings)
    assert answers(scored)["restated"].answer == "yes"  # the criterion reads the rule


def test_scale_answers_earn_their_share():
    scale = {"yes_when": ["empathy_statement", "apology", "reflects_feeling"], "scale": 3}
    result = score([finding("apology"), finding("reflects_feeling")], **scale)
    got = answers(result)["restated"]
    assert got.answer == 2 and got.score == pytest.approx(30 * 2 / 3)
    assert got.potential == pytest.approx(30.0)
    with pytest.raises(ValueError, match="scale of 3 needs as many yes_when"):
        Scorecard.model_validate(card(yes_when=["apology"], scale=3))


def test_metric_criteria_compare_against_their_bounds():
    talk = {"yes_when": [], "metric": "agent_talk_share", "at_most": 0.7}
    assert answers(score([], **talk))["restated"].answer == "na"  # not measured (chat)
    scorecard = Scorecard.model_validate(card(**talk))
    over = answers(score_call(scorecard, "c", (), {"agent_talk_share": 0.74}))["restated"]
    assert over.answer == "no" and over.basis == "metric" and "0.74, at most 0.7" in over.reason
    under = answers(score_call(scorecard, "c", (), {"agent_talk_share": 0.5}))["restated"]
    assert under.answer == "yes" and under.confidence == 1.0
    with pytest.raises(ValueError, match="unknown metric"):
        Scorecard.model_validate(card(yes_when=[], metric="talkiness", at_most=1))
    with pytest.raises(ValueError, match="needs at_most or at_least"):
        Scorecard.model_validate(card(yes_when=[], metric="agent_talk_share"))


def answers_on(findings):
    from callqa.qa_rules.scoring import score_call

    score = score_call(load_scorecard("voice-support"), "c", tuple(findings))
    return {a.criterion_id: a for a in score.criteria}


def test_default_card_criteria_apply_only_where_the_call_called_for_them():
    from callqa.pipelines.console import _scorecard
    from callqa.qa_rules.scoring import score_call

    routine = answers_on([finding("greeting"), finding("resolved"), finding("problem_identified")])
    assert routine["showed_empathy"].answer == "na"  # a balance check needs no empathy
    assert routine["restated"].answer == "na"  # nor a restatement: nothing to get right
    assert routine["answered_distress"].answer == "na"
    assert routine["confirmed_resolution"].answer == "no"  # resolved, never checked
    assert "none of" in routine["confirmed_resolution"].reason  # says it was not found
    assert routine["probed"].potential == 0 and routine["proactive"].potential == 0  # bonuses
    shown = "\n".join(_scorecard(score_call(load_scorecard("voice-support"), "c", (
        finding("greeting"), finding("resolved"), finding("problem_identified")))))  # fmt: skip
    probed = next(line for line in shown.splitlines() if " probed " in line)
    assert probed.split()[:3] == ["no", "probed", "+0.0"] and "bonus" in probed  # not "NO 0/0"
    handed_on = answers_on([finding("transferred", "neutral")])
    assert handed_on["confirmed_resolution"].answer == "na"  # nothing was resolved here
    repeated = answers_on([finding("customer_repeats", "negative")])
    assert repeated["restated"].answer == "no"  # the customer had to repeat: it was due
    upset = answers_on([finding("distress_ignored", "negative")])
    assert upset["showed_empathy"].answer == "no"
    assert upset["answered_distress"].answer == "no"


def test_unsure_means_the_findings_disagree_or_are_weak_never_that_nothing_was_found():
    nothing = answers_on([])
    assert not [a.criterion_id for a in nothing.values() if a.answer == "unsure"]
    both = answers_on([finding("problem_identified"), finding("problem_not_addressed", "negative")])
    assert both["identified_problem"].answer == "unsure"
    weak = answers_on([finding("restatement", confidence=0.3)])
    assert weak["restated"].answer == "unsure"
