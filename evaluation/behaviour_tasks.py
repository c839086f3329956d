"""Tasks for the behaviour detectors, on evaluation-only dialogue data sets (never trained on).

Each task maps a data set's tags to the finding labels that should fire on those utterances and
reports per-cue precision, recall and F1, with macro-F1 over the cues as the primary metric.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from callqa.evaluation import dialogue, harper_valley
from callqa.evaluation.harness import Baseline, Task, binary_scores
from callqa.qa_rules.analysis import analyse_calls, load_analyzer

TARGET = "callqa's target for a cue (no published per-tag baseline)"
EPITOME_PAPER = (
    "Sharma et al. 2020 (EPITOME), RoBERTa bi-encoder on TalkLife + Reddit; recalled, unverified"
)
QUESTION = {"open_question", "closed_question"}
RESTATE = {"restatement", "understanding_check"}
REFLECT = {"reflects_feeling", "restatement", "understanding_check"}
EMPATHY = {"empathy_statement", "apology", "distress_acknowledged", "reflects_feeling"}

# cue -> (the data set's tags, the finding labels that detect it)
Cues = dict[str, tuple[set[str], set[str]]]
SWDA: Cues = {
    "acknowledge": ({"b", "bk"}, {"acknowledgement"}),
    "non_understanding": ({"br"}, {"agent_asks_to_clarify"}),
    "reformulate": ({"bf"}, RESTATE),
    "apology": ({"fa"}, {"apology"}),
    "question": ({"qy", "qw", "qo", "qh", "qrr", "qy^d", "qw^d", "^g"}, QUESTION),
}
MRDA: Cues = {
    "acknowledge": ({"b", "bk"}, {"acknowledgement"}),
    "understanding_check": ({"bu"}, {"understanding_check"}),
    "non_understanding": ({"br"}, {"agent_asks_to_clarify"}),
    "reformulate": ({"bs"}, RESTATE),
    "apology": ({"fa"}, {"apology"}),
    "sympathy": ({"by"}, EMPATHY),
    "commit": ({"cc"}, {"commitment", "commitment_without_time"}),
}
ESCONV: Cues = {
    "question": ({"Question"}, QUESTION),
    "restatement": ({"Restatement or Paraphrasing"}, RESTATE),
    "reflection": ({"Reflection of feelings"}, {"reflects_feeling"}),
    "affirmation": ({"Affirmation and Reassurance"}, EMPATHY),
}
ANNOMI: Cues = {
    "reflection": ({"reflection"}, REFLECT),
    "question": ({"question"}, QUESTION),
}
HARPER_VALLEY: Cues = {
    "acknowledgement": ({"acknowledgement"}, {"acknowledgement"}),
    "open_question": ({"open_question"}, {"open_question"}),
    "procedure_explanation": ({"procedure_explanation"}, {"explanation", "solution_offered"}),
    "confirm_data": ({"confirm_data"}, {"understanding_check"}),
}
EPITOME = {  # mechanism -> (file, the finding labels that show it)
    "ER": ("emotional-reactions-reddit.csv", EMPATHY),
    "IP": ("interpretations-reddit.csv", REFLECT),
    "EX": ("explorations-reddit.csv", {"open_question"}),
}


def cue_scores(utterances: list[dialogue.Utterance], cues: Cues) -> tuple[int, dict[str, float]]:
    """Per-cue precision/recall/F1/support and their macro-F1 over utterances."""
    found = dialogue.detected_labels(utterances)
    metrics: dict[str, float] = {}
    for cue, (tags, labels) in cues.items():
        truth = [bool(u.tags & tags) for u in utterances]
        predicted = [bool(f & labels) for f in found]
        metrics |= binary_scores(truth, predicted, cue)
    metrics["macro_f1"] = sum(metrics[f"{cue}_f1"] for cue in cues) / len(cues)
    return len(utterances), metrics


def score_epitome(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    """Empathy levels 0/1/2 per mechanism: 0 when no matching finding quotes the response, 1 for
    one kind of finding, 2 for two or more."""
    from sklearn.metrics import accuracy_score, f1_score

    folder = data if data.is_dir() else data.parent
    metrics, n = {}, 0
    for mechanism, (file, labels) in EPITOME.items():
        utterances = dialogue.load_epitome(folder / file)
        found = dialogue.detected_labels(utterances)
        truth = [int(next(iter(u.tags))) for u in utterances]
        predicted = [min(len(f & labels), 2) for f in found]
        metrics[f"{mechanism}_accuracy"] = accuracy_score(truth, predicted)
        metrics[f"{mechanism}_macro_f1"] = f1_score(truth, predicted, average="macro")
        metrics |= binary_scores([t > 0 for t in truth], [p > 0 for p in predicted], mechanism)
        n += len(utterances)
    metrics["macro_f1"] = sum(metrics[f"{m}_macro_f1"] for m in EPITOME) / len(EPITOME)
    return n, metrics


def score_harper_valley(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    """Agent turns against Gridspace's dialog-act tags (model output, not human labels), and
    whether the problem statement we pick per call is a turn tagged problem_description."""
    root = data if (data / "data").is_dir() else data.parent.parent
    sids = harper_valley.call_ids(root)
    utterances, hits, picked = [], 0, 0
    calls = [harper_valley.load_call(root, sid)[0] for sid in sids]
    for sid, call in zip(sids, calls, strict=True):
        tags = harper_valley.dialog_acts(root, sid)
        for i, turn in enumerate(call.turns):
            if turn.speaker == "agent":
                before = next(
                    (t.text for t in reversed(call.turns[:i]) if t.speaker != "agent"), ""
                )
                utterances.append(dialogue.Utterance(before, turn.text, tags[i]))
    for call, analysis in zip(calls, analyse_calls(calls, load_analyzer()), strict=True):
        if isinstance(analysis, Exception):
            raise analysis
        stated = [
            f
            for f in analysis.findings
            if f.label in {"problem_identified", "problem_not_addressed"}
        ]
        if stated:
            picked += 1
            at = stated[0].evidence[0].turn
            hits += "problem_description" in harper_valley.dialog_acts(root, call.call_id)[at]
    n, metrics = cue_scores(utterances, HARPER_VALLEY)
    metrics["problem_statement_precision"] = hits / picked if picked else 0.0
    metrics["problem_statement_coverage"] = picked / len(calls) if calls else 0.0
    return n, metrics


def _cue_task(name: str, summary: str, hint: str, cues: Cues, load: Callable[[Path], list]) -> Task:
    return Task(
        name=name,
        summary=summary,
        data_hint=hint,
        primary="macro_f1",
        baselines=tuple(Baseline(f"{cue}_f1", 0.70, TARGET) for cue in cues),
        score=lambda data, weights: cue_scores(load(data), cues),
    )


BEHAVIOUR_TASKS = (
    _cue_task(
        "swda_cues",
        "SwDA dialogue acts: backchannel, non-understanding, reformulation, apology",
        "swda/val_set.txt",
        SWDA,
        lambda p: dialogue.load_pipe_separated(p, (2,)),
    ),
    _cue_task(
        "mrda_cues",
        "MRDA dialogue acts: acknowledgement, understanding check, apology, commit",
        "mrda/val_set.txt",
        MRDA,
        lambda p: dialogue.load_pipe_separated(p, (3, 4)),
    ),
    _cue_task(
        "esconv_strategies",
        "ESConv supporter strategies: question, restatement, reflection",
        "esconv/valid.json",
        ESCONV,
        dialogue.load_esconv,
    ),
    _cue_task(
        "annomi_behaviours",
        "AnnoMI therapist behaviours: reflection and question",
        "annomi/AnnoMI-simple.csv",
        ANNOMI,
        dialogue.load_annomi,
    ),
    Task(
        name="harper_valley_acts",
        summary="Harper Valley bank calls: agent dialog acts and the problem statement "
        "(Gridspace model labels, not human)",
        data_hint="harper_valley/",
        primary="macro_f1",
        baselines=tuple(Baseline(f"{cue}_f1", 0.70, TARGET) for cue in HARPER_VALLEY),
        score=score_harper_valley,
    ),
    Task(
        name="empathy_levels",
        summary="EPITOME empathy mechanisms ER/IP/EX, levels 0-2",
        data_hint="epitome_reddit/",
        primary="macro_f1",
        baselines=(
            Baseline("ER_accuracy", 0.7943, EPITOME_PAPER),
            Baseline("ER_macro_f1", 0.7446, EPITOME_PAPER),
            Baseline("IP_accuracy", 0.8404, EPITOME_PAPER),
            Baseline("IP_macro_f1", 0.6260, EPITOME_PAPER),
            Baseline("EX_accuracy", 0.9261, EPITOME_PAPER),
            Baseline("EX_macro_f1", 0.7258, EPITOME_PAPER),
        ),
        score=score_epitome,
    ),
)
