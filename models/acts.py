"""Dialogue acts: what each sentence of a call does (asks for a detail, gives information,
reports an action done, reads details back, closes...), from a trained head over the shared
sentence embeddings plus light context: who speaks, where in the call, and what the other party
did just before. The act set and its definitions are in ``docs/dialogue-acts.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from callqa.models.heads import Head

ACTS = (
    "greeting",
    "request",
    "ask_detail",
    "give_detail",
    "inform",
    "action_done",
    "action_failed",
    "confirm_details",
    "affirm",
    "negate",
    "offer",
    "anything_else",
    "thanks",
    "closing",
    "apology",
    "empathy",
    "backchannel",
    "clarify",
    "hold",
    "transfer",
    "callback",
)
CONTEXT_WIDTH = 4 + len(ACTS)  # agent, customer, position, position known, previous acts


def act_features(
    embeddings: np.ndarray,
    speakers: Sequence[str],
    positions: Sequence[float | None],
    previous: np.ndarray,
) -> np.ndarray:
    """The head's input: each embedding with its speaker, its position in the call (0 to 1,
    or unknown) and the acts (0/1 per act) of what the other party said just before."""
    context = np.zeros((len(speakers), CONTEXT_WIDTH), dtype=np.float32)
    context[:, 0] = [s == "agent" for s in speakers]
    context[:, 1] = [s == "customer" for s in speakers]
    context[:, 2] = [p if p is not None else 0.0 for p in positions]
    context[:, 3] = [p is not None for p in positions]
    context[:, 4:] = previous
    return np.hstack([np.asarray(embeddings, dtype=np.float32), context])


def tag_acts(
    head: Head, embeddings: np.ndarray, speakers: Sequence[str], turns: Sequence[int]
) -> np.ndarray:
    """Act probabilities per sentence of one call, in order. Each sentence sees the acts
    decided for the other party's latest turn before it (any of its sentences)."""
    n = len(speakers)
    scores = np.zeros((n, len(ACTS)), dtype=np.float32)
    if n == 0:
        return scores
    positions = [i / max(n - 1, 1) for i in range(n)]
    last_turn: dict[str, np.ndarray] = {}
    zero = np.zeros(len(ACTS), dtype=np.float32)
    this_turn = zero.copy()
    for i in range(n):
        other = "customer" if speakers[i] == "agent" else "agent"
        previous = last_turn.get(other, zero)
        row = act_features(embeddings[i : i + 1], speakers[i : i + 1], positions[i : i + 1],
                           previous[None, :])  # fmt: skip
        scores[i] = head.scores(row)[0]
        this_turn = np.maximum(this_turn, head.decide(scores[i : i + 1])[0])
        if i + 1 == n or turns[i + 1] != turns[i]:
            last_turn[speakers[i]], this_turn = this_turn, zero.copy()
    return scores
