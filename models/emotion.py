"""The GoEmotions taxonomy: 27 emotions plus neutral, and its Ekman and sentiment groupings.

Copied from google-research/google-research ``goemotions/data`` (Apache-2.0): ``emotions.txt``,
``ekman_mapping.json`` and ``sentiment_dict.json``. Neutral stays neutral in both groupings.
"""

from __future__ import annotations

import numpy as np

EMOTIONS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip

EKMAN: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": (
        "joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief",
        "pride", "admiration", "desire", "caring",
    ),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}  # fmt: skip

SENTIMENT: dict[str, tuple[str, ...]] = {
    "positive": (
        "amusement", "excitement", "joy", "love", "desire", "optimism", "caring", "pride",
        "admiration", "gratitude", "relief", "approval",
    ),
    "negative": (
        "fear", "nervousness", "remorse", "embarrassment", "disappointment", "sadness", "grief",
        "disgust", "anger", "annoyance", "disapproval",
    ),
    "ambiguous": ("realization", "surprise", "curiosity", "confusion"),
    "neutral": ("neutral",),
}  # fmt: skip

GROUPINGS: dict[str, dict[str, tuple[str, ...]]] = {"ekman": EKMAN, "sentiment": SENTIMENT}


def group_columns(grouping: dict[str, tuple[str, ...]]) -> list[list[int]]:
    """For each group, the indexes of its member emotions in :data:`EMOTIONS`."""
    return [[EMOTIONS.index(name) for name in members] for members in grouping.values()]


def sentiment(scores: np.ndarray, polarity: str) -> np.ndarray:
    """Per row, the highest probability among the emotions of one sentiment group."""
    return scores[:, [EMOTIONS.index(e) for e in SENTIMENT[polarity]]].max(axis=1)


def group_max(values: np.ndarray, grouping: dict[str, tuple[str, ...]]) -> np.ndarray:
    """Collapse per-emotion columns (scores or 0/1 decisions) to one column per group by max."""
    return np.stack([values[:, cols].max(axis=1) for cols in group_columns(grouping)], axis=1)
