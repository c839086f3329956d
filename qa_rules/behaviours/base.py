"""The detector contract, the registry and the helpers every behaviour module shares.

A detector is a class with a ``name``, the ``behaviour`` it bears on and
``detect(ctx) -> list[Finding]``. Like a spaCy component it declares what it writes and reads:

- ``labels``: every finding label it can raise (raising another is an error);
- ``prototypes``: the named sets of example phrases it contributes (embedded once per process
  and scored against every sentence when contexts are built);
- ``requires``: the parts of the :class:`AnalysisContext` it reads beyond the sentences —
  ``transcript``, ``embeddings``, ``docs``, ``acts``, ``structure``, ``head:<name>`` (a
  classifier head's scores) and ``prototype:<name>`` (a prototype set's similarities, its own
  or another detector's);
- ``tunable``: the class attributes holding its thresholds, with the range each may take,
  which settings may override (``[process.detectors.<name>]`` in callqa.toml).

A clash (a label or prototype set declared by two detectors, an unknown context part) fails
at :func:`register`; a requirement nothing provides fails when the detectors are built.
``__init__`` only stores thresholds; nothing is kept between calls. Register a detector with
:func:`register`, or from another package through the ``callqa.behaviours`` entry-point group.
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
CONTEXT_PARTS = ("transcript", "embeddings", "docs", "acts", "structure")
KEYED_PARTS = ("head", "prototype")  # "head:emotion", "prototype:empathy"


class Detector:
    name: ClassVar[str]
    behaviour: ClassVar[str]
    labels: ClassVar[tuple[str, ...]]  # every finding label it can raise
    prototypes: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    requires: ClassVar[tuple[str, ...]] = ()
    tunable: ClassVar[Mapping[str, tuple[float, float]]] = {}  # name -> (lowest, highest)

    def __init__(self, **thresholds: float) -> None:
        """A detector with some of its ``tunable`` thresholds set (the rest keep their
        defaults); an unknown threshold, a value out of its range or a fraction for a count is
        a ValueError naming it."""
        for key, value in thresholds.items():
            if key not in self.tunable:
                known = ", ".join(self.tunable) or "none"
                raise ValueError(
                    f"detector {self.name!r} has no threshold {key!r} (it has: {known})"
                )
            low, high = self.tunable[key]
            where = f"detector {self.name!r}: {key}"
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where} is a number, not {value!r}")
            if not low <= value <= high:  # also refuses nan
                raise ValueError(f"{where} is from {low:g} to {high:g}, not {value}")
            default = getattr(type(self), key)
            if isinstance(default, int) and float(value) != int(value):
                raise ValueError(f"{where} is a count, not {value}")
            setattr(self, key, type(default)(value))

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
    """Class decorator: add a detector to :data:`DETECTORS` under its name, after checking
    that its declarations are well formed and clash with no other detector's."""
    if cls.name in DETECTORS and DETECTORS[cls.name] is not cls:
        raise ValueError(f"two detectors are named {cls.name!r}")
    for need in cls.requires:
        kind, _, key = need.partition(":")
        if not (need in CONTEXT_PARTS or (kind in KEYED_PARTS and key)):
            raise ValueError(f"detector {cls.name!r} requires {need!r}, not a context part")
    for key, (low, high) in cls.tunable.items():
        default = getattr(cls, key, None)
        if not isinstance(default, int | float) or not low <= default <= high:
            raise ValueError(f"detector {cls.name!r}: tunable {key!r} is no number in its range")
    for other in DETECTORS.values():
        if other is cls:
            continue
        for what, mine, theirs in (
            ("label", set(cls.labels), set(other.labels)),
            ("prototype set", set(cls.prototypes), set(other.prototypes)),
        ):
            if mine & theirs:
                both = ", ".join(sorted(mine & theirs))
                raise ValueError(
                    f"detectors {other.name!r} and {cls.name!r} both declare {what} {both}"
                )
    DETECTORS[cls.name] = cls
    return cls


def check_requirements(found: Iterable[type[Detector]], heads: Iterable[str]) -> None:
    """Every ``head:`` and ``prototype:`` requirement met by the given heads and the
    detectors' prototype sets; a ValueError names the first one that is not."""
    found = list(found)
    provided = {f"head:{h}" for h in heads} | {
        f"prototype:{p}" for d in found for p in d.prototypes
    }
    for detector in found:
        for need in detector.requires:
            if ":" in need and need not in provided:
                raise ValueError(
                    f"detector {detector.name!r} requires {need!r}, which nothing provides"
                )


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
