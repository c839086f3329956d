"""The ``nightly`` Prefect flow: discover new calls, process them in batches, store, index their
cases, summarise, report.

Tasks are one call each into the plain functions of :mod:`callqa.pipelines.process` and
:mod:`callqa.pipelines.runs`, and pass records, never model objects. Idempotency comes from
the store (content hash + pipeline version), not from Prefect's cache, so caching is off.
"""

import logging
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff
from sqlalchemy.exc import OperationalError

from callqa.pipelines.erasure import purge_older_than
from callqa.pipelines.locks import finish_lock, run_lock
from callqa.pipelines.process import ProcessSettings, process_batch
from callqa.pipelines.publish import publish_run, refresh_reports
from callqa.pipelines.records import CallResult, Quarantined, RunSummary
from callqa.pipelines.runs import (
    new_run_id,
    plan_run,
    problems_to_quarantine,
    store_outcome,
    summarise,
)
from callqa.pipelines.runtime import report_progress, take_over_sigterm
from callqa.pipelines.shared_work import BATCH_SIZE, LEASE_S, Heartbeat, claimed_batches, pause
from callqa.pipelines.similar import (
    index_path,
    sync_index,
)
from callqa.pipelines.sources import CallSource, discover_calls
from callqa.pipelines.store import Store
from callqa.pipelines.workspace import (
    Folders,
    load_calibration,
    remove_stale_temporaries,
)
from callqa.qa_rules.scorecard import load_scorecard

log = logging.getLogger(__name__)


@task(name="process-calls", cache_policy=NO_CACHE)
def process_calls(
    sources: list[CallSource], settings: ProcessSettings
) -> list[CallResult | Quarantined]:
    return process_batch(sources, settings)


TRANSIENT = (OSError, TimeoutError, OperationalError)


def transient_only(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task only for failures that may pass (I/O errors, a locked or unreachable
    database); bad input never reaches here, it is quarantined."""
    return isinstance(state.data, TRANSIENT)


RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),  # 2, 4, 8 s
    "retry_condition_fn": transient_only,
}


@task(name="store-calls", cache_policy=NO_CACHE, **RETRIES)
def store_calls(
    db: str, run_id: str, outcomes: list[CallResult | Quarantined], seen_ids: dict[str, str]
) -> list[CallResult | Quarantined]:
    """Store a batch: what was kept, without the calls another worker took over meanwhile."""
    store, seen = Store(db), dict(seen_ids)
    kept = (store_or_quarantine(store, o, run_id, seen) for o in outcomes)
    return [o for o in kept if o is not None]


def store_or_quarantine(
    store: Store, outcome: CallResult | Quarantined, run_id: str, seen: dict[str, str]
) -> CallResult | Quarantined | None:
    """:func:`store_outcome`; a call that cannot be stored for a reason other than a transient
    database or I/O error (retried by the task) is quarantined, and the batch goes on."""
    try:
        return store_outcome(store, outcome, run_id, seen)
    except TRANSIENT:
        raise
    except Exception as exc:
        failed = Quarantined(
            call_id=outcome.call_id, path=outcome.path, content_hash=outcome.content_hash,
            reason=f"storing failed: {type(exc).__name__}: {str(exc)[:300]}", stage="store",
            kind="internal",
        )  # fmt: skip
        if not store.save_quarantine(failed, run_id):
            return None
        log.warning("call %s quarantined at store: %s", failed.call_id, failed.reason)
        return failed


@task(name="index-cases", cache_policy=NO_CACHE, **RETRIES)
def index_cases(db: str) -> dict[str, int]:
    return sync_index(Store(db), index_path(db))


@task(name="apply-retention", cache_policy=NO_CACHE, **RETRIES)
def apply_retention(db: str, days: int, reports: str | None, settings: ProcessSettings) -> int:
    folders = _folders(reports, settings)
    return len(purge_older_than(Store(db), days, folders, settings.scorecard).calls)


@task(name="write-reports", cache_policy=NO_CACHE)
def write_reports(db: str, summary: RunSummary, scorecard: str, folder: str) -> str:
    store, card = Store(db), load_scorecard(scorecard)
    index = publish_run(store, summary, card, Path(folder))
    refresh_reports(store, card, Path(folder))  # pages an earlier failed run left missing
    return str(index)


ONE_AT_A_TIME: Any = ThreadPoolTaskRunner(max_workers=1)  # Prefect types runners generically


@flow(name="nightly", log_prints=False, task_runner=ONE_AT_A_TIME)
def nightly(
    source: str,
    db: str,
    since: datetime | None = None,
    manifest: str | None = None,
    settings: ProcessSettings | None = None,
    batch_size: int = BATCH_SIZE,
    reports: str | None = None,
    retention_days: int | None = None,
    follow_links: bool = False,
    allow_erased: bool = False,
    in_flight: int = 2,
    lease_s: float = LEASE_S,
    requested_at: datetime | None = None,
) -> RunSummary:
    """Process every new call under ``source`` into the store at ``db`` (a SQLAlchemy URL);
    with ``reports``, write that folder's HTML: a page per processed call and the run summary;
    with ``retention_days``, purge the words of older calls.

    Any number of runs share a store (:func:`run_lock`, shared): each claims its calls in
    batches (:mod:`callqa.pipelines.shared_work`), so workers on several machines process
    disjoint calls, and a dead worker's calls go to the others when its lease lapses. Batches
    are processed by the flow's task runner (one at a time in a worker thread by default; see
    :func:`with_dask` to scale out) and stored here as each is done. A failure after calls were
    stored (retention, index, reports) marks the run failed; the next run brings the index and
    the pages in step. ``requested_at``: when the command asked for the run, so the summary
    says how long Prefect took to start."""
    take_over_sigterm()
    settings = settings or ProcessSettings(label_thresholds=load_calibration(db))
    startup_s = (datetime.now(UTC) - requested_at).total_seconds() if requested_at else 0.0
    with run_lock(db, shared=True):
        summary = _nightly(source, db, since, manifest, settings, batch_size, reports,
                           retention_days, follow_links, allow_erased, in_flight,
                           lease_s)  # fmt: skip
    return summary.model_copy(update={"startup_s": startup_s})


def _nightly(
    source: str,
    db: str,
    since: datetime | None,
    manifest: str | None,
    settings: ProcessSettings,
    batch_size: int,
    reports: str | None,
    retention_days: int | None,
    follow_links: bool,
    allow_erased: bool,
    in_flight: int,
    lease_s: float,
) -> RunSummary:
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    store = Store(db)
    store.start_run(run_id, source, settings.pipeline_version, alive_s=lease_s)
    try:
        with Heartbeat(store, run_id, lease_s):
            summary = _work(store, db, run_id, source, since, manifest, settings, batch_size,
                            follow_links, allow_erased, in_flight, lease_s, started)  # fmt: skip
        with finish_lock(db):  # one finishing step at a time when several workers end together
            if retention_days:
                apply_retention(db, retention_days, reports, settings)
            index_cases(db)
            store.interrupt_dead_runs()  # a worker that died tonight is not left "running"
            store.complete_run(summary)
            if reports:
                write_reports(db, summary, settings.scorecard, reports)
    except BaseException as exc:
        store.fail_run(run_id, f"{type(exc).__name__}: {exc}"[:500])
        raise
    return summary


def _work(
    store: Store,
    db: str,
    run_id: str,
    source: str,
    since: datetime | None,
    manifest: str | None,
    settings: ProcessSettings,
    batch_size: int,
    follow_links: bool,
    allow_erased: bool,
    in_flight: int,
    lease_s: float,
    started: datetime,
) -> RunSummary:
    """Discover, plan, then process and store the calls this run claims, ``in_flight`` batches
    at a time (so storing one overlaps processing the next), until every new call is done by
    this worker or another."""
    card = load_scorecard(settings.scorecard)
    store.freeze_scorecard(card)
    remove_stale_temporaries(_folders(None, settings), index_path(db))
    found = discover_calls(Path(source), Path(manifest) if manifest else None, since, follow_links)
    plan = plan_run(store, found.sources, settings.pipeline_version, allow_erased)
    outcomes: list[CallResult | Quarantined] = []
    for item in problems_to_quarantine(found.problems):
        store.save_quarantine(item, run_id)
        outcomes.append(item)
    seen_ids: dict[str, str] = {}
    mine = 0
    report_progress(0, len(plan.todo))
    batches = claimed_batches(store, plan.todo, settings.pipeline_version, run_id, batch_size,
                              lease_s)  # fmt: skip
    running: deque[Any] = deque()
    exhausted = False
    while True:
        while not exhausted and len(running) < in_flight:
            batch = next(batches, None)
            if not batch:  # all done (None), or the rest held by other workers for now ([])
                exhausted = batch is None
                break
            running.append(process_calls.submit(batch, settings))
        if running:
            stored = store_calls(db, run_id, running.popleft().result(), seen_ids)
            seen_ids.update({o.call_id: o.path for o in stored if isinstance(o, CallResult)})
            outcomes += stored
            mine += len(stored)
            report_progress(mine, len(plan.todo))
        elif exhausted:
            break
        else:
            pause(lease_s)
    by_others = len(plan.todo) - mine
    report_progress(len(plan.todo), len(plan.todo))
    return summarise(
        run_id, source, settings.pipeline_version, started, datetime.now(UTC),
        len(found.sources) + len(found.problems), plan, outcomes, found.skipped, by_others,
    )  # fmt: skip


def _folders(reports: str | None, settings: ProcessSettings) -> Folders:
    paths = {"reports": reports, "muted_audio": settings.muted_audio,
             "transcripts": settings.transcript_cache}  # fmt: skip
    return Folders(**{k: Path(v) for k, v in paths.items() if v})


def with_dask(address: str) -> Any:
    """The nightly flow with its batches on Dask: ``local:N`` starts a local cluster of N
    worker processes, anything else is the address of a running scheduler. Each worker loads
    the models once and keeps them."""
    from prefect_dask import DaskTaskRunner

    if address.startswith("local:"):
        workers = int(address.removeprefix("local:"))
        cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True}
        runner: Any = DaskTaskRunner(cluster_kwargs=cluster)
    else:
        runner = DaskTaskRunner(address=address)
    return nightly.with_options(task_runner=runner)


def in_flight_for(dask: str | None) -> int:
    """Batches to keep in flight: two on this machine (one processing while one is stored), one
    more than the workers of a local Dask cluster, and 16 for a remote scheduler."""
    if not dask:
        return 2
    return int(dask.removeprefix("local:")) + 1 if dask.startswith("local:") else 16
