"""Loader for GoEmotions (Demszky et al., 2020), read as published: headerless TSV rows of
``text<TAB>comma-separated label ids<TAB>comment id``. Licence: Apache-2.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callqa.models.emotion import EMOTIONS


@dataclass(frozen=True)
class EmotionExample:
    id: str
    text: str
    labels: tuple[int, ...]


def load(path: Path) -> list[EmotionExample]:
    """Every row of a GoEmotions TSV; a folder means its ``dev.tsv``.

    Raises ValueError naming the line when a row is malformed or a label id is out of range.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "dev.tsv"
    _check_label_names(path.parent / "emotions.txt")
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected 3 tab-separated columns, got {len(parts)}")
        text, ids, comment_id = parts
        try:
            labels = tuple(sorted({int(i) for i in ids.split(",")}))
        except ValueError:
            raise ValueError(f"{path}:{number}: label ids {ids!r} are not integers") from None
        if not labels or labels[0] < 0 or labels[-1] >= len(EMOTIONS):
            raise ValueError(f"{path}:{number}: label ids {ids!r} outside 0..{len(EMOTIONS) - 1}")
        examples.append(EmotionExample(comment_id, text, labels))
    return examples


def label_matrix(examples: list[EmotionExample]) -> np.ndarray:
    """0/1 matrix, one row per example and one column per emotion."""
    matrix = np.zeros((len(examples), len(EMOTIONS)), dtype=np.float32)
    for row, example in enumerate(examples):
        matrix[row, list(example.labels)] = 1
    return matrix


def _check_label_names(names_file: Path) -> None:
    if names_file.exists():
        names = tuple(names_file.read_text(encoding="utf-8").split())
        if names != EMOTIONS:
            raise ValueError(f"{names_file}: label names differ from the GoEmotions taxonomy")
