"""Where speech is, and whose it is: voice activity spans, recognised words regrouped by the
span they fall in, and a cheap two-voice split for mono calls (no diarisation model: far too
slow on CPU).

Mono calls: each speech span gets a voice print (the mean and spread of its log-mel spectrum)
and two-means clustering of the prints separates the two parties.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from callqa.models.transcript import Word

if TYPE_CHECKING:
    from callqa.models.asr import Segment

RATE = 16_000
FRAME, HOP, BANDS = 400, 160, 40  # 25 ms windows every 10 ms, 40 mel bands


@dataclass(frozen=True)
class Span:
    """A stretch of speech on one track, in seconds of that track."""

    track: int
    start: float
    end: float


def speech_spans(samples: np.ndarray, track: int, pad_ms: int = 200) -> list[Span]:
    """Stretches of speech (padded by ``pad_ms``), from the silero VAD in faster-whisper."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=250, speech_pad_ms=pad_ms)
    found = get_speech_timestamps(samples, options)
    return [Span(track, s["start"] / RATE, s["end"] / RATE) for s in found]


def by_speech_span(segments: Sequence[Segment], samples: np.ndarray, track: int) -> list[Segment]:
    """One track's segments regrouped by its stretches of speech: Whisper can run a segment
    across the other party's turn, during which this track is silent."""
    return relocate(segments, [(s.start, s) for s in speech_spans(samples, track)])


def relocate(
    segments: Sequence[Segment], placed: list[tuple[float, Span]], tracks: Sequence[int] = ()
) -> list[Segment]:
    """Words regrouped by the span they fall in, given each span's ``(start in the recognised
    audio, span)``: moved to the span's track and time, one segment per run of words in one span
    (``tracks``: a track per span instead of the span's own)."""
    if not placed:
        return []
    starts = [at for at, _ in placed]
    runs: list[tuple[int, list[Word]]] = []
    for segment in segments:
        # a backend without word times: the segment is one "word"
        items = segment.words or (Word(text=segment.text, start=segment.start, end=segment.end),)
        for word in items:
            start, end = timed(word)
            n = max(bisect.bisect_right(starts, (start + end) / 2) - 1, 0)
            at, span = placed[n]
            shift = span.start - at
            moved = replace_word(word, shift)
            if runs and runs[-1][0] == n:
                runs[-1][1].append(moved)
            else:
                runs.append((n, [moved]))
    return [_segment_of(words, tracks[n] if tracks else placed[n][1].track, segments[0])
            for n, words in runs]  # fmt: skip


def split_voices(samples: np.ndarray, segments: Sequence[Segment]) -> list[Segment]:
    """Mono: the segments' words grouped by speech span, each span's track 0 or 1 by voice
    (0: the voice of the first span)."""
    spans = speech_spans(samples, 0, pad_ms=30)  # tight: a pause between parties must show
    if len(spans) < 2:
        return list(segments)
    prints = np.stack([_voice_print(samples, s.start, s.end) for s in spans])
    prints = (prints - prints.mean(axis=0)) / (prints.std(axis=0) + 1e-6)
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=2, n_init=10, random_state=0).fit_predict(prints)
    voices = [int(label != labels[0]) for label in labels]
    placed = [(s.start, s) for s in spans]  # the mono track is its own stream
    return relocate(segments, placed, voices)


def timed(word: Word) -> tuple[float, float]:
    """A recognised word's start and end (the recogniser always gives them)."""
    if word.start is None or word.end is None:
        raise ValueError(f"word {word.text!r} has no times")
    return word.start, word.end


def replace_word(word: Word, shift: float) -> Word:
    start, end = timed(word)
    return word.model_copy(update={"start": round(start + shift, 2),
                                   "end": round(end + shift, 2)})  # fmt: skip


def _segment_of(words: list[Word], track: int, like: Segment) -> Segment:
    text = " ".join(w.text for w in words)
    first, last = timed(words[0]), timed(words[-1])
    return replace(like, start=first[0], end=max(last[1], first[0] + 0.01),
                   text=text, words=tuple(words), track=track)  # fmt: skip


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
