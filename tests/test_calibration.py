"""Learning from reviewers: per-label thresholds fitted to reviewers' answers."""

import pytest

from callqa.qa_rules.calibration import MIN_REVIEWS, Reviewed, fit_thresholds, thresholds
from callqa.qa_rules.findings import Evidence, Finding
from callqa.qa_rules.scorecard import load_scorecard
from callqa.qa_rules.scoring import score_call

pytestmark = pytest.mark.usefixtures("every_label_proven")


def restatement(confidence):
    evidence = Evidence(turn=1, speaker="agent", char_start=0, char_end=2, start=5.0, quote="so")
    return Finding(detector="active_listening", behaviour="active_listening", label="restatement",
                   polarity="positive", confidence=confidence, evidence=(evidence,),
                   why="w")  # fmt: skip


def reviews(n):
    """Reviewers agree with confident restatements and reject weak ones."""
    weak = [Reviewed("restated", "no", (restatement(0.62),)) for _ in range(n // 2)]
    strong = [Reviewed("restated", "yes", (restatement(0.9),)) for _ in range(n - n // 2)]
    return weak + strong


def test_thresholds_are_fitted_once_there_are_enough_reviews():
    card = load_scorecard("voice-support")
    (fit,) = fit_thresholds(card, reviews(MIN_REVIEWS + 10))
    assert fit.label == "restatement" and fit.threshold == pytest.approx(0.9)
    assert fit.agreement_before == pytest.approx(0.5) and fit.agreement_after == 1.0
    fitted = thresholds([fit])
    weak = score_call(card, "c", (restatement(0.62),), fitted=fitted)
    answer = {a.criterion_id: a.answer for a in weak.criteria}["restated"]
    assert answer == "no"  # the weak restatement no longer counts
    unfitted = score_call(card, "c", (restatement(0.62),))
    assert {a.criterion_id: a.answer for a in unfitted.criteria}["restated"] == "yes"


def test_too_few_reviews_keep_the_default():
    (fit,) = fit_thresholds(load_scorecard("voice-support"), reviews(MIN_REVIEWS - 1))
    assert fit.threshold is None and fit.agreement_after == fit.agreement_before
    assert thresholds([fit]) == {}


def test_a_calibration_changes_the_pipeline_version_so_stored_calls_are_rescored():
    from callqa.pipelines.process import ProcessSettings
    from callqa.pipelines.records import PIPELINE_VERSION

    assert ProcessSettings().pipeline_version == PIPELINE_VERSION
    calibrated = ProcessSettings(label_thresholds={"restatement": 0.9}).pipeline_version
    assert calibrated.startswith(PIPELINE_VERSION) and calibrated != PIPELINE_VERSION
