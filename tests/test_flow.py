"""The nightly flow end to end, its tasks without Prefect, and the CLI around it."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from callqa import qa_rules
from callqa.pipelines.cli import app
from callqa.pipelines.flow import nightly, process_calls, transient_only
from callqa.pipelines.process import ProcessSettings
from callqa.pipelines.sources import discover_calls
from callqa.pipelines.store import Store, db_url

SAMPLE_CALLS = 21  # files in samples/, one of them a truncated upload


def test_process_task_runs_without_prefect(samples):
    sources, _, _ = discover_calls(samples / "northwind-double-charge.txt")
    (result,) = process_calls.fn(sources, ProcessSettings())
    assert result.call_id == "northwind-double-charge" and result.transcript.timed


@pytest.mark.slow
def test_nightly_flow_is_idempotent_and_quarantines_bad_files(tmp_path, samples, prefect_server):
    folder = tmp_path / "calls"
    shutil.copytree(samples, folder)
    (folder / "empty.txt").write_text("")
    db = db_url(tmp_path / "r.db")
    first = nightly(str(folder), db)
    assert first.discovered == SAMPLE_CALLS + 1
    assert first.processed == SAMPLE_CALLS - 1
    assert sorted(q.reason.split(" (")[0] for q in first.quarantined) == [
        "empty file",
        "invalid JSON",
    ]
    second = nightly(str(folder), db)
    assert second.did_nothing and second.unchanged == SAMPLE_CALLS - 1
    assert second.already_quarantined == 2
    store = Store(db)
    assert len(store.list_calls()) == SAMPLE_CALLS - 1
    assert [r.status for r in store.list_runs()] == ["completed", "completed"]


@pytest.mark.slow
def test_cli_run_show_calls_quarantine(tmp_path, samples, prefect_server):
    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    result = runner.invoke(app, ["run", str(samples), "--db", db])
    assert result.exit_code == 0, result.output
    assert "processed    20" in result.output and "uploaded-call-0413.json" in result.output
    flagged = json.loads(runner.invoke(app, ["queue", "--db", db, "--json"]).output)["flagged"]
    assert f"Review queue: {len(flagged)} of 20 stored calls flagged" in result.output
    again = runner.invoke(app, ["run", str(samples), "--db", db])
    assert again.exit_code == 0 and again.output.startswith("Nothing to do")
    assert f"Review queue: {len(flagged)} of 20 stored calls flagged" in again.output

    listing = runner.invoke(app, ["calls", "--db", db, "--team", "east"])
    assert listing.exit_code == 0
    assert listing.output.splitlines()[0].split()[:3] == ["CALL", "STARTED", "AGENT"]
    assert len(listing.output.splitlines()) == 1 + 7

    shown = runner.invoke(app, ["show", "fl-20261120-0002", "--db", db])
    assert shown.exit_code == 0
    assert "agent_interruption [0:13]" in shown.output
    assert 'agent: "Did you restart the router?"' in shown.output

    as_json = json.loads(
        runner.invoke(app, ["show", "fl-20261120-0002", "--db", db, "--json"]).output
    )
    assert as_json["findings"][0]["evidence"][0]["quote"]

    quarantined = runner.invoke(app, ["quarantine", "--db", db, "--json"])
    assert json.loads(quarantined.output)[0]["call_id"] == "up-20261122-0008"

    # scores: the well-handled call beats the badly handled one, which fails on dismissiveness
    assert as_json["score"]["auto_failed"] and "auto_fail:respectful" in as_json["score"]["flags"]
    good = json.loads(runner.invoke(app, ["show", "nw-20261120-0001", "--db", db, "--json"]).output)
    assert good["score"]["total"] >= 80
    assert all(a["evidence"] or a["basis"] == "absence" or a["answer"] in ("na", "unsure")
               for a in good["score"]["criteria"])  # fmt: skip
    assert "Score 0 (fail) / 100" in shown.output

    # the review queue puts the failed call first and samples apart from the flags
    queued = json.loads(runner.invoke(app, ["queue", "--db", db, "--json"]).output)
    assert queued["flagged"][0]["call_id"] == "fl-20261120-0002"
    assert queued["flagged"][0]["flags"][0]["reason"] == "auto_fail"
    assert "nw-20261120-0001" not in {q["call_id"] for q in queued["flagged"]}
    assert queued["sample"] and queued["sample_estimate"]["n"] == len(queued["sample"])
    assert len(queued["flagged"]) <= 4 + 1  # 20% of 20 calls, plus any auto-fail over it
    strict = tmp_path / "flags.yaml"
    strict.write_text("min_total: 95\nbudget: null\n")
    stricter = json.loads(
        runner.invoke(app, ["queue", "--db", db, "--json", "--rules", str(strict)]).output
    )
    assert len(stricter["flagged"]) > len(queued["flagged"]) and not stricter["held_back"]
    strict.write_text("min_totl: 95\n")
    assert runner.invoke(app, ["queue", "--db", db, "--rules", str(strict)]).exit_code == 1
    csv_lines = runner.invoke(app, ["queue", "--db", db, "--csv"]).output.splitlines()
    assert csv_lines[0].startswith("priority,call_id") and len(csv_lines) == 1 + len(
        queued["flagged"]
    )

    # a reviewer overrides one answer; agreement is reported per criterion
    note = ["--comment", "asked what happened", "--reviewer", "qa1"]
    reviewed = runner.invoke(
        app, ["review", "nw-20261120-0001", "probed", "yes", "--db", db, *note]
    )
    assert reviewed.exit_code == 0 and "qa1 says yes" in reviewed.output
    assert (
        runner.invoke(app, ["review", "nw-20261120-0001", "nope", "yes", "--db", db]).exit_code == 1
    )
    assert (
        runner.invoke(app, ["review", "nw-20261120-0001", "probed", "maybe", "--db", db]).exit_code
        == 2
    )
    agreed = json.loads(runner.invoke(app, ["agreement", "--db", db, "--json"]).output)
    assert agreed == [{"criterion_id": "probed", "n": 1, "agreement": 0.0, "kappa": None}]
    calibrated = runner.invoke(app, ["calibrate", "--db", db, "--json"])
    assert calibrated.exit_code == 0  # one review: every label keeps its default
    assert all(f["threshold"] is None for f in json.loads(calibrated.output))
    assert (
        "qa1: probed no -> yes (asked what happened)"
        in runner.invoke(app, ["show", "nw-20261120-0001", "--db", db]).output
    )

    # backtest a scorecard without the critical criterion: the failed call gets a total
    bundled = Path(qa_rules.__file__).parent / "scorecards" / "voice-support.yaml"
    card = yaml.safe_load(bundled.read_text())
    for section in card["sections"]:
        for criterion in section["criteria"]:
            criterion["critical"] = False
    trial = tmp_path / "trial.yaml"
    trial.write_text(yaml.safe_dump(card))
    tried = runner.invoke(app, ["scorecard", "backtest", str(trial), "--db", db, "--json"])
    assert tried.exit_code == 0, tried.output
    calls = {c["call_id"]: c for c in json.loads(tried.output)["calls"]}
    assert calls["fl-20261120-0002"]["old_total"] == 0 < calls["fl-20261120-0002"]["new_total"]
    assert calls["nw-20261120-0001"]["old_total"] == calls["nw-20261120-0001"]["new_total"]
    # ... and says how many calls the review queue would hold within its budget, as it is now
    queued = json.loads(tried.output)["queued"]
    now = json.loads(runner.invoke(app, ["queue", "--db", db, "--json"]).output)
    assert queued["old"] == len(now["flagged"]) and queued["budget"] == now["budget"]
    text = runner.invoke(app, ["scorecard", "backtest", str(trial), "--db", db]).output
    assert f"in the review queue (budget 20% of calls): {queued['old']} now" in text

    # similar past resolutions: in the call's report, from the CLI, and gone once erased
    page = (tmp_path / "callqa-reports" / "calls" / "hvb-0bbbedb4.html").read_text()
    assert 'href="../calls/hb-20261113-0102.html"' in page and "blocked the lost card" in page
    found = json.loads(runner.invoke(app, ["similar", "hvb-0bbbedb4", "--db", db, "--json"]).output)
    assert found["similar"][0]["call_id"] == "hb-20261113-0102"
    assert found["similar"][0]["report"].endswith("hb-20261113-0102.html")
    by_text = runner.invoke(app, ["similar", "--text", "my card was stolen", "--db", db, "-k", "1"])
    assert by_text.exit_code == 0 and "hb-20261113-0102" in by_text.output
    erased = runner.invoke(app, ["forget", "hb-20261113-0102", "--db", db])
    assert erased.exit_code == 0, erased.output
    assert "erased 1 call(s) from the store, 1 case(s) from the index, 1 report page(s)" in (
        erased.output
    )
    found = json.loads(runner.invoke(app, ["similar", "hvb-0bbbedb4", "--db", db, "--json"]).output)
    assert "hb-20261113-0102" not in {s["call_id"] for s in found["similar"]}
    assert runner.invoke(app, ["similar", "--db", db]).exit_code == 2
    assert runner.invoke(app, ["index", "rebuild", "--db", db]).exit_code == 0


def test_cli_errors_exit_non_zero(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "none.db")
    assert runner.invoke(app, ["show", "nope", "--db", db]).exit_code == 1
    assert runner.invoke(app, ["run", str(tmp_path / "missing"), "--db", db]).exit_code == 1
    assert runner.invoke(app, ["calls", "--db", db, "--since", "soon"]).exit_code == 2
    commands = ([], ["run"], ["calls"], ["show"], ["quarantine"], ["scorecard", "backtest"],
                ["similar"], ["forget"], ["index", "rebuild"], ["purge"], ["deploy"],
                ["transcribe"])  # fmt: skip
    for command in commands:
        assert runner.invoke(app, [*command, "--help"]).exit_code == 0
    unscheduled = runner.invoke(app, ["deploy", "--source", str(tmp_path), "--db", db])
    assert unscheduled.exit_code == 2 and "--cron or --interval" in unscheduled.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: '1'\nname: X\nsections: []\n")
    checked = runner.invoke(app, ["scorecard", "check", str(bad)])
    assert checked.exit_code == 1 and "bad.yaml" in checked.output
    assert runner.invoke(app, ["scorecard", "backtest", str(bad), "--db", db]).exit_code == 1
    schema = json.loads(runner.invoke(app, ["scorecard", "schema"]).output)
    assert schema["title"] == "Scorecard"


def test_only_transient_failures_are_retried():
    from prefect.states import Failed
    from sqlalchemy.exc import OperationalError

    locked = OperationalError("insert", {}, Exception("database is locked"))
    assert transient_only(None, None, Failed(data=locked))
    assert transient_only(None, None, Failed(data=OSError("stale file handle")))
    assert not transient_only(None, None, Failed(data=ValueError("bad input")))
