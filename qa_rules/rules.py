"""Custom rules a QA team writes in scorecard YAML, without code.

A rule matches sentences by keyword, phrase, regular expression or meaning (example sentences and
a similarity threshold), optionally only for one speaker, in the first N seconds, or when the
emotion head sees a given emotion. Each match becomes a finding labelled with the rule's id, so
criteria can read it like any detector's finding; a rule with a ``flag`` priority also sends the
call to review.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import regex as re
from pydantic import Field, model_validator

from callqa.models.emotion import EMOTIONS
from callqa.models.transcript import Record, Speaker
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding, Polarity

DETECTOR = "scorecard_rules"
MAX_QUOTES = 3
# A QA team's regex runs under a time limit per sentence: a pattern that backtracks
# catastrophically ("(a+)+$") stops the call's analysis with a clear error, not the run.
REGEX_TIMEOUT_S = 0.1


class RuleTimeout(RuntimeError):
    """A custom regex rule ran past its time limit on one sentence."""


class Rule(Record):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    kind: Literal["keyword", "phrase", "regex", "semantic"]
    patterns: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    threshold: float = Field(default=0.6, gt=0, le=1)
    speaker: Speaker | None = None
    within_s: float | None = Field(default=None, gt=0)
    emotion: str | None = None  # the emotion head must give this emotion 0.5 or more
    polarity: Polarity = "neutral"
    flag: int | None = Field(default=None, ge=1, le=100)  # a match sends the call to review

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        if self.kind == "semantic" and not self.examples:
            raise ValueError(f"rule {self.id!r}: a semantic rule needs examples")
        if self.kind != "semantic" and not self.patterns:
            raise ValueError(f"rule {self.id!r}: a {self.kind} rule needs patterns")
        if self.emotion is not None and self.emotion not in EMOTIONS:
            raise ValueError(f"rule {self.id!r}: unknown emotion {self.emotion!r}")
        if self.kind == "regex":
            for pattern in self.patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"rule {self.id!r}: bad regex {pattern!r}: {exc}") from None
        return self

    def matcher(self) -> re.Pattern[str] | None:
        """The compiled text pattern (None for semantic rules)."""
        if self.kind == "semantic":
            return None
        if self.kind == "regex":
            return re.compile("|".join(f"(?:{p})" for p in self.patterns), re.IGNORECASE)
        words = [re.escape(p) for p in self.patterns]
        if self.kind == "phrase":
            words = [w.replace(r"\ ", r"\s+") for w in words]
        return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


def apply_rules(
    ctx: AnalysisContext, rules: tuple[Rule, ...], examples: dict[str, np.ndarray]
) -> list[Finding]:
    """One finding per rule that matched, quoting up to three matching sentences.

    ``examples`` holds each semantic rule's example sentences, embedded (unit rows).
    """
    findings = []
    for rule in rules:
        hits = [i for i in range(len(ctx.sentences)) if _matches(ctx, i, rule, examples)]
        if hits:
            times = "once" if len(hits) == 1 else f"{len(hits)} times"
            findings.append(Finding(
                detector=DETECTOR, behaviour="custom", label=rule.id, polarity=rule.polarity,
                confidence=0.9 if rule.kind != "semantic" else 0.7,
                evidence=tuple(ctx.evidence(i) for i in hits[:MAX_QUOTES]),
                why=f"{rule.label} ({times})", value=float(len(hits)),
                details={"flag": str(rule.flag)} if rule.flag else {},
            ))  # fmt: skip
    return findings


def _matches(ctx: AnalysisContext, i: int, rule: Rule, examples: dict[str, np.ndarray]) -> bool:
    s = ctx.sentences[i]
    if rule.speaker and s.speaker != rule.speaker:
        return False
    if rule.within_s is not None and (s.start is None or s.start > rule.within_s):
        return False
    if rule.emotion is not None:
        scores = ctx.head_scores.get("emotion")
        if scores is None or scores[i, EMOTIONS.index(rule.emotion)] < 0.5:
            return False
    matcher = rule.matcher()
    if matcher is not None:
        try:
            return bool(matcher.search(s.text, timeout=REGEX_TIMEOUT_S))
        except TimeoutError:
            raise RuleTimeout(
                f"rule {rule.id!r}: the regex ran past {REGEX_TIMEOUT_S} s on turn {s.turn}; "
                "simplify the pattern (nested repeats such as (a+)+ backtrack without end)"
            ) from None
    return float((examples[rule.id] @ ctx.embeddings[i]).max()) >= rule.threshold
