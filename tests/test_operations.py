"""Nightly operations: a run killed with SIGKILL mid-batch is finished by the next one, with
nothing lost and nothing counted twice, and re-runs do no work."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

CALLS = 40  # more than two batches of 16


def write_calls(folder: Path, n: int) -> Path:
    """``n`` small, distinct two-party transcripts."""
    folder.mkdir()
    for i in range(n):
        (folder / f"call-{i:03d}.txt").write_text(
            f"[00:00] Agent: Thank you for calling, this is Dana. How can I help?\n"
            f"[00:04] Customer: My order {i} arrived broken, I'd like a replacement.\n"
            f"[00:09] Agent: I'm sorry about that. I've sent a replacement for order {i}; "
            f"it arrives in {i % 5 + 2} days.\n"
            f"[00:16] Customer: Great, thank you.\n"
        )
    return folder


def stored(db: Path) -> list[str]:
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=30) as connection:
        try:
            return [r[0] for r in connection.execute("select call_id from calls")]
        except sqlite3.OperationalError:  # tables not made yet
            return []


@pytest.mark.slow
def test_a_run_killed_mid_batch_is_finished_by_the_next_with_exact_counts(tmp_path):
    folder, db = write_calls(tmp_path / "calls", CALLS), tmp_path / "ops.db"
    command = [sys.executable, "-m", "evaluation.cli", "run", str(folder), "--db", str(db)]
    run = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while not stored(db) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGKILL)  # the run, its Prefect server and everything else
    run.wait()
    before = stored(db)
    assert 0 < len(before) < CALLS, "the kill should land after the first batch, mid-run"

    runner = CliRunner()
    rerun = runner.invoke(app, ["run", str(folder), "--db", str(db), "--json"])
    assert rerun.exit_code == 0, rerun.output
    summary = json.loads(rerun.output)
    assert (summary["processed"], summary["unchanged"]) == (CALLS - len(before), len(before))
    for _ in range(3):
        again = json.loads(
            runner.invoke(app, ["run", str(folder), "--db", str(db), "--json"]).output
        )
        assert again["processed"] == 0 and again["unchanged"] == CALLS
    after = stored(db)
    assert sorted(after) == sorted(set(after)) and len(after) == CALLS
    with sqlite3.connect(db) as connection:
        statuses = [r[0] for r in connection.execute("select status from runs order by started_at")]
        per_call = connection.execute(
            "select count(*) from (select call_id from scores group by call_id having count(*) > 1)"
        ).fetchone()[0]
    assert statuses[0] == "interrupted" and set(statuses[1:]) == {"completed"}
    assert per_call == 0  # one score per call, however many runs
