"""Behaviour detectors, registered by name: active listening, empathy, problem solving,
comprehension gaps, extra mile, follow-up and call handling. Plug-ins register through the
``callqa.behaviours`` entry-point group (a :class:`Detector` subclass)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points

from callqa.qa_rules.behaviours import (  # noqa: F401  (importing registers them)
    active_listening,
    call_handling,
    comprehension,
    empathy,
    extra_mile,
    follow_up,
    problem_solving,
)
from callqa.qa_rules.behaviours.base import DETECTORS, Detector, check_requirements, register

__all__ = ["DETECTORS", "Detector", "check_requirements", "detectors", "register"]


def detectors(thresholds: Mapping[str, Mapping[str, float]] | None = None) -> list[Detector]:
    """One instance of every registered detector, plug-ins included, in name order, with the
    ``thresholds`` given per detector name (a ValueError names an unknown one)."""
    for entry in entry_points(group="callqa.behaviours"):
        register(entry.load())
    thresholds = thresholds or {}
    unknown = sorted(set(thresholds) - set(DETECTORS))
    if unknown:
        raise ValueError(
            f"no detector named {unknown[0]!r} (there are: {', '.join(sorted(DETECTORS))})"
        )
    return [DETECTORS[name](**thresholds.get(name, {})) for name in sorted(DETECTORS)]
