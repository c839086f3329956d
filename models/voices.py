"""A cheap two-voice split for mono calls (no diarisation model: far too slow on CPU).

Speech is cut into pieces at pauses between words (``PAUSE_S``); each piece gets a voice print,
the mean and spread of its log-mel spectrum; two-means clustering of the prints separates the
two parties. Runs in milliseconds per minute of audio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from models.asr import Segment

PAUSE_S = 0.35
RATE = 16_000
FRAME, HOP, BANDS = 400, 160, 40  # 25 ms windows every 10 ms, 40 mel bands


def split_voices(samples: np.ndarray, segments: Sequence[Segment]) -> list[Segment]:
    """The segments cut at pauses, each with ``track`` 0 or 1 by voice (0: the first voice)."""
    pieces = [p for s in segments for p in cut_at_pauses(s)]
    if len(pieces) < 2:
        return pieces
    prints = np.stack([_voice_print(samples, p.start, p.end) for p in pieces])
    prints = (prints - prints.mean(axis=0)) / (prints.std(axis=0) + 1e-6)
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=2, n_init=10, random_state=0).fit_predict(prints)
    first = labels[0]
    return [replace(p, track=int(label != first)) for p, label in zip(pieces, labels, strict=True)]


def cut_at_pauses(segment: Segment, pause: float = PAUSE_S) -> list[Segment]:
    """The segment cut wherever its words pause for ``pause`` seconds or more."""
    words = segment.words
    if len(words) < 2:
        return [segment]
    groups, current = [], [words[0]]
    for word in words[1:]:
        if word.start - current[-1].end >= pause:
            groups.append(current)
            current = []
        current.append(word)
    groups.append(current)
    return [
        replace(segment, start=g[0].start, end=g[-1].end, text=" ".join(w.text for w in g),
                words=tuple(g))
        for g in groups
    ]  # fmt: skip


def _voice_print(samples: np.ndarray, start: float, end: float) -> np.ndarray:
    piece = samples[int(start * RATE) : max(int(end * RATE), int(start * RATE) + FRAME)]
    if len(piece) < FRAME:
        piece = np.pad(piece, (0, FRAME - len(piece)))
    frames = np.lib.stride_tricks.sliding_window_view(piece, FRAME)[::HOP] * np.hanning(FRAME)
    power = np.abs(np.fft.rfft(frames, n=512)) ** 2
    mel = np.log(power @ _mel_filters().T + 1e-10)
    return np.concatenate([mel.mean(axis=0), mel.std(axis=0)])


def _mel_filters() -> np.ndarray:
    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595 * np.log10(1 + hz / 700)

    top = np.linspace(mel(np.array(60.0)), mel(np.array(7600.0)), BANDS + 2)
    edges = 700 * (10 ** (top / 2595) - 1)
    bins = np.fft.rfftfreq(512, 1 / RATE)
    filters = np.zeros((BANDS, len(bins)))
    for b in range(BANDS):
        low, centre, high = edges[b : b + 3]
        rising, falling = (bins - low) / (centre - low), (high - bins) / (high - centre)
        filters[b] = np.clip(np.minimum(rising, falling), 0, None)
    return filters
