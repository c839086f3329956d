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

import re
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from callqa.models.acts import ACTS
from callqa.models.transcript import Record

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext

Outcome = Literal[
    "resolved", "partly_resolved", "unresolved", "transferred", "escalated", "callback", "cut_off"
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
RESTATED = 0.55  # cosine: a later request this close to an open one restates it
RERAISED = 0.5  # cosine: a customer sentence this close to a resolved request raises it again
ESCALATION = re.compile(r"supervisor|manager|escalat|complaints? team|second[- ]line|specialist",
                        re.IGNORECASE)  # fmt: skip
RESPONSES = ("inform", "action_done", "action_failed", "offer", "ask_detail", "confirm_details",
             "transfer", "callback", "hold", "clarify")  # fmt: skip


class Request(Record):
    """One thing the customer wanted, and what became of it (sentence indexes of the call)."""

    statement: int
    restated: tuple[int, ...] = ()
    responses: tuple[int, ...] = ()
    first_response: int | None = None
    first_response_s: float | None = None  # seconds from the statement to the first response
    outcome: Outcome
    evidence: int | None = None  # the sentence that shows the outcome
    reraised: int | None = None


class CallStructure(Record):
    """The requests of a call in order, and the call's outcome with its evidence."""

    requests: tuple[Request, ...] = ()
    outcome: Outcome | None = None
    evidence: int | None = None
    closed: bool = False  # the call ends with thanks or a goodbye


def build_structure(ctx: AnalysisContext) -> CallStructure:
    """The structure of one call from its acts (``ctx.acts``) and embeddings."""
    acts = ctx.acts
    if acts is None or not len(ctx.sentences):
        return CallStructure()
    statements = _request_statements(ctx, acts)
    n = len(ctx.sentences)
    closed = any(acts[i, _k("closing")] or acts[i, _k("thanks")] for i in range(max(0, n - 4), n))
    requests = []
    for k, (first, restated) in enumerate(statements):
        until = statements[k + 1][0] if k + 1 < len(statements) else n
        requests.append(_request(ctx, acts, first, restated, until, closed))
    outcome, evidence = _call_outcome(requests)
    return CallStructure(requests=tuple(requests), outcome=outcome, evidence=evidence,
                         closed=closed)  # fmt: skip


def problem_statement(ctx: AnalysisContext) -> int | None:
    """The sentence where the customer first states what they want, or None."""
    requests = ctx.structure.requests
    return requests[0].statement if requests else None


def has_act(ctx: AnalysisContext, index: int, act: str) -> bool:
    """Whether sentence ``index`` carries ``act``."""
    return ctx.acts is not None and bool(ctx.acts[index, _k(act)])


def _k(act: str) -> int:
    return ACTS.index(act)


def _request_statements(ctx: AnalysisContext, acts: np.ndarray) -> list[tuple[int, list[int]]]:
    """(statement, restatements) for each distinct request of the customer. A request that
    only answers the agent's question for a detail is not a new request; one that restates an
    open request (close in meaning, or before the agent has responded) joins it."""
    found: list[tuple[int, list[int]]] = []
    answered_since: bool = True
    for i, s in enumerate(ctx.sentences):
        if s.speaker == "agent" and any(acts[i, _k(a)] for a in RESPONSES if a != "ask_detail"):
            answered_since = True
        if s.speaker != "customer" or not acts[i, _k("request")]:
            continue
        if len(s.text.split()) < 3 or _answers_a_question(ctx, acts, i):
            continue
        if found:
            head = found[-1][0]
            close = float(ctx.embeddings[i] @ ctx.embeddings[head]) >= RESTATED
            if close or not answered_since:
                found[-1][1].append(i)
                continue
        found.append((i, []))
        answered_since = False
    return found


def _answers_a_question(ctx: AnalysisContext, acts: np.ndarray, i: int) -> bool:
    """A customer sentence giving a detail right after the agent asked for one."""
    if not acts[i, _k("give_detail")]:
        return False
    turn = ctx.sentences[i].turn
    before = [j for j in range(i) if ctx.sentences[j].turn < turn]
    return bool(before) and bool(acts[before[-1], _k("ask_detail")])


def _request(
    ctx: AnalysisContext, acts: np.ndarray, first: int, restated: list[int], until: int,
    closed: bool,
) -> Request:  # fmt: skip
    agent = [j for j in range(first + 1, len(ctx.sentences)) if ctx.sentences[j].speaker == "agent"]
    mine = [j for j in agent if j < until]
    responses = [j for j in mine if any(acts[j, _k(a)] for a in RESPONSES)]
    first_response = responses[0] if responses else None
    seconds = _seconds(ctx, first, first_response)
    done = [j for j in mine if acts[j, _k("inform")] or acts[j, _k("action_done")]]
    failed = [j for j in mine if acts[j, _k("action_failed")]]
    handed = [j for j in mine if acts[j, _k("transfer")] or acts[j, _k("callback")]]
    reraised = _reraised(ctx, acts, first, done[-1] if done else None, until)
    fields: dict[str, Any] = {
        "statement": first, "restated": tuple(restated), "responses": tuple(responses),
        "first_response": first_response, "first_response_s": seconds, "reraised": reraised,
    }  # fmt: skip
    if handed and (not done or handed[-1] > done[-1]):
        j = handed[-1]
        if acts[j, _k("callback")] and not acts[j, _k("transfer")]:
            return Request(**fields, outcome="callback", evidence=j)
        kind = "escalated" if ESCALATION.search(ctx.sentences[j].text) else "transferred"
        return Request(**fields, outcome=kind, evidence=j)
    if done and reraised is None and (not failed or done[-1] > failed[-1]):
        return Request(**fields, outcome="resolved", evidence=done[-1])
    if failed:
        return Request(**fields, outcome="unresolved", evidence=failed[-1])
    if reraised is not None:
        return Request(**fields, outcome="unresolved", evidence=reraised)
    if not closed and until == len(ctx.sentences):
        return Request(**fields, outcome="cut_off", evidence=len(ctx.sentences) - 1)
    return Request(**fields, outcome="unresolved", evidence=mine[-1] if mine else first)


def _reraised(
    ctx: AnalysisContext, acts: np.ndarray, first: int, solved: int | None, until: int
) -> int | None:
    """A customer sentence after the last answer that raises the request again (a request or
    a "no" close in meaning to it), with no answer after it."""
    if solved is None:
        return None
    for j in range(solved + 1, until):
        s = ctx.sentences[j]
        if s.speaker != "customer" or not (acts[j, _k("request")] or acts[j, _k("negate")]):
            continue
        if float(ctx.embeddings[j] @ ctx.embeddings[first]) < RERAISED:
            continue
        later = [k for k in range(j + 1, until) if ctx.sentences[k].speaker == "agent"
                 and (acts[k, _k("inform")] or acts[k, _k("action_done")])]  # fmt: skip
        if not later:
            return j
    return None


def _seconds(ctx: AnalysisContext, a: int, b: int | None) -> float | None:
    if b is None:
        return None
    start, end = ctx.sentences[a].end, ctx.sentences[b].start
    return None if start is None or end is None else max(0.0, end - start)


PRECEDENCE = ("escalated", "transferred", "callback", "cut_off", "unresolved")


def _call_outcome(requests: list[Request]) -> tuple[Outcome | None, int | None]:
    """All resolved: resolved; some: partly resolved; none: the most telling of the rest."""
    if not requests:
        return None, None
    resolved = [r for r in requests if r.outcome == "resolved"]
    if len(resolved) == len(requests):
        return "resolved", resolved[-1].evidence
    others = [r for r in requests if r.outcome != "resolved"]
    for outcome in PRECEDENCE:
        hit = next((r for r in reversed(others) if r.outcome == outcome), None)
        if hit is not None and outcome in ("escalated", "transferred", "callback"):
            return hit.outcome, hit.evidence
    if resolved:
        return "partly_resolved", others[-1].evidence
    return others[-1].outcome, others[-1].evidence
