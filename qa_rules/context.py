"""AnalysisContext: everything detectors read about one call, built once.

Sentences with their turn, speaker, character span and times; their embeddings (one encoder
pass over all sentences of all calls in a batch); and the spaCy doc of each turn. Detectors read
it and never encode or parse again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.encoder import Encoder
from models.transcript import Record, Speaker, Transcript, Turn


class Sentence(Record):
    """One sentence of one turn; ``char_start``/``char_end`` index the turn's text."""

    turn: int
    speaker: Speaker
    text: str
    char_start: int
    char_end: int
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class AnalysisContext:
    """One call, analysed once. ``embeddings[i]`` belongs to ``sentences[i]``."""

    transcript: Transcript
    sentences: tuple[Sentence, ...]
    embeddings: np.ndarray
    docs: tuple[Any, ...]

    def by_speaker(self, speaker: Speaker) -> list[int]:
        """Indexes of the sentences spoken by ``speaker``, in call order."""
        return [i for i, s in enumerate(self.sentences) if s.speaker == speaker]


def build_contexts(
    transcripts: Sequence[Transcript], encoder: Encoder, nlp: Any
) -> list[AnalysisContext]:
    """Contexts for many calls, with a single encoder pass over all of their sentences."""
    parsed = []
    for tr in transcripts:
        docs = tuple(nlp.pipe(t.text for t in tr.turns))
        sentences = tuple(
            _sentence(i, tr.turns[i], s.start_char, s.end_char)
            for i, doc in enumerate(docs)
            for s in doc.sents
            if s.text.strip()
        )
        parsed.append((tr, docs, sentences))
    vectors = encoder.encode([s.text for _, _, sents in parsed for s in sents])
    contexts, offset = [], 0
    for tr, docs, sentences in parsed:
        n = len(sentences)
        contexts.append(AnalysisContext(tr, sentences, vectors[offset : offset + n], docs))
        offset += n
    return contexts


def _sentence(index: int, turn: Turn, char_start: int, char_end: int) -> Sentence:
    start, end = turn.span_times(char_start, char_end) or (None, None)
    return Sentence(
        turn=index,
        speaker=turn.speaker,
        text=turn.text[char_start:char_end],
        char_start=char_start,
        char_end=char_end,
        start=start,
        end=end,
    )
