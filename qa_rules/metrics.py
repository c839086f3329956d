"""Conversation metrics from turn timings, and the findings they raise past a threshold.

Deterministic and cheap: talk-time share, non-talk time and the longest silence, overtalk and
who interrupted whom, speaking rate, turn counts and the agent's first response time. Untimed
transcripts (chat, plain text) get turn counts only.
"""

from __future__ import annotations

import re

from pydantic import Field

from callqa.models.transcript import Record, Speaker, Transcript, Turn
from callqa.qa_rules.findings import Evidence, Finding, Polarity, quote_turn

DETECTOR = "conversation_metrics"
BEHAVIOUR = "call_handling"
LABELS = (
    "dead_air",
    "agent_interruption",
    "customer_interruption",
    "agent_dominates",
    "high_non_talk",
    "agent_speaks_fast",
    "slow_first_response",
)


class MetricThresholds(Record):
    """Where a metric starts to matter to a QA analyst. All configurable.

    Speaking rate is measured over speech time only (pauses excluded), so it runs higher than
    the 150-160 words/min quoted for speech with pauses; 250 is fast by that measure.
    """

    dead_air_s: float = Field(default=40.0, gt=0)  # unexplained: no hold announced or thanked
    interruption_overlap_s: float = Field(default=0.5, gt=0)
    interruption_min_words: int = Field(default=3, ge=1)
    agent_talk_share_max: float = Field(default=0.70, gt=0, le=1)
    non_talk_share_max: float = Field(default=0.50, gt=0, le=1)
    agent_wpm_max: float = Field(default=250.0, gt=0)
    first_response_s: float = Field(default=5.0, gt=0)


class ConversationMetrics(Record):
    """Numbers about the shape of a call. ``None`` where the transcript has no timings."""

    duration_s: float | None
    agent_turns: int
    customer_turns: int
    agent_talk_s: float | None = None
    customer_talk_s: float | None = None
    agent_talk_share: float | None = None
    non_talk_s: float | None = None
    non_talk_share: float | None = None
    longest_silence_s: float | None = None
    overtalk_s: float | None = None
    agent_interruptions: int | None = None
    customer_interruptions: int | None = None
    agent_wpm: float | None = None
    customer_wpm: float | None = None
    first_response_s: float | None = None


def analyse_conversation(
    transcript: Transcript, thresholds: MetricThresholds | None = None
) -> tuple[ConversationMetrics, tuple[Finding, ...]]:
    """Compute the metrics of one call and the findings for metrics past their thresholds."""
    th = thresholds or MetricThresholds()
    turns = transcript.turns
    counts = {s: sum(t.speaker == s for t in turns) for s in ("agent", "customer")}
    if not transcript.timed:
        metrics = ConversationMetrics(
            duration_s=None, agent_turns=counts["agent"], customer_turns=counts["customer"]
        )
        return metrics, ()

    duration = transcript.duration or 0.0
    talk = {s: _union_length([t for t in turns if t.speaker == s]) for s in ("agent", "customer")}
    gaps = _silences(turns)
    non_talk = duration - _union_length(list(turns))
    interruptions = _interruptions(turns, th)
    overtalk = sum(overlap for _, _, overlap in _overlaps(turns))
    total_talk = talk["agent"] + talk["customer"]
    first_agent = next((i for i, t in enumerate(turns) if t.speaker == "agent"), None)
    metrics = ConversationMetrics(
        duration_s=round(duration, 3),
        agent_turns=counts["agent"],
        customer_turns=counts["customer"],
        agent_talk_s=round(talk["agent"], 3),
        customer_talk_s=round(talk["customer"], 3),
        agent_talk_share=round(talk["agent"] / total_talk, 4) if total_talk else None,
        non_talk_s=round(non_talk, 3),
        non_talk_share=round(non_talk / duration, 4) if duration else None,
        longest_silence_s=round(max((g for g, _ in gaps), default=0.0), 3),
        overtalk_s=round(overtalk, 3),
        agent_interruptions=sum(turns[j].speaker == "agent" for j, _, _ in interruptions),
        customer_interruptions=sum(turns[j].speaker == "customer" for j, _, _ in interruptions),
        agent_wpm=_words_per_minute(turns, "agent", talk["agent"]),
        customer_wpm=_words_per_minute(turns, "customer", talk["customer"]),
        first_response_s=turns[first_agent].start if first_agent is not None else None,
    )
    findings = (
        _silence_findings(transcript, gaps, th)
        + _interruption_findings(transcript, interruptions)
        + _share_findings(transcript, metrics, th)
        + _rate_findings(transcript, metrics, th)
        + _first_response_findings(transcript, first_agent, th)
    )
    return metrics, tuple(findings)


def _finding(
    label: str,
    evidence: tuple[Evidence, ...],
    why: str,
    value: float,
    polarity: Polarity = "negative",
) -> Finding:
    """A metric finding: measured, so full confidence."""
    return Finding(
        detector=DETECTOR,
        behaviour=BEHAVIOUR,
        label=label,
        polarity=polarity,
        confidence=1.0,
        evidence=evidence,
        why=why,
        value=value,
    )


def _union_length(turns: list[Turn]) -> float:
    """Seconds covered by at least one of ``turns`` (overlaps counted once)."""
    spans = sorted((t.start, t.end) for t in turns if t.start is not None and t.end is not None)
    total = 0.0
    cur: tuple[float, float] | None = None
    for start, end in spans:
        if cur is None or start > cur[1]:
            if cur is not None:
                total += cur[1] - cur[0]
            cur = (start, end)
        else:
            cur = (cur[0], max(cur[1], end))
    if cur is not None:
        total += cur[1] - cur[0]
    return total


def _silences(turns: tuple[Turn, ...]) -> list[tuple[float, int]]:
    """Stretches where nobody speaks, as (seconds, index of the turn that ends the silence)."""
    order = sorted(range(len(turns)), key=lambda i: turns[i].start or 0.0)
    gaps, speech_end = [], 0.0
    for i in order:
        start, end = turns[i].start or 0.0, turns[i].end or 0.0
        if start > speech_end:
            gaps.append((start - speech_end, i))
        speech_end = max(speech_end, end)
    return gaps


def _overlaps(turns: tuple[Turn, ...]) -> list[tuple[int, int, float]]:
    """(overlapping turn, turn it overlaps, seconds) for turns that start while the other talks."""
    found = []
    for j, tj in enumerate(turns):
        for i, ti in enumerate(turns):
            if i == j or ti.speaker == tj.speaker or ti.start is None or tj.start is None:
                continue
            if ti.end is None or tj.end is None:
                continue
            if ti.start < tj.start < ti.end or (ti.start == tj.start and i < j):
                found.append((j, i, min(ti.end, tj.end) - tj.start))
    return found


def _interruptions(turns: tuple[Turn, ...], th: MetricThresholds) -> list[tuple[int, int, float]]:
    """Overlaps long enough, by a turn with enough words, to count as cutting someone off;
    talking over each other while saying goodbye is not."""
    return [
        (j, i, overlap)
        for j, i, overlap in _overlaps(turns)
        if overlap >= th.interruption_overlap_s
        and len(turns[j].text.split()) >= th.interruption_min_words
        and not (GOODBYE.search(turns[j].text) or GOODBYE.search(turns[i].text))
    ]


GOODBYE = re.compile(
    r"\b(?:bye|goodbye|have a (?:good|great|nice|lovely) (?:day|one|evening|night|weekend)|"
    r"take care|thanks?(?: you)?(?: (?:so|very) much)?\W*$)",
    re.IGNORECASE,
)


def _words_per_minute(turns: tuple[Turn, ...], speaker: Speaker, talk_s: float) -> float | None:
    words = sum(len(t.text.split()) for t in turns if t.speaker == speaker)
    return round(words / (talk_s / 60.0), 1) if talk_s > 0 else None


def _silence_findings(
    tr: Transcript, gaps: list[tuple[float, int]], th: MetricThresholds
) -> list[Finding]:
    return [
        _finding(
            "dead_air",
            (quote_turn(tr, after),),
            f"{seconds:.1f} s of silence before this turn (limit {th.dead_air_s:.0f} s)",
            round(seconds, 2),
        )
        for seconds, after in gaps
        if seconds >= th.dead_air_s and not _explained(tr, after)
    ]


HOLD_ANNOUNCED = re.compile(
    r"\b(let me|one (moment|second|sec)|bear with me|on hold|just check|i'll just|while i|"
    r"give me a (moment|second|minute|sec)|(this|it) (might|will|may|should) take|hold on|"
    r"(automated|secure|payment|card) (payment )?line|"
    r"(it|this)('ll| will| might| may| could) be (about |just )?a (minute|moment|second|couple)|"
    r"stay on the line|until (they|someone) picks? up)\b",
    re.IGNORECASE,
)
HOLD_TIMED = re.compile(r"\b(minutes?|seconds?)\b", re.IGNORECASE)
HOLD_THANKED = re.compile(
    r"\b(thanks?( you)?( so much| very much)? for (waiting|holding|bearing with|your patience)|"
    r"sorry (for|about) the wait|sorry to keep you|(are you|you're) back( with me)?|i'm back|"
    r"welcome back)\b",
    re.IGNORECASE,
)
# The customer busy on their side: "give me a minute", "restarting now".
CUSTOMER_BUSY = re.compile(r"\b(hang on|\w+ing (it )?now)\b|" + HOLD_ANNOUNCED.pattern, re.I)


def _explained(tr: Transcript, after: int) -> bool:
    """Whether the silence before turn ``after`` was a hold: thanked for or welcomed back from
    after it, announced with a time ("two minutes"), or the customer's own ("give me a
    minute"). A bare "hold on" followed by a long, unthanked silence is dead air."""
    turns = tr.turns
    before = [t for t in turns[:after] if t.speaker == "agent"][-1:]
    later = [t for t in turns[after:] if t.speaker == "agent"][:1]
    last = turns[after - 1] if after else None
    return (
        any(HOLD_THANKED.search(t.text) for t in later)
        or any(HOLD_ANNOUNCED.search(t.text) and HOLD_TIMED.search(t.text) for t in before)
        or (
            last is not None
            and last.speaker == "customer"
            and bool(CUSTOMER_BUSY.search(last.text))
        )
    )


def _interruption_findings(
    tr: Transcript, interruptions: list[tuple[int, int, float]]
) -> list[Finding]:
    findings = []
    for j, i, overlap in interruptions:
        by_agent = tr.turns[j].speaker == "agent"
        findings.append(
            _finding(
                "agent_interruption" if by_agent else "customer_interruption",
                (quote_turn(tr, j), quote_turn(tr, i)),
                f"the {tr.turns[j].speaker} talked over the {tr.turns[i].speaker} "
                f"for {overlap:.1f} s",
                round(overlap, 2),
                polarity="negative" if by_agent else "neutral",
            )
        )
    return findings


def _share_findings(tr: Transcript, m: ConversationMetrics, th: MetricThresholds) -> list[Finding]:
    findings = []
    if m.agent_talk_share is not None and m.agent_talk_share > th.agent_talk_share_max:
        longest = _longest_turn(tr, "agent")
        findings.append(
            _finding(
                "agent_dominates",
                (quote_turn(tr, longest),),
                f"the agent spoke {m.agent_talk_share:.0%} of the talk time "
                f"(limit {th.agent_talk_share_max:.0%}); their longest turn is quoted",
                m.agent_talk_share,
            )
        )
    if m.non_talk_share is not None and m.non_talk_share > th.non_talk_share_max:
        seconds, after = max(_silences(tr.turns))
        findings.append(
            _finding(
                "high_non_talk",
                (quote_turn(tr, after),),
                f"{m.non_talk_share:.0%} of the call was silence (limit "
                f"{th.non_talk_share_max:.0%}); the longest, {seconds:.1f} s, ends here",
                m.non_talk_share,
            )
        )
    return findings


def _rate_findings(tr: Transcript, m: ConversationMetrics, th: MetricThresholds) -> list[Finding]:
    if m.agent_wpm is None or m.agent_wpm <= th.agent_wpm_max:
        return []
    rated = [
        (len(t.text.split()) / (t.duration / 60.0), i)
        for i, t in enumerate(tr.turns)
        if t.speaker == "agent" and t.duration and len(t.text.split()) >= 5
    ]
    if not rated:
        return []
    wpm, i = max(rated)
    return [
        _finding(
            "agent_speaks_fast",
            (quote_turn(tr, i),),
            f"the agent spoke at {m.agent_wpm:.0f} words/min of speech (limit "
            f"{th.agent_wpm_max:.0f}); their fastest turn ({wpm:.0f}) is quoted",
            m.agent_wpm,
        )
    ]


def _first_response_findings(
    tr: Transcript, first_agent: int | None, th: MetricThresholds
) -> list[Finding]:
    if first_agent is None:
        return []
    start = tr.turns[first_agent].start or 0.0
    if start <= th.first_response_s:
        return []
    return [
        _finding(
            "slow_first_response",
            (quote_turn(tr, first_agent),),
            f"the agent first spoke {start:.1f} s into the call "
            f"(limit {th.first_response_s:.0f} s)",
            round(start, 2),
        )
    ]


def _longest_turn(tr: Transcript, speaker: Speaker) -> int:
    own = [i for i, t in enumerate(tr.turns) if t.speaker == speaker]
    return max(own, key=lambda i: tr.turns[i].duration or 0.0)
