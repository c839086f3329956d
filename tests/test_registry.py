"""The detector registry: what detectors declare is checked when they register and when they
are built, and their thresholds can be set."""

from __future__ import annotations

import pytest

from callqa.qa_rules.behaviours import DETECTORS, base, check_requirements, detectors


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry, so test detectors do not leak into others."""
    copy = dict(DETECTORS)
    monkeypatch.setattr(base, "DETECTORS", copy)
    return copy


def detector(name, **declared):
    return type(name.title(), (base.Detector,), {"name": name, "behaviour": name,
                                                 "labels": (), **declared})  # fmt: skip


def test_a_label_or_prototype_set_declared_twice_fails_at_registration(registry):
    with pytest.raises(ValueError, match="'empathy' and 'copycat' both declare label apology"):
        base.register(detector("copycat", labels=("apology",)))
    with pytest.raises(ValueError, match="both declare prototype set empathy"):
        base.register(detector("copycat", prototypes={"empathy": ("sorry",)}))
    with pytest.raises(ValueError, match="requires 'mood', not a context part"):
        base.register(detector("copycat", requires=("mood",)))
    assert "copycat" not in registry


def test_a_requirement_nothing_provides_fails_when_detectors_are_built(registry):
    needy = base.register(detector("needy", requires=("prototype:upsell", "structure")))
    with pytest.raises(ValueError, match="'needy' requires 'prototype:upsell'"):
        check_requirements(registry.values(), ["emotion"])
    del registry["needy"]
    check_requirements(registry.values(), ["emotion"])  # the built-in ones are all met
    with pytest.raises(ValueError, match="requires 'head:emotion'"):
        check_requirements(registry.values(), [])
    assert needy.requires == ("prototype:upsell", "structure")


def test_thresholds_are_set_per_instance_and_checked():
    strict, usual = DETECTORS["empathy"](reply_turns=1), DETECTORS["empathy"]()
    assert (strict.reply_turns, usual.reply_turns) == (1, 2)
    assert isinstance(DETECTORS["comprehension"](read_back_window=20.0).read_back_window, int)
    with pytest.raises(ValueError, match="is a count, not 1.5"):
        DETECTORS["empathy"](reply_turns=1.5)
    with pytest.raises(ValueError, match="has no threshold 'speed'"):
        DETECTORS["empathy"](speed=2)
    built = {d.name: d for d in detectors({"call_handling": {"opening_sentences": 5}})}
    assert built["call_handling"].opening_sentences == 5
    for cls in DETECTORS.values():  # every tunable names a number in its range
        assert all(low <= getattr(cls, key) <= high for key, (low, high) in cls.tunable.items())


@pytest.mark.parametrize(
    "value, says",
    [(0, "is from 1 to 20, not 0"), (-3, "not -3"), (float("nan"), "not nan"),
     (float("inf"), "not inf"), (True, "is a number, not True"), ("3", "is a number")],
)  # fmt: skip
def test_a_threshold_out_of_its_range_is_refused(value, says):
    with pytest.raises(ValueError, match=says):
        DETECTORS["empathy"](reply_turns=value)
