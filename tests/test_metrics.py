import pytest

from callqa.qa_rules.metrics import MetricThresholds, analyse_conversation
from tests.helpers import make_transcript


def labels(findings):
    return [f.label for f in findings]


def test_talk_share_silence_and_first_response():
    tr = make_transcript(
        "[2-6] agent: thank you for calling how can I help",
        "[7-13] customer: my bill is wrong this month",
        "[55-57] agent: sorry about that",
    )
    m, findings = analyse_conversation(tr)
    assert m.duration_s == 57
    assert m.agent_talk_s == 6 and m.customer_talk_s == 6 and m.agent_talk_share == 0.5
    assert m.non_talk_s == 45 and m.longest_silence_s == 42
    assert m.first_response_s == 2 and (m.agent_turns, m.customer_turns) == (2, 1)
    dead_air = [f for f in findings if f.label == "dead_air"]
    assert len(dead_air) == 1 and dead_air[0].value == 42
    assert dead_air[0].evidence[0].quote == "sorry about that"
    assert dead_air[0].evidence[0].start == 55


def test_a_silence_under_forty_seconds_is_not_dead_air():
    tr = make_transcript(
        "[0-3] customer: can you check my order", "[3-5] agent: hold on", "[40-43] customer: hello"
    )
    assert "dead_air" not in labels(analyse_conversation(tr)[1])  # 35 s: the guidelines' 40


def test_a_hold_with_a_time_thanked_for_or_the_customers_own_is_not_dead_air():
    def silence_after(*lines: str) -> bool:
        tr = make_transcript("[0-3] customer: can you check my order", *lines)
        return "dead_air" in labels(analyse_conversation(tr)[1])

    assert not silence_after(
        "[3-6] agent: let me check, it'll take a couple of minutes",
        "[50-53] agent: it's out for delivery today",
    )
    assert not silence_after(
        "[3-6] agent: okay", "[50-53] agent: thanks so much for waiting, it's out today"
    )
    assert not silence_after(
        "[3-6] agent: can you read me the code on the box",
        "[6-8] customer: hang on, give me a minute",
        "[50-53] customer: right, it says four two one",
    )
    # a bare "hold on" or "let me check", then a long silence nobody thanks for, is dead air
    assert silence_after("[3-6] agent: okay", "[50-53] agent: it's out for delivery today")
    assert silence_after(
        "[3-6] agent: let me check that for you", "[50-53] agent: it's out for delivery today"
    )


def test_interruption_names_who_interrupted_whom():
    tr = make_transcript(
        "[0-6] customer: my internet drops every evening and I work from home",
        "[4-6.5] agent: did you restart the router",
        "[6.2-6.6] customer: yes",
    )
    m, findings = analyse_conversation(tr)
    assert m.agent_interruptions == 1 and m.customer_interruptions == 0
    assert m.overtalk_s == pytest.approx(2.3)
    (f,) = [f for f in findings if f.label == "agent_interruption"]
    assert f.polarity == "negative" and f.value == 2.0
    assert f.evidence[0].quote == "did you restart the router"
    assert f.evidence[1].speaker == "customer"


def test_short_backchannel_overlap_is_not_an_interruption():
    tr = make_transcript(
        "[0-5] customer: so the card was declined at the shop", "[2-3] agent: mm hmm"
    )
    m, findings = analyse_conversation(tr)
    assert m.agent_interruptions == 0 and "agent_interruption" not in labels(findings)


def test_speaking_rate_and_domination():
    fast = " ".join(["word"] * 30)
    tr = make_transcript(f"[0-5] agent: {fast}", "[5.5-6] customer: ok")
    m, findings = analyse_conversation(tr)
    assert m.agent_wpm == 360.0 and m.agent_talk_share > 0.9
    assert {"agent_speaks_fast", "agent_dominates"} <= set(labels(findings))
    relaxed = MetricThresholds(agent_wpm_max=400, agent_talk_share_max=0.95)
    assert labels(analyse_conversation(tr, relaxed)[1]) == []


def test_slow_first_response_and_non_talk():
    tr = make_transcript("[0-1] customer: hello", "[9-10] agent: hi sorry")
    _, findings = analyse_conversation(tr)
    assert {"slow_first_response", "high_non_talk"} <= set(labels(findings))


def test_untimed_chat_gets_counts_only():
    m, findings = analyse_conversation(make_transcript("agent: hi", "customer: hi", "agent: ok"))
    assert (m.agent_turns, m.customer_turns, m.duration_s, m.agent_wpm) == (2, 1, None, None)
    assert findings == ()


def test_every_finding_quotes_its_turn():
    tr = make_transcript(
        "[0-6] customer: a b c d e f", "[3-9] agent: g h i j k l", "[30-31] customer: hello?"
    )
    for f in analyse_conversation(tr)[1]:
        for ev in f.evidence:
            assert ev.quote == tr.turns[ev.turn].text and ev.start is not None
