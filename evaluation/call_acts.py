"""Contact-centre call sentences labelled with callqa's dialogue acts, written and labelled for
this project (``evaluation/data/act_sentences.tsv``, guidelines in
``evaluation/data/act_guidelines.md``): the acts SGD never marks (greeting, apology, empathy,
backchannel, clarify, hold, transfer, callback) and spoken forms of the others. Rows in the
``test`` split are never trained on."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from callqa.models.acts import ACTS

SENTENCES = Path(__file__).parent / "data" / "act_sentences.tsv"


@dataclass(frozen=True)
class CallSentence:
    id: str
    split: str
    speaker: str
    acts: tuple[str, ...]
    previous: str
    text: str


def load(path: Path = SENTENCES, split: str | None = None) -> list[CallSentence]:
    """The labelled sentences (of one ``split``: train or test)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    out = []
    for row in rows:
        acts = tuple(a.strip() for a in row["acts"].split(",") if a.strip())
        unknown = set(acts) - set(ACTS)
        if unknown:
            raise ValueError(f"{path}: row {row['id']}: unknown acts {sorted(unknown)}")
        if split is None or row["split"] == split:
            out.append(CallSentence(row["id"], row["split"], row["speaker"], acts,
                                    row["previous"] or "", row["text"]))  # fmt: skip
    return out
