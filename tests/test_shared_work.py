"""Several workers on one store: claims are disjoint, a dead worker's calls change hands, runs
share the store while maintenance takes it alone; three `callqa run` processes on a real
PostgreSQL server, one killed mid-batch, store every call exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from callqa.pipelines.cli import app
from callqa.pipelines.locks import RunLocked, run_lock
from callqa.pipelines.records import PIPELINE_VERSION, Quarantined
from callqa.pipelines.schema import calls, runs, work_claims
from callqa.pipelines.shared_work import claim, claimed_batches, renew
from callqa.pipelines.sources import CallSource
from callqa.pipelines.store import Store, worker
from tests.helpers import lock_held, write_calls


def sources(n: int) -> list[CallSource]:
    return [CallSource(path=f"/calls/{i}.txt", call_id=f"c-{i}", content_hash=f"{i:064x}")
            for i in range(n)]  # fmt: skip


def finish(store: Store, source: CallSource, run_id: str) -> None:
    """Mark a call done the cheapest way: quarantine it as bad input."""
    store.save_quarantine(
        Quarantined(call_id=source.call_id, path=source.path,
                    content_hash=source.content_hash, reason="test", stage="read"),
        run_id,
    )  # fmt: skip


def test_claims_are_disjoint_and_a_lapsed_claim_changes_hands(store_url):
    store, todo = Store(store_url), sources(6)
    first = claim(store, todo[:4], PIPELINE_VERSION, "run-a", lease_s=0.5)
    second = claim(store, todo, PIPELINE_VERSION, "run-b", lease_s=30)
    assert [s.call_id for s in first] == ["c-0", "c-1", "c-2", "c-3"]
    assert [s.call_id for s in second] == ["c-4", "c-5"]
    renew(store, "run-b", lease_s=30)
    time.sleep(0.7)  # run-a stopped renewing: its lease lapses
    third = claim(store, todo, PIPELINE_VERSION, "run-c", lease_s=30)
    assert [s.call_id for s in third] == ["c-0", "c-1", "c-2", "c-3"]


def test_a_finished_call_is_never_claimed_again(store_url):
    store, todo = Store(store_url), sources(3)
    assert len(claim(store, todo, PIPELINE_VERSION, "run-a")) == 3
    finish(store, todo[0], "run-a")
    with store.engine.connect() as db:
        assert db.execute(select(func.count()).select_from(work_claims)).scalar() == 2
    assert claim(store, todo[:1], PIPELINE_VERSION, "run-b") == []


def test_interleaved_workers_take_every_call_exactly_once(store_url):
    store, todo = Store(store_url), sources(23)
    workers = {name: claimed_batches(store, todo, PIPELINE_VERSION, name, batch_size=4)
               for name in ("run-a", "run-b", "run-c")}  # fmt: skip
    taken: list[str] = []
    while workers:
        for name, batches in list(workers.items()):
            batch = next(batches, None)
            if batch is None:
                del workers[name]
                continue
            for source in batch:
                finish(store, source, name)
                taken.append(source.call_id)
    assert sorted(taken) == sorted(s.call_id for s in todo)


def test_a_dead_run_on_this_machine_is_interrupted_and_its_claims_freed(store_url):
    store, todo = Store(store_url), sources(2)
    store.start_run("run-dead", "/calls", PIPELINE_VERSION, alive_s=3600)
    claim(store, todo, PIPELINE_VERSION, "run-dead", lease_s=3600)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    host = store.engine.connect().execute(select(runs.c.worker)).scalar().rsplit(":", 1)[0]
    with store.engine.begin() as db:  # the run's process has exited
        db.execute(runs.update().values(worker=f"{host}:{gone.stdout.strip()}"))
    assert store.interrupt_dead_runs() == ["run-dead"]
    assert len(claim(store, todo, PIPELINE_VERSION, "run-next")) == 2
    store.start_run("run-live", "/calls", PIPELINE_VERSION)
    assert store.interrupt_dead_runs() == []  # this process is alive


def test_runs_share_the_store_and_maintenance_waits_for_them(store_url):
    with lock_held(store_url, shared=True):
        with run_lock(store_url, shared=True):
            pass  # a second run works beside the first
        with pytest.raises(RunLocked, match="another callqa run"):
            with run_lock(store_url):
                pass
    with run_lock(store_url):
        pass  # the holder died: its lock went with it


@pytest.mark.slow
def test_three_workers_one_killed_store_every_call_exactly_once(tmp_path, postgres, monkeypatch):
    from tests.postgres import new_database

    monkeypatch.chdir(tmp_path)  # a server store keeps reports and Prefect's home here
    monkeypatch.setenv("CALLQA_INDEX", str(tmp_path / "cases.faiss"))
    url, n = new_database(postgres), 32  # eight batches of four for three workers
    folder = write_calls(tmp_path / "calls", n)
    store = Store(url)

    def worker(name: str) -> subprocess.Popen:
        home = tmp_path / name
        home.mkdir()
        command = [sys.executable, "-m", "callqa.pipelines.cli", "run", str(folder), "--db", url,
                   "--batch-size", "4", "--lease", "5", "--json"]  # fmt: skip
        env = {**os.environ, "CALLQA_INDEX": str(tmp_path / "cases.faiss")}
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
        return subprocess.Popen(command, cwd=home, env=env, start_new_session=True, **pipes)

    workers = [worker(f"w{i}") for i in range(3)]
    victim = workers[0]

    def stored_by_victim() -> int:
        with store.engine.connect() as db:
            run_id = db.execute(
                select(runs.c.run_id).where(runs.c.worker.like(f"%:{victim.pid}"))
            ).scalar()
            query = select(func.count()).select_from(calls).where(calls.c.run_id == run_id)
            return db.execute(query).scalar() if run_id else 0

    deadline = time.monotonic() + 600
    while not stored_by_victim() and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.1)
    os.killpg(victim.pid, signal.SIGKILL)  # the worker, its Prefect server, everything
    victim.wait()
    summaries = []
    for survivor in workers[1:]:
        out, err = survivor.communicate(timeout=600)
        assert survivor.returncode == 0, err[-2000:]
        summaries.append(json.loads(out))
    killed = stored_by_victim()
    assert 0 < killed < n, "the kill should land after the victim's first batch"

    with store.engine.connect() as db:
        ids = list(db.execute(select(calls.c.call_id)).scalars())
        claims_left = db.execute(select(func.count()).select_from(work_claims)).scalar()
    assert len(ids) == len(set(ids)) == n and claims_left == 0
    # every call was processed once: the survivors' counts and the victim's stored calls
    assert sum(s["processed"] for s in summaries) + killed == n
    assert all(s["processed"] > 0 for s in summaries), "both survivors took a share"

    again = CliRunner().invoke(app, ["run", str(folder), "--db", url, "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["unchanged"] == n
    statuses = [r.status for r in store.list_runs()]
    assert sorted(statuses) == ["completed"] * 3 + ["interrupted"]


def test_a_plain_postgres_url_gets_the_shipped_driver_and_a_bad_url_a_clear_error():
    from callqa.pipelines.store import StoreError, db_url

    assert db_url("postgresql://qa:secret@db/callqa") == "postgresql+psycopg://qa:secret@db/callqa"
    assert db_url("postgres://db/callqa") == "postgresql+psycopg://db/callqa"
    with pytest.raises(StoreError, match="not a database URL") as refused:
        Store("mysql://qa:secret@db/callqa")
    assert "secret" not in str(refused.value)


def test_a_run_whose_claim_lapsed_and_was_taken_stores_nothing(store_url):
    store, todo = Store(store_url), sources(1)
    claim(store, todo, PIPELINE_VERSION, "run-stalled", lease_s=0.3)
    time.sleep(0.5)  # the stalled run stops renewing; another takes the call
    assert claim(store, todo, PIPELINE_VERSION, "run-alive", lease_s=30) == todo
    stalled = Quarantined(call_id="c-0", path="/calls/0.txt", content_hash=todo[0].content_hash,
                          reason="stalled", stage="read")  # fmt: skip
    assert store.save_quarantine(stalled, "run-stalled") is False
    assert store.list_quarantine() == []
    finish(store, todo[0], "run-alive")
    assert [q.reason for q in store.list_quarantine()] == ["test"]


def test_runs_of_two_pipeline_versions_are_refused_on_one_store(store_url):
    from callqa.pipelines.store import StoreError

    store = Store(store_url)
    store.start_run("run-a", "/calls", "version-a")
    with pytest.raises(StoreError, match="another pipeline version"):
        store.start_run("run-b", "/calls", "version-b")
    store.start_run("run-c", "/calls", "version-a")  # the same version shares the store


def test_a_run_in_another_pid_namespace_is_judged_by_its_lease_only(store_url):
    store = Store(store_url)
    store.start_run("run-elsewhere", "/calls", PIPELINE_VERSION, alive_s=3600)
    host = worker().split(":")[0]
    with store.engine.begin() as db:  # same host name, another container's pids
        db.execute(runs.update().values(worker=f"{host}:1:999999"))
    assert store.interrupt_dead_runs() == []


@pytest.mark.slow
def test_a_worker_whose_clock_runs_ahead_cannot_take_live_claims(postgres, monkeypatch):
    from callqa.pipelines import store as store_module
    from tests.postgres import new_database

    store, todo = Store(new_database(postgres)), sources(4)
    assert len(claim(store, todo, PIPELINE_VERSION, "run-a", lease_s=60)) == 4
    ahead = datetime.now(UTC) + timedelta(minutes=10)
    monkeypatch.setattr(store_module, "_now", lambda: ahead)  # this machine's clock only
    assert claim(store, todo, PIPELINE_VERSION, "run-b", lease_s=60) == []


def test_a_password_stays_out_of_prefect_and_the_console():
    from callqa.pipelines.store import without_password

    url, password = without_password("postgresql+psycopg://qa:s3cret@db:5432/callqa")
    assert (url, password) == ("postgresql+psycopg://qa@db:5432/callqa", "s3cret")
    assert without_password("sqlite:////tmp/callqa.db") == ("sqlite:////tmp/callqa.db", None)


def test_a_run_may_wait_for_maintenance_to_finish(store_url):
    with lock_held(store_url, seconds=2):
        with pytest.raises(RunLocked, match="maintenance is using this store"):
            with run_lock(store_url, shared=True):
                pass
        started = time.monotonic()
        with run_lock(store_url, shared=True, wait_s=30):
            waited = time.monotonic() - started
        assert 0.5 < waited < 30


def test_a_claim_chosen_as_a_deadlock_victim_is_tried_again(store_url, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from callqa.pipelines import shared_work

    store, todo = Store(store_url), sources(2)
    begin, failures = store.engine.begin, []

    class Deadlock(Exception):
        sqlstate = "40P01"

    def crossing():  # the first claim transaction loses a deadlock, as PostgreSQL reports it
        if not failures:
            failures.append(1)
            raise OperationalError("INSERT …", {}, Deadlock())
        return begin()

    monkeypatch.setattr(store.engine, "begin", crossing)
    monkeypatch.setattr(shared_work.time, "sleep", lambda _: None)
    assert claim(store, todo, PIPELINE_VERSION, "run-a") == todo and failures == [1]
