"""Training recipes for the shipped heads: which data set, which split, which settings.

``callqa train HEAD --data PATH`` runs a recipe, writes ``models/weights/<head>.safetensors`` and
its model card ``<head>.md``. Only permissively licensed data sets train shipped weights.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callqa.evaluation import goemotions, politeness
from callqa.evaluation.embeddings import embed
from callqa.evaluation.tasks import TASKS, evaluate
from callqa.models.emotion import EMOTIONS
from callqa.models.heads import WEIGHTS_DIR, Head, load_head, save_head, train_head


@dataclass(frozen=True)
class Recipe:
    head: str
    dataset: str
    licence: str
    data_hint: str
    split: str
    settings: dict[str, int]
    fit: Callable[[Path, int, dict[str, int]], tuple[Head, int]]  # data, seed -> head, n
    evaluation_data: Callable[[Path], Path]  # training data -> where its task evaluates


def in_fold(key: str, salt: str, folds: int) -> bool:
    """A fixed 1/``folds`` share of keys, stable across runs and machines."""
    return int(hashlib.sha1(f"{salt}|{key}".encode()).hexdigest(), 16) % folds == 0


def fit_emotion(data: Path, seed: int, settings: dict[str, int]) -> tuple[Head, int]:
    path = data / "train.tsv" if data.is_dir() else data
    if path.name == "dev.tsv":
        raise ValueError(f"{path}: dev.tsv is the evaluation split; train on train.tsv")
    examples = goemotions.load(path)
    vectors, targets = embed([e.text for e in examples]), goemotions.label_matrix(examples)
    tune = np.array([in_fold(e.id, "thresholds", 10) for e in examples])
    head = train_head(
        "emotion", EMOTIONS, vectors[~tune], targets[~tune], multi_label=True, seed=seed,
        validation=(vectors[tune], targets[tune]), **settings,
    )  # fmt: skip
    return head, int((~tune).sum())


def fit_politeness(data: Path, seed: int, settings: dict[str, int]) -> tuple[Head, int]:
    examples = [e for e in politeness.load(data) if not politeness.held_out(e.key)]
    targets = np.array([[not e.polite, e.polite] for e in examples], dtype=np.float32)
    vectors = embed([e.text for e in examples])
    head = train_head(
        "politeness", ("impolite", "polite"), vectors, targets, multi_label=False, seed=seed,
        **settings,
    )  # fmt: skip
    return head, len(examples)


RECIPES: dict[str, Recipe] = {
    recipe.head: recipe
    for recipe in (
        Recipe(
            head="emotion",
            dataset="GoEmotions (Demszky et al., ACL 2020)",
            licence="Apache-2.0",
            data_hint="goemotions/ (trains on train.tsv, evaluates on dev.tsv)",
            split="official train.tsv; a fixed tenth of it (sha1 of the comment id) tunes the "
            "per-label thresholds and is not trained on; dev.tsv is never seen",
            settings={"hidden": 512, "epochs": 20},
            fit=fit_emotion,
            evaluation_data=lambda data: (data if data.is_dir() else data.parent) / "dev.tsv",
        ),
        Recipe(
            head="politeness",
            dataset="Stanford Politeness Corpus (Danescu-Niculescu-Mizil et al., ACL 2013)",
            licence="Apache-2.0 (authors' repository); request text from CC BY-SA sites",
            data_hint="stanford_politeness/",
            split="top vs bottom quartile per domain; trains on every request outside the fixed "
            "held-out fifth (sha1 of 'held-out|Community|Id'), which the evaluation uses",
            settings={"hidden": 0, "epochs": 100},
            fit=fit_politeness,
            evaluation_data=lambda data: data,
        ),
    )
}


def train(name: str, data: Path, out: Path = WEIGHTS_DIR, seed: int = 0) -> tuple[Path, str]:
    """Train head ``name`` on ``data``; save its weights and model card in ``out``.

    Returns the weights file and the card's text.
    """
    recipe = RECIPES[name]
    started = time.perf_counter()
    head, n_train = recipe.fit(Path(data), seed, recipe.settings)
    seconds = time.perf_counter() - started
    head = Head(
        head.name, head.labels, head.multi_label, head.layers, head.thresholds,
        info={"dataset": recipe.dataset, "licence": recipe.licence, "seed": str(seed)},
    )  # fmt: skip
    path = save_head(head, out)
    load_head.cache_clear()  # the evaluation below must read the new weights
    result = evaluate(TASKS[name], recipe.evaluation_data(Path(data)), str(out))
    card = model_card(recipe, head, n_train, seed, seconds, result)
    path.with_suffix(".md").write_text(card, encoding="utf-8")
    return path, card


def model_card(
    recipe: Recipe, head: Head, n_train: int, seed: int, seconds: float, result: dict
) -> str:
    """The Markdown model card written beside the weights."""
    shape = " → ".join(str(w.shape[1]) for w, _ in head.layers) + f" → {len(head.labels)}"
    rows = "\n".join(f"| {k} | {v:.4f} |" for k, v in result["metrics"].items())
    baselines = "\n".join(
        f"| {b['metric']} | {b['value']:.4f} | {b['source']} |" for b in result["baselines"]
    )
    return f"""# {head.name} head

- Data set: {recipe.dataset}; licence: {recipe.licence}
- Split: {recipe.split}
- Training examples: {n_train:,}; seed {seed}; settings {recipe.settings}
- Encoder: all-MiniLM-L6-v2 (frozen, mean-pooled, L2-normalised); layers {shape}
- Labels ({len(head.labels)}): {", ".join(head.labels)}
- Output: {"sigmoid per label, with per-label thresholds" if head.multi_label else "softmax"}
- Trained in {seconds:.0f} s on 2 CPU cores (encoding included, unless cached)
- Tensors sha256 (`Head.digest()`): `{head.digest()}`

Retrain: `callqa train {head.name} --data ../shared/datasets/{recipe.data_hint.split()[0]}`

## Evaluation: `callqa evaluate {head.name} --data {result["data"]}` (n = {result["n"]:,})

| metric | ours |
| --- | --- |
{rows}

| metric | published | source |
| --- | --- | --- |
{baselines}
"""
