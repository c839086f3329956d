"""A small store for the workspace tests: scored calls of two agents in two teams over two
weeks, made without models (metrics, hand-made findings and the real scorer), and accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from callqa.pipelines.records import PIPELINE_VERSION, CallResult
from callqa.pipelines.sources import CallMetadata
from callqa.pipelines.store import Store
from callqa.pipelines.web.auth import add_user
from callqa.qa_rules.findings import Evidence, Finding
from callqa.qa_rules.metrics import analyse_conversation
from callqa.qa_rules.scorecard import load_scorecard
from callqa.qa_rules.scoring import score_call
from tests.helpers import make_transcript

PASSWORD = "correct horse battery"
CALLS = [  # call id, agent, team, day of November 2026, what the agent said, outcome
    ("c-01", "a-ann", "east", 2, "Sorry to hear that, I've refunded the charge.", "resolved"),
    ("c-02", "a-ann", "east", 9, "Calm down, that's our policy.", "unresolved"),
    ("c-03", "a-bob", "west", 10, "I've sent a new card; it arrives Friday.", "resolved"),
    ("c-04", "a-bob", "west", 11, "I can't help with that.", "unresolved"),
]


def _finding(label: str, polarity: str, turn: int, quote: str) -> Finding:
    evidence = Evidence(turn=turn, speaker="agent", char_start=0, char_end=len(quote),
                        start=float(turn * 4), end=float(turn * 4 + 3), quote=quote)  # fmt: skip
    return Finding(detector="test", behaviour="problem_solving", label=label, polarity=polarity,
                   confidence=0.9, evidence=(evidence,), why=label)  # fmt: skip


def web_store(url: str) -> Store:
    store = Store(url)
    card = load_scorecard()
    for call_id, agent, team, day, said, outcome in CALLS:
        transcript = make_transcript(
            "[0-3] agent: Thanks for calling, how can I help?",
            "[4-7] customer: I was charged twice for my order.",
            f"[8-11] agent: {said}",
            call_id=call_id,
        )
        metrics, measured = analyse_conversation(transcript)
        negative = outcome == "unresolved"
        findings = (*measured, _finding(outcome, "negative" if negative else "positive", 2, said))
        store.save_call(
            CallResult(
                call_id=call_id,
                path=f"/calls/{call_id}.txt",
                content_hash=call_id * 8,
                pipeline_version=PIPELINE_VERSION,
                transcript=transcript,
                metrics=metrics,
                findings=findings,
                metadata=CallMetadata(
                    agent_id=agent,
                    team=team,
                    queue="billing",
                    started_at=datetime(2026, 11, day, 9, tzinfo=UTC),
                ),
                score=score_call(card, call_id, findings, metrics.model_dump()),
            ),  # fmt: skip
            "r1",
        )
    add_user(store, "lead", "admin", PASSWORD, "test")
    add_user(store, "ria", "reviewer", PASSWORD, "test")
    add_user(store, "ann", "agent", PASSWORD, "test", agent_id="a-ann")
    return store
