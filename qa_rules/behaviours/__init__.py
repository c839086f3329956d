"""Behaviour detectors, registered by name: active listening, empathy, problem solving,
comprehension gaps, extra mile, follow-up and call handling. Plug-ins register through the
``callqa.behaviours`` entry-point group (a :class:`Detector` subclass)."""

from __future__ import annotations

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
from callqa.qa_rules.behaviours.base import DETECTORS, Detector, register

__all__ = ["DETECTORS", "Detector", "detectors", "register"]


def detectors() -> list[Detector]:
    """One instance of every registered detector, plug-ins included, in name order."""
    for entry in entry_points(group="callqa.behaviours"):
        register(entry.load())
    return [DETECTORS[name]() for name in sorted(DETECTORS)]
