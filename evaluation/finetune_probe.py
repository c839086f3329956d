"""What fine-tuning the encoder buys on GoEmotions, against a frozen-encoder head on the same data.

Both arms see the same training subset; thresholds are tuned on the same fold of train.tsv and
macro-F1 (28 labels) is measured on dev.tsv. Prints figures; writes nothing. Slow on CPU: time
grows with ``--train`` and ``--epochs``.

    python -m callqa.evaluation.finetune_probe --data ../shared/datasets/goemotions --train 8000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from callqa.evaluation import goemotions
from callqa.evaluation.embeddings import embed
from callqa.evaluation.harness import macro_scores
from callqa.evaluation.training import in_fold
from callqa.models.emotion import EMOTIONS
from callqa.models.encoder import load_encoder
from callqa.models.heads import best_thresholds, train_head


def finetune(
    texts: list[str], targets: np.ndarray, epochs: int, seed: int
) -> Callable[[list[str]], np.ndarray]:
    """Fine-tune a copy of the encoder with a linear multi-label layer on top."""
    import copy

    torch.manual_seed(seed)
    base = load_encoder()
    model = copy.deepcopy(base.model).train()
    layer = torch.nn.Linear(base.dimension, targets.shape[1])
    optimiser = torch.optim.AdamW(
        [{"params": model.parameters(), "lr": 5e-5}, {"params": layer.parameters(), "lr": 1e-3}]
    )
    goal = torch.from_numpy(targets)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(texts), generator=generator).split(32):
            tokens = base.tokenizer(
                [texts[i] for i in batch], padding=True, truncation=True, max_length=64,
                return_tensors="pt",
            )  # fmt: skip
            hidden = model(**tokens).last_hidden_state
            mask = tokens["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(layer(pooled), goal[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()

    def scores(sentences: list[str]) -> np.ndarray:
        with torch.inference_mode():
            tokens = base.tokenizer(
                sentences, padding=True, truncation=True, max_length=64, return_tensors="pt"
            )
            out = []
            for start in range(0, len(sentences), 64):
                part = {k: v[start : start + 64] for k, v in tokens.items()}
                hidden = model(**part).last_hidden_state
                mask = part["attention_mask"].unsqueeze(-1).float()
                out.append(torch.sigmoid(layer((hidden * mask).sum(1) / mask.sum(1))))
            return torch.cat(out).numpy()

    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the goemotions folder")
    parser.add_argument("--train", type=int, default=8000, help="training examples for both arms")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    train_set = goemotions.load(args.data / "train.tsv")
    dev = goemotions.load(args.data / "dev.tsv")
    tune = [e for e in train_set if in_fold(e.id, "thresholds", 10)]
    rest = [e for e in train_set if not in_fold(e.id, "thresholds", 10)]
    subset = [
        rest[i] for i in np.random.default_rng(args.seed).permutation(len(rest))[: args.train]
    ]
    y_sub, y_tune, y_dev = (goemotions.label_matrix(s) for s in (subset, tune, dev))
    texts = {
        name: [e.text for e in s] for name, s in (("sub", subset), ("tune", tune), ("dev", dev))
    }

    started = time.perf_counter()
    head = train_head(
        "frozen", EMOTIONS, embed(texts["sub"]), y_sub, multi_label=True, hidden=512,
        epochs=20, seed=args.seed, validation=(embed(texts["tune"]), y_tune),
    )  # fmt: skip
    frozen = macro_scores(y_dev, head.decide(head.scores(embed(texts["dev"]))), "dev")["dev_f1"]
    seconds = time.perf_counter() - started
    print(f"frozen encoder + MLP head   macro-F1 {frozen:.3f}  ({seconds:.0f} s)")

    started = time.perf_counter()
    scores = finetune(texts["sub"], y_sub, args.epochs, args.seed)
    trained = time.perf_counter() - started
    thresholds = best_thresholds(scores(texts["tune"]), y_tune)
    tuned = macro_scores(y_dev, (scores(texts["dev"]) >= thresholds).astype(int), "dev")["dev_f1"]
    print(
        f"fine-tuned encoder          macro-F1 {tuned:.3f}  ({trained:.0f} s training, "
        f"{len(subset)} examples x {args.epochs} epochs)"
    )


if __name__ == "__main__":
    main()
