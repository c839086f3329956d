"""Schema-Guided Dialogue (Rastogi et al., AAAI 2020; CC BY-SA 4.0), read as published in
``../shared/datasets/sgd``: per-turn acts of users and a virtual assistant, mapped onto callqa's
act set (:data:`callqa.models.acts.ACTS`). The system is the agent, the user the customer."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path

from callqa.models.acts import ACTS

MAPPING = {
    ("USER", "INFORM_INTENT"): "request",
    ("USER", "REQUEST"): "request",
    ("USER", "REQUEST_ALTS"): "request",
    ("USER", "INFORM"): "give_detail",
    ("USER", "SELECT"): "give_detail",
    ("USER", "AFFIRM"): "affirm",
    ("USER", "AFFIRM_INTENT"): "affirm",
    ("USER", "NEGATE"): "negate",
    ("USER", "NEGATE_INTENT"): "negate",
    ("USER", "THANK_YOU"): "thanks",
    ("USER", "GOODBYE"): "closing",
    ("SYSTEM", "REQUEST"): "ask_detail",
    ("SYSTEM", "INFORM"): "inform",
    ("SYSTEM", "INFORM_COUNT"): "inform",
    ("SYSTEM", "CONFIRM"): "confirm_details",
    ("SYSTEM", "OFFER"): "offer",
    ("SYSTEM", "OFFER_INTENT"): "offer",
    ("SYSTEM", "NOTIFY_SUCCESS"): "action_done",
    ("SYSTEM", "NOTIFY_FAILURE"): "action_failed",
    ("SYSTEM", "REQ_MORE"): "anything_else",
    ("SYSTEM", "GOODBYE"): "closing",
}
# Acts SGD can label: the others (greeting, apology, empathy, hold...) it never marks, so its
# turns are not negatives for them.
LABELLED = tuple(sorted(set(MAPPING.values()), key=ACTS.index))


@dataclass(frozen=True)
class ActTurn:
    dialogue: str
    text: str
    speaker: str  # agent | customer
    position: float  # 0 (first turn) to 1 (last)
    acts: tuple[str, ...]
    previous: tuple[str, ...]  # the other party's acts in the turn before


def load(path: Path, dialogues: int | None = None, seed: int = 0) -> list[ActTurn]:
    """Turns of ``path`` (a split's ``.jsonl.gz``), from a seeded sample of ``dialogues``."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    if dialogues is not None and dialogues < len(rows):
        rows = random.Random(seed).sample(rows, dialogues)
    out = []
    for row in rows:
        turns = row["turns"]
        previous: tuple[str, ...] = ()
        for i, turn in enumerate(turns):
            acts = tuple(dict.fromkeys(
                MAPPING[(turn["speaker"], a["act"])] for a in turn["acts"]
                if (turn["speaker"], a["act"]) in MAPPING
            ))  # fmt: skip
            speaker = "agent" if turn["speaker"] == "SYSTEM" else "customer"
            out.append(ActTurn(row["dialogue_id"], turn["utterance"], speaker,
                               i / max(len(turns) - 1, 1), acts, previous))  # fmt: skip
            previous = acts
    return out
