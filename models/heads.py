"""Trained heads: small classifiers on frozen sentence embeddings.

A head is a linear layer or a one-hidden-layer MLP whose weights live in
``models/weights/<name>.safetensors`` with a model card ``<name>.md`` beside them. Inference is
plain numpy. Training is seeded, full-precision torch and runs on two cores in minutes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS_DIR = Path(__file__).parent / "weights"


@dataclass(frozen=True)
class Head:
    """Labels, layers as (weight[out, in], bias[out]) pairs, and per-label decision thresholds.

    ``multi_label`` heads score each label with a sigmoid; the others with a softmax.
    """

    name: str
    labels: tuple[str, ...]
    multi_label: bool
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    thresholds: np.ndarray
    info: dict[str, str] = field(default_factory=dict)

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Probabilities, one row per embedding and one column per label."""
        hidden = np.asarray(embeddings, dtype=np.float32)
        for weight, bias in self.layers[:-1]:
            hidden = np.maximum(hidden @ weight.T + bias, 0)
        weight, bias = self.layers[-1]
        logits = hidden @ weight.T + bias
        if self.multi_label:
            return 1 / (1 + np.exp(-logits))
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def digest(self) -> str:
        """sha256 of the tensors (not the file, whose metadata order varies between writes)."""
        import hashlib

        digest = hashlib.sha256(self.thresholds.astype(np.float32).tobytes())
        for weight, bias in self.layers:
            digest.update(weight.astype(np.float32).tobytes() + bias.astype(np.float32).tobytes())
        return digest.hexdigest()

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """0/1 decisions: each label over its threshold; for single-label heads, the top label."""
        if self.multi_label:
            return (scores >= self.thresholds).astype(np.int8)
        decisions = np.zeros_like(scores, dtype=np.int8)
        decisions[np.arange(len(scores)), scores.argmax(axis=1)] = 1
        return decisions


def save_head(head: Head, folder: Path = WEIGHTS_DIR) -> Path:
    """Write ``<name>.safetensors``; labels, thresholds and ``info`` go into its metadata."""
    from safetensors.numpy import save_file

    tensors = {"thresholds": head.thresholds.astype(np.float32)}
    for index, (weight, bias) in enumerate(head.layers):
        tensors[f"layer{index}.weight"] = np.ascontiguousarray(weight, dtype=np.float32)
        tensors[f"layer{index}.bias"] = np.ascontiguousarray(bias, dtype=np.float32)
    metadata = {
        "name": head.name,
        "labels": json.dumps(head.labels),
        "multi_label": json.dumps(head.multi_label),
        "info": json.dumps(head.info, sort_keys=True),
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{head.name}.safetensors"
    save_file(tensors, str(path), metadata=metadata)
    return path


@lru_cache(maxsize=8)
def load_head(name: str, folder: str | None = None) -> Head:
    """The head ``name`` from ``folder`` (default: the weights shipped with callqa), loaded once."""
    from safetensors import safe_open

    path = Path(folder or WEIGHTS_DIR) / f"{name}.safetensors"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no trained head named {name!r}; run `callqa train`")
    with safe_open(str(path), framework="numpy") as handle:
        metadata = handle.metadata()
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    count = sum(1 for key in tensors if key.endswith(".weight"))
    layers = tuple((tensors[f"layer{i}.weight"], tensors[f"layer{i}.bias"]) for i in range(count))
    return Head(
        name=metadata["name"],
        labels=tuple(json.loads(metadata["labels"])),
        multi_label=json.loads(metadata["multi_label"]),
        layers=layers,
        thresholds=tensors["thresholds"],
        info=json.loads(metadata["info"]),
    )


def train_head(
    name: str,
    labels: tuple[str, ...],
    embeddings: np.ndarray,
    targets: np.ndarray,
    *,
    multi_label: bool,
    hidden: int = 0,
    epochs: int = 20,
    seed: int = 0,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    mask: np.ndarray | None = None,
    validation_mask: np.ndarray | None = None,
) -> Head:
    """Fit a head with Adam on ``targets`` (0/1 matrix, one column per label); seeded.

    With ``validation`` (embeddings, targets) a multi-label head gets per-label thresholds that
    maximise F1 there; otherwise every threshold is 0.5. A multi-label ``mask`` (same shape as
    ``targets``, 1 where a label is known) leaves unknown labels out of the loss and of the
    thresholds (a data set that never marks an act is no negative for it).
    """
    import torch

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    features = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
    goal = torch.from_numpy(np.ascontiguousarray(targets, dtype=np.float32))
    known = torch.from_numpy(
        np.ascontiguousarray(np.ones_like(targets) if mask is None else mask, dtype=np.float32)
    )
    width = features.shape[1]
    modules: list[torch.nn.Module] = []
    if hidden:
        modules += [torch.nn.Linear(width, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1)]
        width = hidden
    modules.append(torch.nn.Linear(width, len(labels)))
    network = torch.nn.Sequential(*modules)
    optimiser = torch.optim.AdamW(network.parameters(), lr=1e-3, weight_decay=1e-2)
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    cross_entropy = torch.nn.CrossEntropyLoss()
    network.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(features), generator=generator).split(128):
            optimiser.zero_grad()
            logits = network(features[batch])
            if multi_label and mask is None:
                loss = bce(logits, goal[batch]).mean()
            elif multi_label:
                weights = known[batch]
                loss = (bce(logits, goal[batch]) * weights).sum() / weights.sum().clamp(min=1)
            else:
                loss = cross_entropy(logits, goal[batch].argmax(dim=1))
            loss.backward()
            optimiser.step()
    linears = [m for m in network if isinstance(m, torch.nn.Linear)]
    layers = tuple(
        (m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears
    )
    head = Head(name, labels, multi_label, layers, np.full(len(labels), 0.5, dtype=np.float32))
    if multi_label and validation is not None:
        thresholds = best_thresholds(head.scores(validation[0]), validation[1], validation_mask)
        head = Head(name, labels, multi_label, layers, thresholds)
    return head


def best_thresholds(
    scores: np.ndarray, targets: np.ndarray, mask: np.ndarray | None = None
) -> np.ndarray:
    """Per column, the threshold in 0.05..0.95 that maximises F1 (ties: the lowest), over the
    rows where the label is known (``mask``)."""
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    best = np.full(scores.shape[1], 0.5, dtype=np.float32)
    for column in range(scores.shape[1]):
        rows = slice(None) if mask is None else mask[:, column] > 0
        truth = targets[rows, column] > 0
        if not truth.any():
            continue
        f1 = []
        for threshold in grid:
            predicted = scores[rows, column] >= threshold
            hits = np.sum(predicted & truth)
            f1.append(2 * hits / max(predicted.sum() + truth.sum(), 1))
        best[column] = grid[int(np.argmax(f1))]
    return best
