"""The ``nightly`` Prefect flow: discover new calls, process them in batches, store, index their
cases, summarise, report.

Tasks are one call each into the plain functions of :mod:`callqa.pipelines.process` and
:mod:`callqa.pipelines.runs`, and pass records, never model objects. Idempotency comes from
the store (content hash + pipeline version), not from Prefect's cache, so caching is off.
"""

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff
from sqlalchemy.exc import OperationalError

from callqa.pipelines.erasure import purge_older_than
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
from callqa.pipelines.runtime import report_progress
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
    run_lock,
)
from callqa.qa_rules.scorecard import load_scorecard

BATCH_SIZE = 16
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
    store, seen = Store(db), dict(seen_ids)
    return [store_or_quarantine(store, o, run_id, seen) for o in outcomes]


def store_or_quarantine(
    store: Store, outcome: CallResult | Quarantined, run_id: str, seen: dict[str, str]
) -> CallResult | Quarantined:
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
        store.save_quarantine(failed, run_id)
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
) -> RunSummary:
    """Process every new call under ``source`` into the store at ``db`` (a SQLAlchemy URL);
    with ``reports``, write that folder's HTML: a page per processed call and the run summary;
    with ``retention_days``, purge the words of older calls.

    One run at a time per store (:func:`run_lock`). Batches are processed by the flow's task
    runner (one at a time in a worker thread by default, so storing one overlaps processing
    the next; see :func:`with_dask` to scale out) and stored here as each is done. A failure
    after calls were stored (retention, index, reports) marks the run failed; the next run
    brings the index and the pages in step."""
    settings = settings or ProcessSettings(label_thresholds=load_calibration(db))
    with run_lock(db):
        return _nightly(source, db, since, manifest, settings, batch_size, reports,
                        retention_days, follow_links, allow_erased)  # fmt: skip


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
) -> RunSummary:
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    store = Store(db)
    store.start_run(run_id, source, settings.pipeline_version)
    try:
        card = load_scorecard(settings.scorecard)
        store.freeze_scorecard(card)
        remove_stale_temporaries(_folders(reports, settings), index_path(db))
        found = discover_calls(
            Path(source), Path(manifest) if manifest else None, since, follow_links
        )
        plan = plan_run(store, found.sources, settings.pipeline_version, allow_erased)
        outcomes: list[CallResult | Quarantined] = []
        for item in problems_to_quarantine(found.problems):
            store.save_quarantine(item, run_id)
            outcomes.append(item)
        seen_ids: dict[str, str] = {}
        todo, done = list(plan.todo), 0
        report_progress(0, len(todo))
        batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
        running = [process_calls.submit(batch, settings) for batch in batches]
        for batch, future in zip(batches, running, strict=True):  # stored in order
            stored = store_calls(db, run_id, future.result(), seen_ids)
            seen_ids.update({o.call_id: o.path for o in stored if isinstance(o, CallResult)})
            outcomes += stored
            done += len(batch)
            report_progress(done, len(todo))
        summary = summarise(
            run_id,
            source,
            settings.pipeline_version,
            started,
            datetime.now(UTC),
            len(found.sources) + len(found.problems),
            plan,
            outcomes,
            found.skipped,
        )
        if retention_days:
            apply_retention(db, retention_days, reports, settings)
        index_cases(db)
        store.complete_run(summary)
        if reports:
            write_reports(db, summary, settings.scorecard, reports)
    except BaseException as exc:
        store.fail_run(run_id, f"{type(exc).__name__}: {exc}"[:500])
        raise
    return summary


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
