"""Nightly operations: a run killed with SIGKILL mid-batch is finished by the next one, with
nothing lost and nothing counted twice, re-runs do no work, and retention purges old words."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callqa.pipelines.cli import app
from callqa.pipelines.flow import with_dask
from callqa.pipelines.process import process_batch
from callqa.pipelines.runs import store_outcome
from callqa.pipelines.similar import index_path, sync_index
from callqa.pipelines.sources import discover_calls
from callqa.pipelines.store import Store, db_url
from tests.helpers import write_calls

CALLS = 40  # more than two batches of 16


def column(db: Path, query: str) -> list:
    """The first column of ``query`` on the store; empty before the store has its tables."""
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=30) as connection:
        try:
            return [r[0] for r in connection.execute(query)]
        except sqlite3.OperationalError:
            return []


def stored(db: Path) -> list[str]:
    return column(db, "select call_id from calls")


@pytest.mark.slow
def test_a_run_killed_mid_batch_is_finished_by_the_next_with_exact_counts(tmp_path):
    folder, db = write_calls(tmp_path / "calls", CALLS), tmp_path / "ops.db"
    command = [sys.executable, "-m", "callqa.pipelines.cli", "run", str(folder), "--db", str(db)]
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


@pytest.mark.slow
def test_a_run_stopped_with_sigterm_leaves_promptly_and_the_next_finishes(tmp_path):
    """A scheduler's stop (SIGTERM to the process group, as systemd and timeout send it) ends
    the run without a minute of retries against the server the same signal stopped."""
    folder, db = write_calls(tmp_path / "calls", CALLS), tmp_path / "term.db"
    command = [sys.executable, "-m", "callqa.pipelines.cli", "run", str(folder), "--db", str(db)]
    run = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 600
    while not stored(db) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGTERM)
    stopped = time.monotonic()
    _, err = run.communicate(timeout=120)
    assert run.returncode == 143 and "stopped by SIGTERM" in err
    assert time.monotonic() - stopped < 20  # not the batch in hand and retries (80 s before)
    rerun = CliRunner().invoke(app, ["run", str(folder), "--db", str(db), "--json"])
    assert rerun.exit_code == 0, rerun.output
    assert sorted(set(stored(db))) == sorted(stored(db)) and len(stored(db)) == CALLS


def test_retention_purges_old_words_and_keeps_scores(tmp_path):
    folder = write_calls(tmp_path / "calls", 2)
    today = datetime.now(UTC).date()
    (folder / "manifest.csv").write_text(
        "file,started_at\n"
        f"call-000.txt,{today - timedelta(days=400)}T09:00:00+00:00\n"
        f"call-001.txt,{today}T09:00:00+00:00\n"
    )
    sources, _, _ = discover_calls(folder)
    store = Store(db_url(tmp_path / "r.db"))
    for result in process_batch(sources):
        store_outcome(store, result, "r1", {})
    sync_index(store, index_path(store.url))
    muted = tmp_path / "muted"
    muted.mkdir()
    (muted / "call-000.wav").write_bytes(b"RIFF")
    result = CliRunner().invoke(
        app,
        [
            "purge",
            "--older-than",
            "90",
            "--db",
            str(tmp_path / "r.db"),
            "--muted-audio",
            str(muted),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "purged the words of 1 call(s)" in result.output and "1 audio copy" in result.output
    old, new = store.get_call("call-000"), store.get_call("call-001")
    assert old.transcript.turns == () and old.score is not None
    assert old.findings and all(e.quote == "" for f in old.findings for e in f.evidence)
    assert all(e.quote == "" for c in old.score.criteria for e in c.evidence)
    assert new.transcript.turns and store.case_of_call("call-000") is None
    assert not (muted / "call-000.wav").exists()
    again = CliRunner().invoke(app, ["purge", "--older-than", "90", "--db", str(tmp_path / "r.db")])
    assert "purged the words of 0 call(s)" in again.output


@pytest.mark.slow
def test_deploy_serves_a_schedule_that_fires(tmp_path):
    """The one-machine path: `callqa deploy` starts a Prefect server, serves the flow on an
    interval, and the scheduled runs process the folder."""
    folder, db = write_calls(tmp_path / "calls", 2), tmp_path / "scheduled.db"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    command = [sys.executable, "-m", "callqa.pipelines.cli", "deploy", "--source", str(folder),
               "--interval", "5", "--db", str(db), "--port", str(port)]  # fmt: skip
    served = subprocess.Popen(
        command, start_new_session=True, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline and served.poll() is None:
            if len(stored(db)) == 2 and "completed" in run_statuses(db):
                break
            time.sleep(1)
        assert served.poll() is None, "deploy exited"
        assert sorted(stored(db)) == ["call-000", "call-001"]
    finally:  # a stop lets a scheduled run already under way finish (it loads the models)
        os.killpg(served.pid, signal.SIGTERM)
        try:
            served.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(served.pid, signal.SIGKILL)
            raise AssertionError("callqa deploy did not stop within 120 s of SIGTERM") from None


def run_statuses(db: Path) -> list[str]:
    return column(db, "select status from runs")


@pytest.mark.slow
def test_batches_run_on_a_local_dask_cluster_of_two_workers(tmp_path, prefect_server):
    folder, db = write_calls(tmp_path / "calls", 8), tmp_path / "dask.db"
    summary = with_dask("local:2")(str(folder), db_url(db), batch_size=2)  # two batches each
    assert summary.processed == 8 and sorted(stored(db)) == [f"call-{i:03d}" for i in range(8)]


@pytest.mark.slow
def test_deploy_to_a_work_pool_runs_on_a_worker(tmp_path):
    """The several-machines path, on one machine: a server, a process work pool, the
    deployment registered by `callqa deploy --work-pool`, and a worker that runs it."""
    folder, db = write_calls(tmp_path / "calls", 2), tmp_path / "pool.db"
    runs = on_a_work_pool(tmp_path, folder, str(db), workers=1)
    assert sorted(stored(db)) == ["call-000", "call-001"]
    assert [r.summary.processed for r in runs] == [2]


@pytest.mark.slow
def test_two_workers_on_postgres_share_a_deployments_calls(tmp_path, postgres):
    """A team's deployment: Prefect's own database and callqa's store both on PostgreSQL, two
    flow runs picked up by two workers at once: each call is processed by one of them."""
    from tests.postgres import new_database

    folder, store_url = write_calls(tmp_path / "calls", 12), new_database(postgres)
    prefect_db = new_database(postgres).replace("+psycopg", "+asyncpg")
    runs = on_a_work_pool(tmp_path, folder, store_url, workers=2, prefect_db=prefect_db)
    calls = Store(store_url).list_calls()
    assert len(calls) == len({c.call_id for c in calls}) == 12
    assert sorted(r.status for r in runs) == ["completed", "completed"], [r.error for r in runs]
    assert sum(r.summary.processed for r in runs) == 12


def on_a_work_pool(tmp_path: Path, folder: Path, db: str, workers: int,
                   prefect_db: str | None = None) -> list:  # fmt: skip
    """Serve Prefect (on ``prefect_db`` when given), register the deployment on a process work
    pool, run it ``workers`` times with as many workers at once; returns the store's runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    env["CALLQA_INDEX"] = str(tmp_path / "cases.faiss")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # the worker's python
    if prefect_db:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_db
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    prefect = [sys.executable, "-m", "prefect"]
    server = subprocess.Popen(
        [*prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=tmp_path,
    )  # fmt: skip
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while subprocess.run([*prefect, "work-pool", "create", "nightly", "--type", "process"],
                             env=env, capture_output=True).returncode:  # fmt: skip
            assert time.monotonic() < deadline, "the Prefect server did not start"
            time.sleep(2)
        deploy = [sys.executable, "-m", "callqa.pipelines.cli", "deploy", "--source", str(folder),
                  "--cron", "0 2 * * *", "--work-pool", "nightly", "--db", db,
                  "--workers", str(workers)]  # fmt: skip
        subprocess.run(deploy, env=env, check=True, cwd=tmp_path)
        for _ in range(workers):
            subprocess.run([*prefect, "deployment", "run", "nightly/callqa-nightly"], env=env,
                           check=True, capture_output=True)  # fmt: skip
        started = [
            subprocess.Popen(
                [*prefect, "worker", "start", "--pool", "nightly", "--run-once"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=tmp_path,
            )  # fmt: skip
            for _ in range(workers)
        ]
        assert [w.wait(timeout=300) for w in started] == [0] * workers
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(60)
    return Store(db_url(db)).list_runs()


@pytest.mark.slow
def test_erasure_leaves_no_quote_in_any_page_and_a_late_failure_is_caught_up(
    tmp_path, samples, monkeypatch, prefect_server
):
    """Forget removes the call from every page that quoted it (its agent's and peers' coaching
    plans, run pages) and keeps it out of the next run; a run whose reports fail is marked
    failed, and the next run writes the missing pages."""
    import shutil

    folder, db = tmp_path / "calls", str(tmp_path / "s.db")
    shutil.copytree(samples, folder)
    erased, quotes = "hb-20261113-0102", ("grocery store", "losing a card is stressful")
    reports = tmp_path / "callqa-reports"

    def fail(*args, **kwargs):
        raise OSError("disk full while writing reports")

    monkeypatch.setattr("callqa.pipelines.flow.publish_run", fail)
    failed = CliRunner().invoke(app, ["run", str(folder), "--db", db])
    assert failed.exit_code == 1 and "disk full" in failed.output
    assert run_statuses(Path(db)) == ["failed"] and len(stored(Path(db))) == 20
    monkeypatch.undo()
    caught_up = CliRunner().invoke(app, ["run", str(folder), "--db", db])
    assert caught_up.exit_code == 0 and "Nothing to do" in caught_up.output
    assert len(list((reports / "calls").glob("*.html"))) == 20

    def pages_with(*needles: str) -> list[str]:
        return [str(p.relative_to(reports)) for p in reports.rglob("*") if p.is_file()
                and any(n in p.read_text(encoding="utf-8") for n in needles)]  # fmt: skip

    CliRunner().invoke(app, ["coach", "a-omar", "--db", db])  # a peer's plan may quote it
    assert pages_with(*quotes)
    result = CliRunner().invoke(app, ["forget", erased, "--db", db])
    assert result.exit_code == 0 and "erased 1 call(s)" in result.output
    assert pages_with(*quotes, erased) == []
    again = CliRunner().invoke(app, ["run", str(folder), "--db", db])
    assert "an erased call" in again.output and erased not in stored(Path(db))
    allowed = CliRunner().invoke(app, ["run", str(folder), "--db", db, "--allow-erased"])
    assert allowed.exit_code == 0 and erased in stored(Path(db))


@pytest.mark.slow
def test_runs_starting_together_create_prefect_database_once(tmp_path):
    """Four processes create the temporary server's database in one new home at once (without
    the lock, one or two of them fail on a duplicate column or block schema)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    script = (
        "import sys; from pathlib import Path\n"
        "from callqa.pipelines.runtime import configure_prefect\n"
        "configure_prefect(Path(sys.argv[1]))\n"
        "from callqa.pipelines.runtime import create_temporary_server_database\n"
        "create_temporary_server_database()\n"
    )
    home = tmp_path / "prefect"
    started = [subprocess.Popen([sys.executable, "-c", script, str(home)], env=env,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]  # fmt: skip
    errors = [p.communicate(timeout=120)[1] for p in started]
    assert [p.returncode for p in started] == [0] * 4, errors
    with sqlite3.connect(home / "prefect.db") as db:
        assert db.execute("select count(*) from block_type").fetchone()[0] > 0


@pytest.mark.slow
def test_a_run_where_every_new_call_is_quarantined_exits_1_and_says_so(tmp_path):
    """A nightly job whose every call fails (a wrong export format, a broken source) must not
    look like a quiet success to the scheduler; the next run has nothing new and exits 0."""
    folder, db = tmp_path / "calls", str(tmp_path / "s.db")
    folder.mkdir()
    (folder / "notes.txt").write_text("not a transcript at all\n", encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(folder), "--db", db])
    assert result.exit_code == 1
    assert "every new call (2) was quarantined" in result.output
    assert "callqa quarantine" in result.output and "Results are in" not in result.output
    again = CliRunner().invoke(app, ["run", str(folder), "--db", db])
    assert again.exit_code == 0 and "2 already quarantined" in again.output
