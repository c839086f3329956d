"""One configuration: callqa.toml, then the environment, then flags; bad files fail in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callqa.pipelines.cli import app
from callqa.pipelines.config import ConfigError, config_file, load_settings
from callqa.pipelines.process import ProcessSettings

TEAM = """
[process]
call_timeout_s = 900
[process.thresholds]
dead_air_s = 40
[flags]
budget = 0.1
min_total = 70
[run]
retention_days = 365
"""


def test_the_file_then_the_environment_then_flags(tmp_path, monkeypatch):
    path = tmp_path / "callqa.toml"
    path.write_text(TEAM)
    settings = load_settings(path)
    assert settings.process.thresholds.dead_air_s == 40 and settings.process.call_timeout_s == 900
    assert settings.flags.budget == 0.1 and settings.flags.min_total == 70
    assert settings.run.retention_days == 365
    assert settings.process.thresholds.agent_talk_share_max == 0.70  # untouched: the default
    monkeypatch.setenv("CALLQA_FLAGS__BUDGET", "0.3")
    assert load_settings(path).flags.budget == 0.3
    flagged = load_settings(path, flags={"budget": 0.05}, process={"asr": {"model": "/m"}})
    assert flagged.flags.budget == 0.05 and flagged.flags.min_total == 70
    assert flagged.process.asr.model == "/m" and flagged.process.thresholds.dead_air_s == 40


def test_which_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config_file(None) is None
    (tmp_path / "callqa.toml").write_text(TEAM)
    assert config_file(None) == Path("callqa.toml")
    monkeypatch.setenv("CALLQA_CONFIG", "/elsewhere/team.toml")
    assert config_file(None) == Path("/elsewhere/team.toml")
    assert config_file(Path("given.toml")) == Path("given.toml")


@pytest.mark.parametrize(
    "text, says",
    [
        ("[flags]\nbudgett = 0.1\n", "flags.budgett: Extra inputs are not permitted"),
        ("[flags]\nbudget = 7\n", "flags.budget: Input should be less than or equal to 1"),
        ("[flags\n", "Expected ']'"),
        (
            "[process.detectors.empathy]\nreply_turn = 3\n",
            "detector 'empathy' has no threshold 'reply_turn' (it has: distress_min_words,",
        ),
        ("[process.detectors.empath]\nreply_turns = 3\n", "no detector named 'empath'"),
        ("[process.detectors.empathy]\nreply_turns = 1.5\n", "reply_turns is a count, not 1.5"),
        ("[process.detectors.call_handling]\nopening_sentences = 0\n", "is from 1 to 20, not 0"),
        ("[process.detectors.empathy]\nreply_turns = true\n", "is a number, not True"),
        ("[process.detectors.comprehension]\nrepeat_similarity = -inf\n", "not -inf"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_setting(tmp_path, text, says):
    path = tmp_path / "team.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="team.toml") as caught:
        load_settings(path)
    assert says in str(caught.value) and "\n" not in str(caught.value)
    result = CliRunner().invoke(
        app, ["queue", "--db", str(tmp_path / "x.db"), "--config", str(path)]
    )
    assert result.exit_code == 2 and says in result.output


def test_another_scorecard_is_another_pipeline_version(tmp_path):
    card = Path(__file__).parents[1] / "qa_rules" / "scorecards" / "voice-support.yaml"
    mine = tmp_path / "mine.yaml"
    mine.write_text(card.read_text().replace("id: voice-support", "id: my-card", 1))
    default = ProcessSettings().pipeline_version
    assert ProcessSettings(scorecard=str(mine)).pipeline_version.startswith(
        f"{default}/card-my-card-"
    )  # stored calls are scored again with it on the next run


def test_detector_thresholds_come_from_the_file_and_change_the_pipeline_version(tmp_path):
    path = tmp_path / "callqa.toml"
    path.write_text("[process.detectors.empathy]\nreply_turns = 3\ndistress_min_words = 7\n")
    settings = load_settings(path).process
    assert settings.detectors == {"empathy": {"reply_turns": 3, "distress_min_words": 7}}
    assert settings.detector_thresholds == (
        ("empathy", (("distress_min_words", 7), ("reply_turns", 3))),
    )
    default = ProcessSettings().pipeline_version
    assert settings.pipeline_version.startswith(f"{default}/detectors-")  # re-analysed once
    same = ProcessSettings(detectors={"empathy": {"reply_turns": 2}, "follow_up": {}})
    assert same.pipeline_version == default  # the defaults, written out, change nothing
