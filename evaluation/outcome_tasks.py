"""Call outcomes against gold: the 34 Harper Valley calls (what the caller was asked to do
against what the agent submitted; and our reading of each transcript), and our gold set of
written calls and the bundled samples (``evaluation/gold``), annotated before looking at
callqa's answers. Calls go through redaction and analysis as in a run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from callqa.evaluation import harper_valley
from callqa.evaluation.harness import Task
from callqa.models.transcript import Transcript
from callqa.qa_rules.analysis import load_analyzer
from callqa.qa_rules.context import build_contexts
from callqa.qa_rules.redaction import redact_transcript
from callqa.qa_rules.structure import OUTCOMES

GOLD = Path(__file__).parent / "gold"


def outcomes(transcripts: list[Transcript]) -> list[str | None]:
    """callqa's outcome of each call."""
    analyzer = load_analyzer()
    redacted = [redact_transcript(t, analyzer.nlp) for t in transcripts]
    contexts = build_contexts(redacted, analyzer.encoder, analyzer.nlp, analyzer.heads,
                              analyzer.prototypes)  # fmt: skip
    return [ctx.structure.outcome for ctx in contexts]


def gold_calls(folder: Path = GOLD) -> list[tuple[Transcript, str, str]]:
    """(transcript, gold outcome, set name) for every annotated set of the gold folder (see
    :data:`callqa.evaluation.call_qa.GOLD_SETS`: tuning sets, and held-out ones never tuned on)."""
    from callqa.evaluation.call_qa import gold_qa_calls

    return [(c.transcript, c.outcome, c.set_name) for c in gold_qa_calls(folder)]


def harper_valley_calls(root: Path, read_by_us: bool) -> list[tuple[Transcript, str, str]]:
    """The Harper Valley calls with their gold outcome: from the metadata (the agent submitted
    the caller's task: resolved; another task: unresolved), or from our transcript reading."""
    ours = {}
    if read_by_us:
        for line in (GOLD / "harper_valley_outcomes.jsonl").read_text().splitlines():
            item = json.loads(line)
            ours[item["sid"]] = item["outcome"]
    found = []
    for sid in harper_valley.call_ids(root):
        transcript, metadata = harper_valley.load_call(root, sid)
        if read_by_us:
            gold = ours[sid]
        else:
            wanted = {t["task_type"] for t in metadata.get("tasks", [])}
            done = {r["data"].get("task_type") for r in metadata["agent"]["responses"]}
            gold = "resolved" if wanted & done else "unresolved"
        found.append((transcript, gold, "harper_valley"))
    return found


def score_outcomes(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    if (data / "data" / "metadata").is_dir():
        sets = {"metadata": harper_valley_calls(data, False),
                "transcript": harper_valley_calls(data, True)}  # fmt: skip
    else:
        from callqa.evaluation.call_qa import HELDOUT_SETS

        calls = gold_calls(data)
        held_out = [c for c in calls if c[2] in HELDOUT_SETS]
        sets = {"held-out": held_out, "gold": calls} | {
            name: [c for c in calls if c[2] == name] for name in dict.fromkeys(c[2] for c in calls)
        }
    metrics: dict[str, float] = {}
    n = 0
    for number, (name, calls) in enumerate(sets.items()):
        predicted = outcomes([t for t, _, _ in calls])
        truth = [gold for _, gold, _ in calls]
        found = outcome_metrics(truth, predicted, name)
        if number == 0:
            metrics["accuracy"] = found[f"{name}_accuracy"]
        metrics |= found
        n = max(n, len(calls))
    return n, metrics


def outcome_metrics(truth: list[str], predicted: list[str | None], prefix: str) -> dict[str, Any]:
    """Accuracy, per-outcome recall, and the success/failure split (resolved or not)."""
    right = sum(t == p for t, p in zip(truth, predicted, strict=True))
    metrics = {f"{prefix}_accuracy": right / len(truth), f"{prefix}_right": float(right)}
    counts = Counter(truth)
    for outcome in OUTCOMES:
        if counts[outcome]:
            hits = sum(t == p == outcome for t, p in zip(truth, predicted, strict=True))
            metrics[f"{prefix}_{outcome}_recall"] = hits / counts[outcome]
    return metrics


OUTCOME_TASK = Task(
    name="call-outcomes",
    summary="Call outcomes vs gold: Harper Valley (metadata and transcript reading) or "
    "evaluation/gold (written calls and bundled samples; primary: the held-out sets)",
    data_hint="harper_valley/",
    also_on=(str(GOLD),),  # our gold set, in the repository
    primary="accuracy",
    baselines=(),
    score=score_outcomes,
)
