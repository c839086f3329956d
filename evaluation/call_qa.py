"""Call QA against gold: would a QA lead agree with each finding, criterion, outcome and flag?

The gold (``evaluation/gold``, see its README and docs/annotation-guidelines.md) was annotated
before looking at callqa's answers. Each call has its outcome, the default card's 24 criteria
(yes / no / N/A) and whether it deserves review; the newer sets also list, per turn, the
findings that should fire. Calls go through redaction, metrics, analysis, scoring and flags as
in a run, and are compared two ways:

- **per turn** (sets with findings): a finding is right when the gold has its label within one
  turn of its evidence (call-level labels such as ``no_greeting``: anywhere in the call);
- **per call** (every set): a finding is right when the gold criterion it bears on agrees
  (``no_verification`` with ``verified: no``), the precision a QA lead sees on the scorecard.

Sets ``qa-dev`` (and its numbered successors) and Harper Valley are for tuning; the
``qa-heldout`` sets are never tuned on (only their totals are read).
"""

from __future__ import annotations

import csv
import json
import operator
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from callqa.evaluation import harper_valley
from callqa.evaluation.harness import Task
from callqa.models.nlp import load_nlp
from callqa.models.transcript import Transcript
from callqa.pipelines.process import ProcessSettings, analyse_measured, measured_transcript
from callqa.pipelines.readers import read_transcript
from callqa.pipelines.records import CallResult
from callqa.pipelines.review import budgeted_queue
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.flags import FlagRules, flag_call
from callqa.qa_rules.redaction import redact_transcript

GOLD = Path(__file__).parent / "gold"
# set name, annotations, transcripts folder (relative to the gold folder)
GOLD_SETS = (
    ("written", "annotations.jsonl", "calls"),
    ("samples", "samples.jsonl", "../../samples"),
    ("heldout-v2", "heldout.jsonl", "calls"),
    ("qa-dev", "qa-dev.jsonl", "calls"),
    ("qa-dev-2", "qa-dev-2.jsonl", "calls"),
    ("qa-dev-3", "qa-dev-3.jsonl", "calls"),
    ("qa-dev-4", "qa-dev-4.jsonl", "calls"),
    ("qa-dev-5", "qa-dev-5.jsonl", "calls"),
    ("qa-dev-6", "qa-dev-6.jsonl", "calls"),
    ("qa-dev-7", "qa-dev-7.jsonl", "calls"),
    ("qa-dev-8", "qa-dev-8.jsonl", "calls"),
    ("qa-dev-9", "qa-dev-9.jsonl", "calls"),
    ("qa-dev-10", "qa-dev-10.jsonl", "calls"),
    ("qa-dev-11", "qa-dev-11.jsonl", "calls"),
    ("qa-dev-12", "qa-dev-12.jsonl", "calls"),
    ("qa-dev-13", "qa-dev-13.jsonl", "calls"),
    ("qa-dev-14", "qa-dev-14.jsonl", "calls"),
    ("qa-dev-15", "qa-dev-15.jsonl", "calls"),
    ("qa-dev-16", "qa-dev-16.jsonl", "calls"),
    ("qa-dev-17", "qa-dev-17.jsonl", "calls"),
    ("qa-dev-18", "qa-dev-18.jsonl", "calls"),
    ("qa-dev-19", "qa-dev-19.jsonl", "calls"),
    ("qa-dev-20", "qa-dev-20.jsonl", "calls"),
    ("qa-dev-21", "qa-dev-21.jsonl", "calls"),
    ("qa-dev-22", "qa-dev-22.jsonl", "calls"),
    ("qa-dev-23", "qa-dev-23.jsonl", "calls"),
    ("qa-dev-24", "qa-dev-24.jsonl", "calls"),
    ("qa-dev-25", "qa-dev-25.jsonl", "calls"),
    ("qa-dev-26", "qa-dev-26.jsonl", "calls"),
    ("qa-dev-27", "qa-dev-27.jsonl", "calls"),
    ("qa-dev-28", "qa-dev-28.jsonl", "calls"),
    ("qa-dev-29", "qa-dev-29.jsonl", "calls"),
    ("qa-dev-30", "qa-dev-30.jsonl", "calls"),
    ("qa-dev-31", "qa-dev-31.jsonl", "calls"),
    ("qa-dev-32", "qa-dev-32.jsonl", "calls"),
    ("qa-dev-33", "qa-dev-33.jsonl", "calls"),
    ("qa-dev-34", "qa-dev-34.jsonl", "calls"),
    ("qa-dev-35", "qa-dev-35.jsonl", "calls"),
    ("qa-dev-36", "qa-dev-36.jsonl", "calls"),
    ("qa-heldout", "qa-heldout.jsonl", "calls"),
    ("qa-heldout-2", "qa-heldout-2.jsonl", "calls"),
    ("qa-heldout-3", "qa-heldout-3.jsonl", "calls"),
    ("qa-heldout-4", "qa-heldout-4.jsonl", "calls"),
    ("qa-heldout-5", "qa-heldout-5.jsonl", "calls"),
    ("qa-heldout-6", "qa-heldout-6.jsonl", "calls"),
    ("qa-heldout-7", "qa-heldout-7.jsonl", "calls"),
    ("qa-heldout-8", "qa-heldout-8.jsonl", "calls"),
    ("qa-heldout-9", "qa-heldout-9.jsonl", "calls"),
    ("qa-heldout-10", "qa-heldout-10.jsonl", "calls"),
    ("qa-heldout-11", "qa-heldout-11.jsonl", "calls"),
    ("qa-heldout-12", "qa-heldout-12.jsonl", "calls"),
    ("qa-heldout-13", "qa-heldout-13.jsonl", "calls"),
    ("qa-heldout-14", "qa-heldout-14.jsonl", "calls"),
    ("qa-heldout-15", "qa-heldout-15.jsonl", "calls"),
    ("qa-heldout-16", "qa-heldout-16.jsonl", "calls"),
    ("qa-heldout-17", "qa-heldout-17.jsonl", "calls"),
    ("qa-heldout-18", "qa-heldout-18.jsonl", "calls"),
    ("qa-heldout-19", "qa-heldout-19.jsonl", "calls"),
    ("qa-heldout-20", "qa-heldout-20.jsonl", "calls"),
    ("qa-heldout-21", "qa-heldout-21.jsonl", "calls"),
    ("qa-heldout-22", "qa-heldout-22.jsonl", "calls"),
)
# Never tuned on: only their totals are read.
HELDOUT_SETS = tuple(name for name, _, _ in GOLD_SETS if name.startswith("qa-heldout"))
# Labels that speak of the whole call, right anywhere in it.
CALL_LEVEL = frozenset(
    """no_greeting no_verification no_closing no_closing_summary problem_not_addressed
    slow_understanding understood problem_identified sentiment_worsened""".split()
)
# label -> (criterion, the answer that agrees with it)
CRITERION_OF = {
    "greeting": ("greeted", "yes"), "no_greeting": ("greeted", "no"),
    "verification": ("verified", "yes"), "no_verification": ("verified", "no"),
    "closing": ("closed", "yes"), "no_closing": ("closed", "no"),
    "closing_summary": ("summarised", "yes"), "no_closing_summary": ("summarised", "no"),
    "dismissive_language": ("respectful", "no"),
    "distress_acknowledged": ("answered_distress", "yes"),
    "distress_ignored": ("answered_distress", "no"),
    "agent_interruption": ("no_interruptions", "no"), "dead_air": ("no_dead_air", "no"),
    "commitment": ("timed_commitments", "yes"),
    "commitment_without_time": ("timed_commitments", "no"),
    "callback_without_time": ("timed_commitments", "no"),
    "reasks_information": ("used_given_details", "no"),
    "customer_repeats": ("no_repeats", "no"), "customer_correction": ("no_repeats", "no"),
    "slow_understanding": ("understood_quickly", "no"),
    "understood": ("understood_quickly", "yes"),
    "question_not_addressed": ("clear_answers", "no"),
    "customer_confused": ("clear_answers", "no"),
    "problem_identified": ("identified_problem", "yes"),
    "problem_not_addressed": ("identified_problem", "no"),
    "deflection": ("offered_solution", "no"),
    "solution_offered": ("offered_solution", "yes"), "explanation": ("offered_solution", "yes"),
    "uses_customer_name": ("personal", "yes"), "proactive_help": ("proactive", "yes"),
    "resolution_confirmed": ("confirmed_resolution", "yes"),
    "open_question": ("probed", "yes"),
    "empathy_statement": ("showed_empathy", "yes"), "apology": ("showed_empathy", "yes"),
    "reflects_feeling": ("showed_empathy", "yes"),
    "restatement": ("restated", "yes"), "understanding_check": ("restated", "yes"),
    "acknowledgement": ("acknowledged", "yes"), "ownership": ("ownership", "yes"),
    "readback_mismatch": ("used_given_details", "no"),
}  # fmt: skip


@dataclass
class GoldCall:
    """One annotated call: its transcript and what the annotator said about it."""

    transcript: Transcript
    set_name: str
    outcome: str
    criteria: dict[str, str]
    deserves_review: bool
    findings: list[tuple[int | None, str]] | None = None  # (turn, label); None: not annotated
    requests: list[str] = field(default_factory=list)  # each request's outcome


def gold_qa_calls(folder: Path = GOLD) -> list[GoldCall]:
    """The annotated written calls and bundled samples."""
    found = []
    for set_name, labels, calls in GOLD_SETS:
        path = folder / labels
        if not path.exists():
            continue
        files = {p.stem: p for p in (folder / calls).iterdir() if p.is_file()}
        stems = _manifest_stems(folder / calls)
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            file = files.get(stems.get(item["call_id"], item["call_id"]))
            if file is None:
                raise ValueError(f"{path}: no transcript for {item['call_id']}")
            transcript, _ = read_transcript(file, file.read_bytes(), item["call_id"])
            turns = None
            if "findings" in item:
                turns = [(f["turn"], f["label"]) for f in item["findings"]]
            found.append(_gold(item, transcript, set_name, turns))
    return found


def _manifest_stems(folder: Path) -> dict[str, str]:
    """call id -> file stem, from a manifest.csv in ``folder`` (none: ids are the stems)."""
    manifest = folder / "manifest.csv"
    if not manifest.exists():
        return {}
    with open(manifest, encoding="utf-8", newline="") as handle:
        return {row["call_id"]: Path(row["file"]).stem for row in csv.DictReader(handle)}


def harper_valley_qa_calls(root: Path, folder: Path = GOLD) -> list[GoldCall]:
    """The Harper Valley calls annotated per turn (segment indexes mapped to turns)."""
    found = []
    for line in (folder / "harper_valley_qa.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        transcript, _ = harper_valley.load_call(root, item["sid"])
        turn_of = {index: turn for turn, index in
                   enumerate(harper_valley.segment_indexes(root, item["sid"]))}  # fmt: skip
        turns = [(turn_of.get(f["index"]) if f["index"] is not None else None, f["label"])
                 for f in item["findings"]]  # fmt: skip
        found.append(_gold(item, transcript, "harper-valley", turns))
    return found


def _gold(item: dict, transcript: Transcript, set_name: str, turns: list | None) -> GoldCall:
    return GoldCall(
        transcript=transcript,
        set_name=set_name,
        outcome=item["outcome"],
        criteria={k: v["answer"] for k, v in item["criteria"].items()},
        deserves_review=bool(item["deserves_review"]),
        findings=turns,
        requests=[r["outcome"] for r in item.get("requests", [])],
    )


def assess(calls: list[GoldCall]) -> list[tuple[CallResult, list[str]]]:
    """Each call as a run would store it, with its flag reasons (within the flag budget)."""
    return flagged(analysed(calls))


def analysed(calls: list[GoldCall]) -> list[CallResult]:
    """Each call redacted, measured, analysed and scored as a run would store it."""
    settings = ProcessSettings()
    nlp = load_nlp(settings.nlp_pipeline)
    measured = [measured_transcript(redact_transcript(c.transcript, nlp), settings)
                for c in calls]  # fmt: skip
    return analyse_measured(measured, settings)  # type: ignore[return-value]


def flagged(results: list[CallResult]) -> list[tuple[CallResult, list[str]]]:
    """Each call with its flag reasons, the budget applied over these calls as one night's."""
    rules = FlagRules()
    rows = [r.scored() for r in results]
    kept, _ = budgeted_queue(rows, rules)
    reasons = {q["call_id"]: [f["reason"] for f in q["flags"]] for q in kept}
    return [(r, reasons.get(r.call_id, [])) for r in results]


def qa_metrics(
    calls: list[GoldCall], prefix: str, analysis: list[CallResult] | None = None
) -> dict[str, float]:
    """Per-label precision (per call and per turn) and recall, outcome accuracy, per-criterion
    Cohen's kappa, the flag rate and the share of flags the gold justifies (``analysis``: the
    calls already analysed, in order)."""
    results = flagged(analysis if analysis is not None else analysed(calls))
    metrics: dict[str, float] = {}
    per_call: dict[str, Counter] = defaultdict(Counter)
    per_turn: dict[str, Counter] = defaultdict(Counter)
    for gold, (result, _) in zip(calls, results, strict=True):
        for label, right in call_level_agreement(gold, result.findings):
            per_call[label]["right" if right else "wrong"] += 1
        if gold.findings is not None:
            for label, counts in turn_level_agreement(gold, result.findings).items():
                per_turn[label] += counts
    for label, c in sorted(per_call.items()):
        metrics[f"{prefix}_call_precision_{label}"] = c["right"] / (c["right"] + c["wrong"])
        metrics[f"{prefix}_call_n_{label}"] = float(c["right"] + c["wrong"])
    for label, c in sorted(per_turn.items()):
        if c["raised"]:
            metrics[f"{prefix}_turn_precision_{label}"] = c["tp"] / c["raised"]
        if c["gold"]:
            metrics[f"{prefix}_turn_recall_{label}"] = c["found"] / c["gold"]
    metrics |= _call_figures(calls, results, prefix)
    return metrics


def call_level_agreement(gold: GoldCall, findings: tuple[Finding, ...]) -> list[tuple[str, bool]]:
    """(label, agrees) for each distinct label callqa raised that a criterion bears on."""
    found = []
    for label in sorted({f.label for f in findings} & CRITERION_OF.keys()):
        criterion, answer = CRITERION_OF[label]
        if criterion in gold.criteria:
            found.append((label, gold.criteria[criterion] == answer))
    return found


def turn_level_agreement(gold: GoldCall, findings: tuple[Finding, ...]) -> dict[str, Counter]:
    """Per label: findings raised, those the gold has (tp), gold findings and those found."""
    annotated = {label for _, label in gold.findings or ()} | CRITERION_OF.keys()
    gold_turns: dict[str, list[int | None]] = defaultdict(list)
    for turn, label in gold.findings or ():
        gold_turns[label].append(turn)
    raised: dict[str, list[set[int]]] = defaultdict(list)
    for f in findings:
        if f.label in annotated:
            raised[f.label].append({e.turn for e in f.evidence})
    counts: dict[str, Counter] = defaultdict(Counter)
    for label in set(raised) | set(gold_turns):
        wanted = gold_turns.get(label, [])
        for turns in raised.get(label, []):
            counts[label]["raised"] += 1
            counts[label]["tp"] += any(_near(turns, t, label) for t in wanted)
        for t in wanted:
            counts[label]["gold"] += 1
            counts[label]["found"] += any(_near(turns, t, label) for turns in raised.get(label, []))
    return counts


def _near(turns: set[int], gold_turn: int | None, label: str) -> bool:
    if label in CALL_LEVEL or gold_turn is None:
        return True
    return any(abs(t - gold_turn) <= 1 for t in turns)


OUTCOME_LABELS = ("resolved", "partly_resolved", "unresolved", "transferred", "escalated",
                  "callback", "cut_off")  # fmt: skip


def _call_figures(
    calls: list[GoldCall], results: list[tuple[CallResult, list[str]]], prefix: str
) -> dict[str, float]:
    n = len(calls)
    outcomes = [next((f.label for f in r.findings if f.label in OUTCOME_LABELS), None)
                for r, _ in results]  # fmt: skip
    right = sum(g.outcome == o for g, o in zip(calls, outcomes, strict=True))
    deserving = [g.deserves_review for g in calls]
    figures = {f"{prefix}_calls": float(n), f"{prefix}_outcome_accuracy": right / n}
    # within the flag budget, as a night's queue; and every call a flag rule picks (the
    # gold sets hold more calls that deserve review than a 20% budget has room for)
    for suffix, flagged in (
        ("", [bool(flags) for _, flags in results]),
        ("_unbudgeted", [bool(flag_call(r.score, r.findings)) for r, _ in results]),
    ):
        justified = sum(f and d for f, d in zip(flagged, deserving, strict=True))
        figures |= {
            f"{prefix}_flag_rate{suffix}": sum(flagged) / n,
            f"{prefix}_flags_justified{suffix}": justified / max(1, sum(flagged)),
            f"{prefix}_deserving_flagged{suffix}": justified / max(1, sum(deserving)),
        }
    figures[f"{prefix}_deserving_share"] = sum(deserving) / n
    for criterion in sorted({c for g in calls for c in g.criteria}):
        pairs = []
        for gold, (result, _) in zip(calls, results, strict=True):
            answers = (
                {a.criterion_id: a.answer for a in result.score.criteria} if result.score else {}
            )
            ours = answers.get(criterion)
            if criterion in gold.criteria and ours is not None:
                pairs.append((gold.criteria[criterion], _answer(ours)))
        if pairs:
            figures[f"{prefix}_kappa_{criterion}"] = cohen_kappa(pairs)
    return figures


def _answer(ours: str | int) -> str:
    if isinstance(ours, int):
        return "yes" if ours > 0 else "no"
    return ours


def cohen_kappa(pairs: list[tuple[str, str]]) -> float:
    """Cohen's kappa of two raters' answers; 1.0 when both always give the same single answer."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def task_type_eta_squared(root: Path) -> float:
    """How much of the QA score's variance the caller's task type explains (eta squared) over
    all Harper Valley calls: a score that measures the agent, not the call type, keeps it low."""
    calls, types = [], []
    for sid in harper_valley.call_ids(root):
        transcript, metadata = harper_valley.load_call(root, sid)
        calls.append(GoldCall(transcript, "harper-valley", "", {}, False))
        types.append(metadata["tasks"][0]["task_type"])
    totals = [r.score.total if r.score and r.score.total is not None else 0.0
              for r, _ in assess(calls)]  # fmt: skip
    return eta_squared(totals, types)


def eta_squared(values: list[float], groups: list[str]) -> float:
    """Between-group sum of squares over the total sum of squares."""
    mean = sum(values) / len(values)
    total = sum((v - mean) ** 2 for v in values)
    by_group: dict[str, list[float]] = defaultdict(list)
    for value, group in zip(values, groups, strict=True):
        by_group[group].append(value)
    between = sum(len(g) * (sum(g) / len(g) - mean) ** 2 for g in by_group.values())
    return between / total if total else 0.0


def score_call_qa(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    if (data / "data" / "metadata").is_dir():
        annotated = harper_valley_qa_calls(data)
        figures = qa_metrics(annotated, "harper_valley")
        figures["harper_valley_task_type_eta_squared"] = task_type_eta_squared(data)
        return len(annotated), {
            "outcome_accuracy": figures["harper_valley_outcome_accuracy"]
        } | figures
    calls = gold_qa_calls(data)
    results = analysed(calls)  # once; each set is then judged on its own calls

    def judged(prefix: str, keep: Callable[[str], bool]) -> dict[str, float]:
        chosen = [(c, r) for c, r in zip(calls, results, strict=True) if keep(c.set_name)]
        return qa_metrics([c for c, _ in chosen], prefix, [r for _, r in chosen])

    metrics: dict[str, float] = {}
    for name in dict.fromkeys(c.set_name for c in calls):
        metrics |= judged(name, partial(operator.eq, name))
    metrics |= judged("all-tuning", lambda set_name: set_name not in HELDOUT_SETS)
    metrics |= judged("all-heldout", lambda set_name: set_name in HELDOUT_SETS)
    return len(calls), {"outcome_accuracy": metrics["all-heldout_outcome_accuracy"]} | metrics


CALL_QA_TASK = Task(
    name="call-qa",
    summary="Findings, criteria, outcomes and flags vs gold annotations (evaluation/gold, "
    "or the Harper Valley calls annotated per turn)",
    data_hint="evaluation/gold",
    also_on=(),
    primary="outcome_accuracy",  # on the held-out sets together, or on Harper Valley
    baselines=(),
    score=score_call_qa,
)
