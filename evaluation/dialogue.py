"""Utterance-level evaluation of the behaviour detectors on labelled dialogue data sets.

Each labelled utterance is put in a two-turn call: what the other party said just before (as the
customer) and the utterance itself (as the agent). The detectors run on that call as they would
on a real one; an utterance "has" a finding label when a finding with that label quotes it.
Loaders for SwDA, MRDA, ESConv, EPITOME and AnnoMI read the files as published.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from callqa.models.transcript import Transcript, Turn
from callqa.pipelines.runtime import report_progress
from callqa.qa_rules.analysis import analyse_calls, load_analyzer

CHUNK = 256  # calls analysed per encoder pass


@dataclass(frozen=True)
class Utterance:
    context: str  # the other party's words just before ("" when none)
    text: str
    tags: frozenset[str]


def detected_labels(utterances: list[Utterance]) -> list[set[str]]:
    """For each utterance, the labels of the findings that quote it."""
    analyzer = load_analyzer()
    found: list[set[str]] = []
    for start in range(0, len(utterances), CHUNK):
        chunk = utterances[start : start + CHUNK]
        calls = [_call(f"u{start + i}", u) for i, u in enumerate(chunk)]
        for call, analysis in zip(calls, analyse_calls(calls, analyzer), strict=True):
            if isinstance(analysis, Exception):
                raise analysis
            target = len(call.turns) - 1
            found.append(
                {f.label for f in analysis.findings if any(e.turn == target for e in f.evidence)}
            )
        report_progress(min(start + CHUNK, len(utterances)), len(utterances))
    return found


def _call(call_id: str, u: Utterance) -> Transcript:
    turns = [Turn(speaker="customer", text=u.context)] if u.context.strip() else []
    turns.append(Turn(speaker="agent", text=u.text))
    return Transcript(call_id=call_id, turns=tuple(turns), source="evaluation")


def _files(path: Path, pattern: str) -> list[Path]:
    files = sorted(path.glob(pattern)) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path}: no {pattern} files")
    return files


def load_pipe_separated(path: Path, tag_columns: tuple[int, ...]) -> list[Utterance]:
    """SwDA (``speaker|text|tag``) or MRDA (``speaker|text|basic|general|full``) utterances;
    the context is the other speaker's latest utterance. A folder means its ``*.txt`` files."""
    utterances = []
    for file in _files(Path(path), "*.txt"):
        last: dict[str, str] = {}
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            fields = line.split("|")
            if len(fields) <= max(tag_columns):
                raise ValueError(f"{file}:{number}: expected {max(tag_columns) + 1} |-fields")
            speaker, text = fields[0], fields[1]
            others = [t for s, t in last.items() if s != speaker]
            tags = frozenset(fields[c] for c in tag_columns)
            utterances.append(Utterance(others[-1] if others else "", text, tags))
            last.pop(speaker, None)
            last[speaker] = text
    return utterances


def load_esconv(path: Path) -> list[Utterance]:
    """ESConv supporter turns (JSON lines), tagged with their strategy; a folder: ``valid.json``."""
    path = Path(path) / "valid.json" if Path(path).is_dir() else Path(path)
    utterances = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            dialog = json.loads(line)["dialog"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ValueError(f"{path}:{number}: not an ESConv dialogue") from None
        seeker = ""
        for turn in dialog:
            if turn["speaker"] == "usr":
                seeker = turn["text"]
            else:
                utterances.append(Utterance(seeker, turn["text"], frozenset([turn["strategy"]])))
    return utterances


def load_epitome(path: Path) -> list[Utterance]:
    """EPITOME (seeker post, response) pairs of one mechanism's CSV; the tag is the level 0/1/2."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"seeker_post", "response_post", "level"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(sorted(missing))}")
    return [Utterance(r["seeker_post"], r["response_post"], frozenset([r["level"]])) for r in rows]


def load_annomi(path: Path) -> list[Utterance]:
    """AnnoMI therapist utterances tagged with their main behaviour; the context is the client's
    previous utterance. A folder means its ``AnnoMI-simple.csv``."""
    path = Path(path) / "AnnoMI-simple.csv" if Path(path).is_dir() else Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    utterances, client, transcript = [], "", None
    for row in rows:
        if row["transcript_id"] != transcript:
            client, transcript = "", row["transcript_id"]
        if row["interlocutor"] == "client":
            client = row["utterance_text"]
        else:
            tags = frozenset([row["main_therapist_behaviour"]])
            utterances.append(Utterance(client, row["utterance_text"], tags))
    return utterances
