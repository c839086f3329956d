"""The call's structure, built once per call from its dialogue acts: the customer's requests
(there may be several), and for each where it was stated, what the agent did about it
(information given, action done or failed, offer, transfer, callback), whether the customer
confirmed it or raised it again, how long the first relevant response took, and its outcome
with the sentence that shows it.

Outcomes per request: ``resolved`` (answered or done, not raised again), ``unresolved``
(failed, or raised again and left without an answer), ``transferred``, ``escalated``,
``callback``, and ``cut_off`` (the call ended before any answer). The call's outcome combines
them, with ``partly_resolved`` when some requests were resolved and others not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from callqa.qa_rules.structure.agent import (
    CALLBACK_PROMISE,
    ONLY_IF_NEEDED,
    action_reported,
    fails,
    hands_over,
    is_action_done,
    puts_off,
    resolves,
)
from callqa.qa_rules.structure.answers import answered_late, line_dropped
from callqa.qa_rules.structure.customer import problem_statement, request_statements
from callqa.qa_rules.structure.model import OUTCOMES, AgentMoves, CallStructure, Outcome, Request
from callqa.qa_rules.structure.requests import build_request, split_request
from callqa.qa_rules.structure.words import (
    act_index,
    content_stems,
    has_act,
    named_most,
    sentence_span,
)

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext


__all__ = [
    "CALLBACK_PROMISE",
    "CallStructure",
    "ONLY_IF_NEEDED",
    "OUTCOMES",
    "Outcome",
    "Request",
    "action_reported",
    "build_structure",
    "has_act",
    "problem_statement",
    "puts_off",
    "resolves",
    "sentence_span",
]


def build_structure(ctx: AnalysisContext) -> CallStructure:
    """The structure of one call from its acts (``ctx.acts``) and embeddings."""
    acts = ctx.acts
    if acts is None or not len(ctx.sentences):
        return CallStructure()
    agent = [i for i, s in enumerate(ctx.sentences) if s.speaker == "agent"]
    moves = AgentMoves(
        done=frozenset(i for i in agent if resolves(ctx, i)),
        acted=frozenset(i for i in agent if is_action_done(ctx, i)),
        failed=frozenset(i for i in agent if fails(ctx, i)),
        handed=frozenset(i for i in agent if hands_over(ctx, i)),
    )
    statements = request_statements(ctx, acts, moves)
    n = len(ctx.sentences)
    dropped = line_dropped(ctx)
    closed = dropped is None and any(
        acts[i, act_index("closing")] or acts[i, act_index("thanks")]
        for i in range(max(0, n - 4), n)
    )
    requests = []
    ends = [i for i, _ in statements[1:]] + [len(ctx.sentences)] * bool(statements)
    words = [
        content_stems(_words_of(ctx, i, end)) for (i, _), end in zip(statements, ends, strict=True)
    ]
    about = {j: named_most(content_stems(ctx.sentences[j].text), words) for j in agent}
    for k, (first, restated) in enumerate(statements):
        until = statements[k + 1][0] if k + 1 < len(statements) else n
        together = k > 0 and ctx.sentences[statements[k - 1][0]].turn == ctx.sentences[first].turn
        request = build_request(
            ctx, acts, moves, first, restated, until, closed, k, about, together
        )
        requests += split_request(ctx, moves, request, until)
    if dropped is not None and requests:
        last = requests[-1]
        if last.outcome != "resolved" or (last.evidence is not None and last.evidence < dropped
                                          and answered_late(ctx, last, dropped)):  # fmt: skip
            requests[-1] = last.model_copy(update={"outcome": "cut_off", "evidence": dropped})
    outcome, evidence = _call_outcome(requests)
    return CallStructure(requests=tuple(requests), outcome=outcome, evidence=evidence,
                         closed=closed)  # fmt: skip


def _words_of(ctx: AnalysisContext, first: int, until: int) -> str:
    """What the customer said of a request: their sentences from its statement to the next
    request's, in the statement's turn (not where it was asked again: "so I fly out on the
    14th" said while another request is open would lend it the first one's words)."""
    turn = ctx.sentences[first].turn
    return " ".join(s.text for s in ctx.sentences[first:until]
                    if s.speaker == "customer" and s.turn == turn)  # fmt: skip


# When not every request was resolved, the first of these present decides the call.
OUTCOME_PRECEDENCE = ("cut_off", "escalated", "transferred", "callback")


def _call_outcome(requests: list[Request]) -> tuple[Outcome | None, int | None]:
    """All resolved: resolved; the line dropped on a request: cut off; some resolved:
    partly resolved (a callback or transfer for the rest included); none resolved and one
    handed on: that handover; else the last request's outcome."""
    if not requests:
        return None, None
    resolved = [r for r in requests if r.outcome == "resolved"]
    if len(resolved) == len(requests):
        return "resolved", resolved[-1].evidence
    others = [r for r in requests if r.outcome != "resolved"]
    for outcome in OUTCOME_PRECEDENCE:
        hit = next((r for r in reversed(others) if r.outcome == outcome), None)
        if hit is not None and (outcome == "cut_off" or not resolved):
            return hit.outcome, hit.evidence
    if resolved:
        return "partly_resolved", others[-1].evidence
    return others[-1].outcome, others[-1].evidence
