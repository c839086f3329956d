"""Scorecards: the QA team's criteria as validated YAML.

A scorecard has an id, a version and sections; section weights add up to 100 and each section's
criteria share its weight in proportion to their own weights. A criterion reads findings by label:
``yes_when`` labels show the behaviour, ``no_when`` labels its failure; ``if_neither`` says what a
call with neither gets ("no" where the behaviour was due, "na" by default, never "unsure": an
answer is unsure only when the findings disagree or are weak). ``na_unless`` makes it N/A unless
one of those labels was found (empathy is N/A when nothing called for it). A critical criterion
answered "no" fails the whole call; a bonus criterion adds points without adding to the
potential. Custom ``rules`` (keyword, phrase, regex or semantic; see
:mod:`callqa.qa_rules.rules`) raise findings labelled with their id, which criteria read like any
other. A criterion can instead read a conversation ``metric`` against ``at_most`` / ``at_least``
(N/A when the call has no timings).

Validation rejects unknown fields (typos), unknown finding labels, duplicate ids, weights that do
not add up and criteria that read nothing. ``callqa scorecard schema`` prints the JSON Schema.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from callqa.models.transcript import Record, Speaker
from callqa.qa_rules import metrics
from callqa.qa_rules.behaviours import detectors
from callqa.qa_rules.rules import Rule
from callqa.qa_rules.yaml_files import YamlFileError, load_yaml, validation_problems

BUNDLED = Path(__file__).parent / "scorecards"
DEFAULT_SCORECARD = "voice-support"
Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$")


class Criterion(Record):
    id: str = Identifier
    label: str
    description: str = ""
    weight: float = Field(gt=0)
    yes_when: tuple[str, ...] = ()
    no_when: tuple[str, ...] = ()
    # Nothing found is never "unsure": "no" (not found) where the behaviour was due, else N/A.
    if_neither: Literal["yes", "no", "na"] = "na"
    scale: int | None = Field(default=None, ge=2)  # answer 0..scale: how many yes_when labels
    metric: str | None = None  # a conversation metric, with at_most and/or at_least
    at_most: float | None = None
    at_least: float | None = None
    na_unless: tuple[str, ...] = ()
    speaker: Speaker | None = None  # only findings whose first quote is this speaker's
    within_s: float | None = Field(default=None, gt=0)  # only findings in the first N seconds
    critical: bool = False
    bonus: bool = False
    coaching: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _reads_something(self) -> Criterion:
        if self.metric is not None:
            if self.metric not in metrics.ConversationMetrics.model_fields:
                raise ValueError(f"criterion {self.id!r} reads unknown metric {self.metric!r}")
            if self.at_most is None and self.at_least is None:
                raise ValueError(f"criterion {self.id!r}: a metric needs at_most or at_least")
        elif not self.yes_when and not self.no_when:
            raise ValueError(f"criterion {self.id!r} reads no findings (yes_when or no_when)")
        if self.scale and len(self.yes_when) < self.scale:
            raise ValueError(
                f"criterion {self.id!r}: a scale of {self.scale} needs as many yes_when"
            )
        if self.critical and self.bonus:
            raise ValueError(f"criterion {self.id!r} cannot be both critical and a bonus")
        return self


class Section(Record):
    id: str = Identifier
    label: str
    weight: float = Field(gt=0)
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class Scorecard(Record):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str
    name: str
    description: str = ""
    rules: tuple[Rule, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Scorecard:
        ids = [s.id for s in self.sections] + [c.id for s in self.sections for c in s.criteria]
        ids += [r.id for r in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate ids: {', '.join(duplicates)}")
        total = sum(s.weight for s in self.sections)
        if abs(total - 100) > 0.01:
            raise ValueError(f"section weights add up to {total:g}, not 100")
        clashing = sorted({r.id for r in self.rules} & known_labels())
        if clashing:
            raise ValueError(f"rule ids clash with finding labels: {', '.join(clashing)}")
        known = known_labels() | {r.id for r in self.rules}
        for criterion in self.criteria():
            unknown = [
                label
                for label in (*criterion.yes_when, *criterion.no_when, *criterion.na_unless)
                if label not in known
            ]
            if unknown:
                raise ValueError(
                    f"criterion {criterion.id!r} reads unknown finding labels: {', '.join(unknown)}"
                )
        return self

    def criteria(self) -> list[Criterion]:
        return [c for s in self.sections for c in s.criteria]


@lru_cache(maxsize=1)
def known_labels() -> frozenset[str]:
    """Every finding label the metrics and the registered detectors can raise."""
    return frozenset(metrics.LABELS) | {label for d in detectors() for label in d.labels}


class ScorecardError(ValueError):
    """A scorecard file that cannot be used, with every problem found in it."""


def load_scorecard(source: str | Path = DEFAULT_SCORECARD) -> Scorecard:
    """A bundled scorecard by id, or a YAML file by path, validated."""
    path = Path(source)
    if not path.suffix:
        path = BUNDLED / f"{source}.yaml"
    try:
        data = load_yaml(path)
    except YamlFileError as exc:
        raise ScorecardError(str(exc)) from None
    try:
        return Scorecard.model_validate(data)
    except ValidationError as exc:
        raise ScorecardError(f"{path}: {validation_problems(exc, 'scorecard')}") from None
