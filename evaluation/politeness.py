"""Loader for the Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al., 2013), read as
published: CSV with ``Community, Id, Request, Score1..5, TurkId1..5, Normalized Score``.
Licence: Apache-2.0 (the authors' repository); the requests come from CC BY-SA sites.

The paper's task: within each domain (Wikipedia, Stack Exchange), requests in the top quartile of
``Normalized Score`` are polite, those in the bottom quartile impolite; the middle half is dropped.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DOMAINS = ("wikipedia", "stack-exchange")
REQUIRED = ("Community", "Id", "Request", "Normalized Score")


@dataclass(frozen=True)
class PolitenessExample:
    key: str  # Community|Id, unique across the corpus
    domain: str
    text: str
    polite: bool


def load(path: Path) -> list[PolitenessExample]:
    """The quartile-labelled requests of one CSV, or of every CSV in a folder."""
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path}: no CSV files")
    rows = [row for file in files for row in _read(file)]
    examples = []
    for domain in DOMAINS:
        scored = [(key, text, score) for key, d, text, score in rows if d == domain]
        if not scored:
            continue
        low, high = np.quantile([score for _, _, score in scored], [0.25, 0.75])
        for key, text, score in scored:
            if score <= low or score >= high:
                examples.append(PolitenessExample(key, domain, text, bool(score >= high)))
    return examples


def held_out(key: str) -> bool:
    """The fixed fifth of the corpus that shipped politeness weights never train on."""
    return int(hashlib.sha1(f"held-out|{key}".encode()).hexdigest(), 16) % 5 == 0


def _read(file: Path) -> list[tuple[str, str, str, float]]:
    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{file}: missing columns {', '.join(missing)}")
        rows = []
        for number, row in enumerate(reader, start=2):
            try:
                score = float(row["Normalized Score"])
            except (TypeError, ValueError):
                raise ValueError(f"{file}:{number}: Normalized Score is not a number") from None
            community = row["Community"]
            domain = "wikipedia" if community == "Wikipedia" else "stack-exchange"
            rows.append((f"{community}|{row['Id']}", domain, row["Request"], score))
        return rows
