"""Learning from reviewers: per-label thresholds fitted to reviewers' answers."""

import pytest

from callqa.qa_rules.calibration import MIN_REVIEWS, Reviewed, fit_thresholds, thresholds
from callqa.qa_rules.findings import Evidence, Finding
from callqa.qa_rules.scorecard import load_scorecard
from callqa.qa_rules.scoring import score_call

pytestmark = pytest.mark.usefixtures("every_label_proven")


def acknowledgement(confidence):
    evidence = Evidence(turn=1, speaker="agent", char_start=0, char_end=2, start=5.0, quote="so")
    return Finding(detector="active_listening", behaviour="active_listening",
                   label="acknowledgement", polarity="positive", confidence=confidence,
                   evidence=(evidence,), why="w")  # fmt: skip


def reviews(n):
    """Reviewers agree with confident acknowledgements and reject weak ones."""
    weak = [Reviewed("acknowledged", "no", (acknowledgement(0.62),)) for _ in range(n // 2)]
    strong = [Reviewed("acknowledged", "yes", (acknowledgement(0.9),)) for _ in range(n - n // 2)]
    return weak + strong


def test_thresholds_are_fitted_once_there_are_enough_reviews():
    card = load_scorecard("voice-support")
    (fit,) = fit_thresholds(card, reviews(MIN_REVIEWS + 10))
    assert fit.label == "acknowledgement" and fit.threshold == pytest.approx(0.621)
    assert fit.agreement_before == pytest.approx(0.5) and fit.agreement_after == 1.0
    fitted = thresholds([fit])
    weak = score_call(card, "c", (acknowledgement(0.62),), fitted=fitted)
    answer = {a.criterion_id: a.answer for a in weak.criteria}["acknowledged"]
    assert answer == "no"  # the weak acknowledgement no longer counts
    unfitted = score_call(card, "c", (acknowledgement(0.62),))
    assert {a.criterion_id: a.answer for a in unfitted.criteria}["acknowledged"] == "yes"


def test_too_few_reviews_keep_the_default():
    (fit,) = fit_thresholds(load_scorecard("voice-support"), reviews(MIN_REVIEWS - 1))
    assert fit.threshold is None and fit.agreement_after == fit.agreement_before
    assert thresholds([fit]) == {}


def test_a_calibration_changes_the_pipeline_version_so_stored_calls_are_rescored():
    from callqa.pipelines.process import ProcessSettings
    from callqa.pipelines.records import PIPELINE_VERSION

    assert ProcessSettings().pipeline_version == PIPELINE_VERSION
    calibrated = ProcessSettings(label_thresholds={"acknowledgement": 0.9}).pipeline_version
    assert calibrated.startswith(PIPELINE_VERSION) and calibrated != PIPELINE_VERSION


def test_a_label_whose_findings_all_share_one_confidence_can_be_switched_off():
    card = load_scorecard("voice-support")
    wrong = [Reviewed("acknowledged", "no", (acknowledgement(0.9),)) for _ in range(MIN_REVIEWS)]
    (fit,) = fit_thresholds(card, wrong)
    assert fit.threshold > 0.9 and fit.agreement_after == 1.0


@pytest.mark.parametrize(
    "content",
    [
        "",
        "hello",
        "[1, 2]",
        "{}",
        '{"thresholds": null}',
        '{"thresholds": {"greeting": "abc"}}',
        '{"thresholds": {"greeting": NaN}}',
        '{"thresholds": {"greeting": 7}}',
        '{"thresholds": {"greeting": true}}',
        '{"thresholds": {"Bad Label!": 0.5}}',
        "[" * 100_000,
    ],
)
def test_a_damaged_calibration_file_is_refused_with_its_name(tmp_path, content):
    from callqa.pipelines.workspace import CALIBRATION, CalibrationError, load_calibration

    db = str(tmp_path / "callqa.db")
    (tmp_path / CALIBRATION).parent.mkdir(parents=True)
    (tmp_path / CALIBRATION).write_text(content)
    with pytest.raises(CalibrationError, match="calibration.json"):
        load_calibration(db)


def test_calibration_saves_atomically_and_loads_back(tmp_path):
    from callqa.pipelines.workspace import load_calibration, save_calibration

    db = str(tmp_path / "callqa.db")
    save_calibration(db, {"acknowledgement": 0.621}, [])
    save_calibration(db, {"acknowledgement": 0.7}, [])
    assert load_calibration(db) == {"acknowledgement": 0.7}
    assert not list((tmp_path / ".callqa").glob("*.tmp"))
