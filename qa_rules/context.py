"""AnalysisContext: everything detectors read about one call, built once.

Sentences with their turn, speaker, character span and times; their embeddings (one encoder
pass over all sentences of all calls in a batch); the trained heads' scores per sentence; and the
spaCy doc of each turn. Detectors read it and never encode or parse again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from callqa.models.acts import tag_acts
from callqa.models.encoder import Encoder
from callqa.models.heads import Head
from callqa.models.nlp import parse
from callqa.models.transcript import Record, Speaker, Transcript, Turn
from callqa.qa_rules.findings import Evidence
from callqa.qa_rules.structure import CallStructure, build_structure


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
    """One call, analysed once. ``embeddings[i]`` and each ``head_scores[name][i]`` belong to
    ``sentences[i]``; a head's columns follow its ``labels``."""

    transcript: Transcript
    sentences: tuple[Sentence, ...]
    embeddings: np.ndarray
    docs: tuple[Any, ...]
    head_scores: Mapping[str, np.ndarray] = field(default_factory=dict)
    prototype_scores: Mapping[str, np.ndarray] = field(default_factory=dict)
    acts: np.ndarray | None = None  # 0/1 per sentence and act (models.acts.ACTS), if tagged
    structure: CallStructure = field(default_factory=CallStructure)

    def by_speaker(self, speaker: Speaker) -> list[int]:
        """Indexes of the sentences spoken by ``speaker``, in call order."""
        return list(self._by_speaker.get(speaker, ()))

    def in_turn(self, turn: int) -> list[int]:
        """Indexes of the sentences of turn ``turn``, in order."""
        return list(self._by_turn.get(turn, ()))

    @cached_property
    def _by_speaker(self) -> dict[str, list[int]]:  # worked out once: detectors ask often
        found: dict[str, list[int]] = {}
        for i, s in enumerate(self.sentences):
            found.setdefault(s.speaker, []).append(i)
        return found

    @cached_property
    def _by_turn(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for i, s in enumerate(self.sentences):
            found.setdefault(s.turn, []).append(i)
        return found

    def evidence(self, index: int) -> Evidence:
        """Evidence quoting sentence ``index`` with its turn, span and times."""
        s = self.sentences[index]
        return Evidence(
            turn=s.turn, speaker=s.speaker, char_start=s.char_start, char_end=s.char_end,
            start=s.start, end=s.end, quote=s.text,
        )  # fmt: skip


def build_contexts(
    transcripts: Sequence[Transcript],
    encoder: Encoder,
    nlp: Any,
    heads: Sequence[Head] = (),
    prototypes: Mapping[str, np.ndarray] | None = None,
) -> list[AnalysisContext]:
    """Contexts for many calls, with a single spaCy stream and a single encoder pass over all
    of their sentences.

    Each head scores those embeddings once; each prototype set (unit vectors of example
    phrases) gives every sentence its highest cosine similarity to the set.
    """
    parsed = []
    every_doc = iter(parse(nlp, [t.text for tr in transcripts for t in tr.turns]))
    for tr in transcripts:
        docs = tuple(next(every_doc) for _ in tr.turns)
        sentences = tuple(
            _sentence(i, tr.turns[i], s.start_char, s.end_char)
            for i, doc in enumerate(docs)
            for s in doc.sents
            if s.text.strip()
        )
        parsed.append((tr, docs, sentences))
    vectors = encoder.encode([s.text for _, _, sents in parsed for s in sents])
    act_head = next((h for h in heads if h.name == "acts"), None)
    scores = {head.name: head.scores(vectors) for head in heads if head is not act_head}
    similar = {name: (vectors @ p.T).max(axis=1) for name, p in (prototypes or {}).items()}
    contexts, offset = [], 0
    for tr, docs, sentences in parsed:
        rows = slice(offset, offset + len(sentences))
        own = {name: values[rows] for name, values in scores.items()}
        acts = None
        if act_head is not None:  # acts read the other party's acts before: one call at a time
            own["acts"] = tag_acts(act_head, vectors[rows], [s.speaker for s in sentences],
                                   [s.turn for s in sentences])  # fmt: skip
            acts = act_head.decide(own["acts"])
        ctx = AnalysisContext(
            tr,
            sentences,
            vectors[rows],
            docs,
            own,
            {name: values[rows] for name, values in similar.items()},
            acts,
        )
        contexts.append(replace(ctx, structure=build_structure(ctx)))
        offset += len(sentences)
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
