"""Evaluation of the dialogue-act head: the SGD test split (per act, written task dialogues),
our own held-out call sentences (every act, spoken style), and Harper Valley's spoken bank
calls against Gridspace's dialog-act model (silver labels: its outputs, not human ones)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from callqa.evaluation import call_acts, dialogue, harper_valley, sgd
from callqa.evaluation.embeddings import embed
from callqa.evaluation.harness import Task
from callqa.models.acts import ACTS, act_features, tag_acts
from callqa.models.heads import load_head

SGD_TEST_DIALOGUES = 600  # a seeded sample of the test split keeps the task to minutes
HARPER_VALLEY = {  # Gridspace's tags -> our acts (tags with no counterpart are left out)
    "greeting": "greeting", "problem_description": "request", "data_question": "ask_detail",
    "data_response": "give_detail", "confirm_data": "confirm_details", "yes_response": "affirm",
    "acknowledgement": "backchannel", "thanks": "thanks", "closing": "closing",
    "bear_with_me": "hold", "data_communication": "inform",
}  # fmt: skip


SWDA = {"b": "backchannel", "bk": "backchannel", "br": "clarify", "fa": "apology",
        "ft": "thanks", "fc": "closing", "fp": "greeting", "ny": "affirm", "nn": "negate",
        "aa": "affirm"}  # fmt: skip
MRDA = {"b": "backchannel", "bk": "backchannel", "br": "clarify", "fa": "apology",
        "ft": "thanks", "aa": "affirm", "ar": "negate"}  # fmt: skip


def per_act(truth: np.ndarray, predicted: np.ndarray, acts: tuple[str, ...]) -> dict[str, float]:
    """Precision, recall and F1 per act (columns of ``acts``), and their macro F1."""
    metrics: dict[str, float] = {}
    f1s = []
    for act in acts:
        k = ACTS.index(act)
        hits = float(np.sum(truth[:, k] & predicted[:, k]))
        p = hits / max(predicted[:, k].sum(), 1)
        r = hits / max(truth[:, k].sum(), 1)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        metrics |= {f"{act}_precision": p, f"{act}_recall": r, f"{act}_f1": f1}
        f1s.append(f1)
    return {"macro_f1": float(np.mean(f1s)), **metrics}


def matrix(rows: list[tuple[str, ...]]) -> np.ndarray:
    out = np.zeros((len(rows), len(ACTS)), dtype=np.int8)
    for i, acts in enumerate(rows):
        for act in acts:
            out[i, ACTS.index(act)] = 1
    return out


def score_sgd(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    path = data / "test.jsonl.gz" if data.is_dir() else data
    turns = sgd.load(path, SGD_TEST_DIALOGUES)
    head = load_head("acts", weights)
    features = act_features(
        embed([t.text for t in turns]),
        [t.speaker for t in turns],
        [t.position for t in turns],
        matrix([t.previous for t in turns]),
    )
    predicted = head.decide(head.scores(features))
    return len(turns), per_act(matrix([t.acts for t in turns]), predicted, sgd.LABELLED)


def score_calls(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    rows = call_acts.load(data if data.is_file() else call_acts.SENTENCES, split="test")
    head = load_head("acts", weights)
    none = np.zeros((len(rows), len(ACTS)), dtype=np.float32)
    features = act_features(embed([r.text for r in rows]), [r.speaker for r in rows],
                            [None] * len(rows), none)  # fmt: skip
    predicted = head.decide(head.scores(features))
    present = tuple(a for a in ACTS if any(a in r.acts for r in rows))
    return len(rows), per_act(matrix([r.acts for r in rows]), predicted, present)


def score_harper_valley(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
    head = load_head("acts", weights)
    truth, predicted = [], []
    for sid in harper_valley.call_ids(data):
        transcript, _ = harper_valley.load_call(data, sid)
        tags = harper_valley.dialog_acts(data, sid)
        texts = [t.text for t in transcript.turns]
        scores = tag_acts(head, embed(texts), [t.speaker for t in transcript.turns],
                          list(range(len(texts))))  # fmt: skip
        predicted.append(head.decide(scores))
        truth.append(matrix([tuple({HARPER_VALLEY[t] for t in ts if t in HARPER_VALLEY})
                             for ts in tags]))  # fmt: skip
    acts = tuple(a for a in ACTS if a in HARPER_VALLEY.values())
    truth_all, predicted_all = np.vstack(truth), np.vstack(predicted)
    return len(truth_all), per_act(truth_all, predicted_all, acts)


def score_meetings(tags: dict[str, str], columns: tuple[int, ...]):
    """SwDA or MRDA utterances (evaluation only) against the acts their tags correspond to;
    speakers are not agent and customer there, so each is scored as an agent sentence with
    no position and no previous acts."""

    def score(data: Path, weights: str | None) -> tuple[int, dict[str, float]]:
        rows = dialogue.load_pipe_separated(data, columns)
        head = load_head("acts", weights)
        none = np.zeros((len(rows), len(ACTS)), dtype=np.float32)
        features = act_features(embed([r.text for r in rows]), ["agent"] * len(rows),
                                [None] * len(rows), none)  # fmt: skip
        predicted = head.decide(head.scores(features))
        truth = matrix([tuple({tags[t] for t in r.tags if t in tags}) for r in rows])
        acts = tuple(a for a in ACTS if a in tags.values())
        return len(rows), per_act(truth, predicted, acts)

    return score


ACT_TASKS = (
    Task(
        name="acts-sgd",
        summary="Dialogue acts on the SGD test split (600 dialogues), per act",
        data_hint="sgd/",
        primary="macro_f1",
        baselines=(),
        score=score_sgd,
    ),
    Task(
        name="acts-calls",
        summary="Dialogue acts on our held-out call sentences (every act, spoken style)",
        data_hint=str(call_acts.SENTENCES),  # in the repository, not a shared data set
        primary="macro_f1",
        baselines=(),
        score=score_calls,
    ),
    Task(
        name="acts-harper-valley",
        summary="Dialogue acts per segment of 34 Harper Valley calls vs Gridspace's model tags",
        data_hint="harper_valley/",
        primary="macro_f1",
        baselines=(),
        score=score_harper_valley,
    ),
    Task(
        name="acts-swda",
        summary="Dialogue acts on SwDA phone calls: backchannel, clarification, yes, no...",
        data_hint="swda/val_set.txt",
        primary="macro_f1",
        baselines=(),
        score=score_meetings(SWDA, (2,)),
    ),
    Task(
        name="acts-mrda",
        summary="Dialogue acts on MRDA meetings: backchannel, clarification, apology...",
        data_hint="mrda/val_set.txt",
        primary="macro_f1",
        baselines=(),
        score=score_meetings(MRDA, (3, 4)),
    ),
)
