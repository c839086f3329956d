import pytest
from pydantic import ValidationError

from callqa.models.transcript import Transcript, Turn, Word
from callqa.qa_rules.findings import Evidence, Finding, quote_turn
from callqa.qa_rules.scores import CriterionScore, InteractionScore
from tests.helpers import make_transcript

EVIDENCE = Evidence(
    turn=0, speaker="agent", char_start=0, char_end=5, start=1.0, end=2.0, quote="Hello"
)
FINDING = Finding(
    detector="d",
    behaviour="empathy",
    label="apology",
    polarity="positive",
    confidence=0.9,
    evidence=(EVIDENCE,),
    why="apologised",
)
CRITERION = CriterionScore(
    criterion_id="empathy",
    answer="yes",
    score=10,
    potential=10,
    confidence=0.9,
    reason="apologised",
    finding_keys=(FINDING.key,),
    evidence=(EVIDENCE,),
)

RECORDS = [
    Word(text="hi", start=0.0, end=0.2, confidence=0.9),
    Turn(
        speaker="agent",
        text="hi there",
        start=0.0,
        end=1.0,
        words=(Word(text="hi", start=0.0, end=0.4),),
        channel=0,
    ),
    make_transcript("[0-1] agent: hi", "[1.5-3] customer: hello"),
    EVIDENCE,
    FINDING,
    CRITERION,
    InteractionScore(
        call_id="c",
        scorecard_id="default",
        scorecard_version="1",
        criteria=(CRITERION,),
        total=100.0,
        flags=("low_score",),
    ),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_json_round_trip(record):
    assert type(record).from_json(record.to_json()) == record


def test_records_are_frozen_and_strict():
    with pytest.raises(ValidationError):
        EVIDENCE.quote = "changed"
    with pytest.raises(ValidationError):
        Word(text="hi", colour="red")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": 2.0, "end": 2.0}, "zero-length"),
        ({"start": 3.0, "end": 2.0}, "reversed"),
        ({"start": 1.0}, "both start and end"),
        ({"start": -1.0, "end": 1.0}, "negative"),
        ({"speaker": "supervisor"}, "speaker"),
    ],
)
def test_turn_validation(fields, message):
    with pytest.raises(ValidationError, match=message):
        Turn(**{"speaker": "agent", "text": "hi", **fields})


def test_answer_without_evidence_is_rejected_but_na_is_fine():
    with pytest.raises(ValidationError, match="needs evidence"):
        CriterionScore(
            criterion_id="x", answer="no", score=0, potential=5, confidence=1, reason="r"
        )
    CriterionScore(
        criterion_id="x",
        answer="na",
        score=None,
        potential=0,
        confidence=1,
        reason="not applicable",
    )


def test_transcript_duration_and_timed():
    assert make_transcript("[0.5-2] agent: a", "[2-9.5] customer: b").duration == 9.5
    untimed = make_transcript("agent: a", "customer: b")
    assert not untimed.timed and untimed.duration is None
    with pytest.raises(ValidationError):
        Transcript(call_id="", turns=(), source="x")


def test_quote_turn_narrows_times_to_words_in_span():
    turn = Turn(
        speaker="agent",
        text="I am sorry about that",
        start=1.0,
        end=3.0,
        words=tuple(
            Word(text=w, start=1.0 + i * 0.4, end=1.3 + i * 0.4)
            for i, w in enumerate("I am sorry about that".split())
        ),
    )
    tr = Transcript(call_id="c", turns=(turn,), source="test")
    ev = quote_turn(tr, 0, 5, 10)
    assert ev.quote == "sorry"
    assert (ev.start, ev.end) == (1.8, pytest.approx(2.1))
    assert quote_turn(tr, 0).quote == turn.text


def test_finding_key_is_stable_and_distinct():
    other = FINDING.model_copy(update={"label": "empathy_statement"})
    assert FINDING.key == Finding.from_json(FINDING.to_json()).key
    assert FINDING.key != other.key
