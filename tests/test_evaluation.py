"""Data-set loaders on small fixtures in their published formats, tasks and the CLI."""

import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score
from typer.testing import CliRunner

from callqa.evaluation import goemotions, politeness
from callqa.evaluation.harness import macro_scores
from callqa.evaluation.tasks import TASKS, evaluate
from callqa.models.emotion import EKMAN, EMOTIONS
from callqa.models.heads import Head, save_head
from callqa.pipelines.cli import app

GOEMOTIONS_ROWS = [
    ("I love this, thank you!", "18,15", "c1"),
    ("Why is this still broken?", "3", "c2"),
    ("ok", "27", "c3"),
    ("That is so sad.", "25", "c4"),
    ("Wait, what do you mean?", "6,7", "c5"),
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLQA_CACHE", str(tmp_path / "cache"))


def write_goemotions(folder):
    folder.mkdir(exist_ok=True)
    (folder / "dev.tsv").write_text("".join("\t".join(r) + "\n" for r in GOEMOTIONS_ROWS))
    (folder / "emotions.txt").write_text("\n".join(EMOTIONS))
    return folder


def always(label, labels, name, folder, multi_label=True):
    """A head that ignores its input and always answers ``label``."""
    bias = np.where(np.array(labels) == label, 5.0, -5.0).astype(np.float32)
    layer = (np.zeros((len(labels), 384), np.float32), bias)
    head = Head(name, tuple(labels), multi_label, (layer,), np.full(len(labels), 0.5, np.float32))
    save_head(head, folder)


def test_goemotions_loader_reads_the_published_tsv(tmp_path):
    examples = goemotions.load(write_goemotions(tmp_path / "go"))
    assert [e.id for e in examples] == ["c1", "c2", "c3", "c4", "c5"]
    assert examples[0].labels == (15, 18) and examples[0].text == "I love this, thank you!"
    matrix = goemotions.label_matrix(examples)
    assert matrix.shape == (5, 28) and matrix.sum() == 7


@pytest.mark.parametrize(
    "line, message",
    [("only text", "3 tab-separated"), ("text\tx\tid", "not integers"), ("t\t28\tid", "outside")],
)
def test_goemotions_loader_names_the_bad_line(tmp_path, line, message):
    path = tmp_path / "dev.tsv"
    path.write_text("fine\t1\tid0\n" + line + "\n")
    with pytest.raises(ValueError, match=rf"dev.tsv:2: .*{message}"):
        goemotions.load(path)


def politeness_csv(path, community, scores):
    header = "Community,Id,Request," + ",".join(f"Score{i}" for i in range(1, 6))
    header += "," + ",".join(f"TurkId{i}" for i in range(1, 6)) + ",Normalized Score\n"
    rows = [
        f'{community},{i},"Request number {i}, please?",1,2,3,4,5,a,b,c,d,e,{score}\n'
        for i, score in enumerate(scores)
    ]
    path.write_text(header + "".join(rows))


def test_politeness_loader_keeps_quartiles_per_domain(tmp_path):
    politeness_csv(tmp_path / "wikipedia.annotated.train.csv", "Wikipedia", range(8))
    politeness_csv(tmp_path / "se.csv", "092011 GIS", [10 * s for s in range(8)])
    examples = politeness.load(tmp_path)
    for domain in politeness.DOMAINS:
        chosen = [e for e in examples if e.domain == domain]
        assert len(chosen) == 4  # the middle half is dropped, per domain
        assert sum(e.polite for e in chosen) == 2
    assert {e.key.split("|")[0] for e in examples} == {"Wikipedia", "092011 GIS"}


def test_politeness_loader_rejects_missing_columns(tmp_path):
    (tmp_path / "x.csv").write_text("Community,Id,Request\nWikipedia,1,hi\n")
    with pytest.raises(ValueError, match="missing columns Normalized Score"):
        politeness.load(tmp_path / "x.csv")


def test_macro_scores_match_sklearn():
    rng = np.random.default_rng(1)
    truth, predicted = rng.integers(0, 2, (50, 6)), rng.integers(0, 2, (50, 6))
    ours = macro_scores(truth, predicted, "x")
    assert ours["x_f1"] == pytest.approx(f1_score(truth, predicted, average="macro"))


@pytest.mark.slow
def test_emotion_task_scores_a_head_against_the_labels(tmp_path):
    always("neutral", EMOTIONS, "emotion", tmp_path / "weights")
    result = evaluate(
        TASKS["emotion"], write_goemotions(tmp_path / "go"), str(tmp_path / "weights")
    )
    truth = goemotions.label_matrix(goemotions.load(tmp_path / "go"))
    predicted = np.zeros_like(truth)
    predicted[:, EMOTIONS.index("neutral")] = 1
    expected = f1_score(truth, predicted, average="macro", zero_division=0)
    assert result["n"] == 5 and result["primary"] == "emotions_f1"
    assert result["metrics"]["emotions_f1"] == pytest.approx(expected, abs=1e-4)
    ekman_truth = np.array([[0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
                            [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, 0]])  # fmt: skip
    ekman_predicted = np.zeros_like(ekman_truth)
    ekman_predicted[:, list(EKMAN).index("neutral")] = 1
    expected_ekman = f1_score(ekman_truth, ekman_predicted, average="macro", zero_division=0)
    assert result["metrics"]["ekman_f1"] == pytest.approx(expected_ekman, abs=1e-4)


@pytest.mark.slow
def test_politeness_task_uses_only_the_held_out_fifth(tmp_path):
    politeness_csv(tmp_path / "wiki.csv", "Wikipedia", range(40))
    always("polite", ("impolite", "polite"), "politeness", tmp_path / "w", multi_label=False)
    result = evaluate(TASKS["politeness"], tmp_path / "wiki.csv", str(tmp_path / "w"))
    held = [e for e in politeness.load(tmp_path / "wiki.csv") if politeness.held_out(e.key)]
    assert result["n"] == len(held) > 0
    expected = accuracy_score([e.polite for e in held], [True] * len(held))
    assert result["metrics"]["wikipedia_accuracy"] == pytest.approx(expected, abs=1e-4)


def test_cli_lists_tasks_with_baselines():
    result = CliRunner().invoke(app, ["evaluate", "--list"])
    assert result.exit_code == 0
    assert "emotion" in result.output and "emotions_f1 0.46" in result.output
    assert "politeness" in result.output and "wikipedia_accuracy 0.84" in result.output


@pytest.mark.slow
def test_cli_evaluate_prints_json_with_a_primary_metric(tmp_path):
    always("neutral", EMOTIONS, "emotion", tmp_path / "weights")
    args = ["evaluate", "emotion", "--data", str(write_goemotions(tmp_path / "go")),
            "--weights", str(tmp_path / "weights"), "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["primary"] == "emotions_f1" and payload["n"] == 5
    assert {b["metric"] for b in payload["baselines"]} >= {"emotions_f1", "ekman_f1"}


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["evaluate", "nope", "--data", "."], 2, "choose one of"),
        (["evaluate", "emotion", "--data", "/no/such/file"], 1, "no such file"),
        (["train", "nope", "--data", "."], 2, "choose one of"),
    ],
)
def test_cli_errors_exit_non_zero(args, code, message):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code
    assert message in result.output


def test_annotator_agreement_counts_alike_answers_and_kappa():
    from callqa.evaluation.annotator_agreement import agreement

    first = {
        "a": {"outcome": "resolved", "deserves_review": False,
              "criteria": {"greeted": {"answer": "yes"}, "closed": {"answer": "no"}}},
        "b": {"outcome": "callback", "deserves_review": True,
              "criteria": {"greeted": {"answer": "no"}, "closed": {"answer": "yes"}}},
    }  # fmt: skip
    second = {
        "a": {"outcome": "resolved", "deserves_review": False,
              "criteria": {"greeted": "yes", "closed": "yes"}},
        "b": {"outcome": "unresolved", "deserves_review": True,
              "criteria": {"greeted": "no", "closed": "yes"}},
    }  # fmt: skip
    found = agreement(first, second)
    assert found["outcome"][0] == 0.5 and found["deserves_review"] == (1.0, 1.0)
    assert found["greeted"] == (1.0, 1.0) and found["closed"][0] == 0.5
    assert found["all criteria"][0] == 0.75


def test_read_back_probe_labels_quote_their_calls():
    from pathlib import Path

    from callqa.evaluation.bench_readback import PROBES
    from callqa.pipelines.readers import read_transcript

    labels = [json.loads(line) for line in (PROBES / "labels.jsonl").read_text().splitlines()]
    assert len(labels) == 80
    for label in labels:
        path = Path(PROBES / "calls" / f"{label['call_id']}.txt")
        turns = read_transcript(path, path.read_bytes(), label["call_id"])[0].turns
        assert (label["kind"] == "right") == (not label["mismatches"])
        for wrong in label["mismatches"]:
            assert wrong["said"] in turns[wrong["customer_turn"]].text
            assert wrong["read_back"] in turns[wrong["agent_turn"]].text
            assert (wrong["corrected_turn"] is None) == (label["kind"] == "wrong_uncorrected")
