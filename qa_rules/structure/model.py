"""What a call's structure is made of: its requests, each with its outcome and evidence,
and the call's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from callqa.models.transcript import Record

Outcome = Literal[
    "resolved", "partly_resolved", "unresolved", "transferred", "escalated", "callback", "cut_off"
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)


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


@dataclass(frozen=True)
class AgentMoves:
    """Which agent sentences answer or carry out a request, report an action done, fail it
    or hand it on: judged once per call (each judgement may parse the sentence)."""

    done: frozenset[int]
    acted: frozenset[int]
    failed: frozenset[int]
    handed: frozenset[int]
