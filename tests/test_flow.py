"""The nightly flow end to end, its tasks without Prefect, and the CLI around it."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.flow import nightly, process_calls
from pipelines.process import ProcessSettings
from pipelines.sources import discover_calls
from pipelines.store import Store, db_url

SAMPLE_CALLS = 13  # files in samples/, one of them a truncated upload


def test_process_task_runs_without_prefect(samples):
    sources, _ = discover_calls(samples / "northwind-double-charge.txt")
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
    assert [r["status"] for r in store.list_runs()] == ["completed", "completed"]


@pytest.mark.slow
def test_cli_run_show_calls_quarantine(tmp_path, samples, prefect_server):
    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    result = runner.invoke(app, ["run", str(samples), "--db", db])
    assert result.exit_code == 0, result.output
    assert "processed    12" in result.output and "uploaded-call-0413.json" in result.output
    again = runner.invoke(app, ["run", str(samples), "--db", db])
    assert again.exit_code == 0 and again.output.startswith("Nothing to do")

    listing = runner.invoke(app, ["calls", "--db", db, "--team", "east"])
    assert listing.exit_code == 0
    assert listing.output.splitlines()[0].split()[:3] == ["CALL", "STARTED", "AGENT"]
    assert len(listing.output.splitlines()) == 1 + 4

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


def test_cli_errors_exit_non_zero(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "none.db")
    assert runner.invoke(app, ["show", "nope", "--db", db]).exit_code == 1
    assert runner.invoke(app, ["run", str(tmp_path / "missing"), "--db", db]).exit_code == 1
    assert runner.invoke(app, ["calls", "--db", db, "--since", "soon"]).exit_code == 2
    for command in ([], ["run"], ["calls"], ["show"], ["quarantine"]):
        assert runner.invoke(app, [*command, "--help"]).exit_code == 0
