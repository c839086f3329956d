"""The detector contract, the registry and the helpers every behaviour module shares.

A detector is a class with a ``name``, the ``behaviour`` it bears on, the ``labels`` of the
findings it can raise, optional ``prototypes`` (named sets of example phrases, embedded once per
process and scored against every sentence when contexts are built) and
``detect(ctx) -> list[Finding]``. ``__init__`` only stores config; nothing is kept between calls.
Register one with :func:`register`, or from another package through the ``callqa.behaviours``
entry-point group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

from callqa.models.transcript import Speaker
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Evidence, Finding, Polarity

DETECTORS: dict[str, type[Detector]] = {}
MAX_QUOTES = 3  # evidence quoted per finding when a behaviour recurs through a call


class Detector:
    name: ClassVar[str]
    behaviour: ClassVar[str]
    labels: ClassVar[tuple[str, ...]]  # every finding label it can raise
    prototypes: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        raise NotImplementedError

    def finding(
        self,
        ctx: AnalysisContext,
        label: str,
        polarity: Polarity,
        sentences: Iterable[int],
        why: str,
        confidence: float = 0.9,
        value: float | None = None,
        details: dict[str, str] | None = None,
        evidence: tuple[Evidence, ...] = (),
    ) -> Finding:
        """A finding quoting the given sentences (at most :data:`MAX_QUOTES`), or ``evidence``."""
        if label not in self.labels:
            raise ValueError(f"detector {self.name!r} raised undeclared label {label!r}")
        return Finding(
            detector=self.name,
            behaviour=self.behaviour,
            label=label,
            polarity=polarity,
            confidence=round(float(min(max(confidence, 0.0), 1.0)), 3),
            evidence=evidence or tuple(ctx.evidence(i) for i in list(sentences)[:MAX_QUOTES]),
            why=why,
            value=value,
            details=details or {},
        )

    def recurring(
        self, ctx: AnalysisContext, label: str, polarity: Polarity, hits: list[int], what: str
    ) -> list[Finding]:
        """One finding for a behaviour seen ``len(hits)`` times (none when never seen)."""
        if not hits:
            return []
        times = "once" if len(hits) == 1 else f"{len(hits)} times"
        return [self.finding(ctx, label, polarity, hits, f"{what} {times}", value=len(hits))]


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: add a detector to :data:`DETECTORS` under its name."""
    if cls.name in DETECTORS and DETECTORS[cls.name] is not cls:
        raise ValueError(f"two detectors are named {cls.name!r}")
    DETECTORS[cls.name] = cls
    return cls


def phrases(*patterns: str) -> re.Pattern[str]:
    """A case-insensitive regex matching any of ``patterns`` as whole words."""
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)


def matching(ctx: AnalysisContext, pattern: re.Pattern[str], speaker: Speaker) -> list[int]:
    """Sentences by ``speaker`` that match ``pattern``."""
    return [i for i in ctx.by_speaker(speaker) if pattern.search(ctx.sentences[i].text)]


def similar(ctx: AnalysisContext, prototype: str, speaker: Speaker, threshold: float) -> list[int]:
    """Sentences by ``speaker`` at least ``threshold`` similar to a prototype set."""
    scores = ctx.prototype_scores[prototype]
    return [i for i in ctx.by_speaker(speaker) if scores[i] >= threshold]


QUESTION_START = re.compile(
    r"^\W*(what|how|why|when|where|which|who|whose|(can|could|would|will|do|did|does|is|are|was|"
    r"were|have|has|may|should|shall) (you|i|we|it|that|this|there|they|he|she|your|my))\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """Ends with a question mark, or (in unpunctuated ASR text) opens like a question."""
    text = text.strip()
    return text.endswith("?") or (text[-1:] not in ".!" and bool(QUESTION_START.match(text)))


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))
