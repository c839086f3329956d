"""The ``nightly`` Prefect flow: discover new calls, process them in batches, store, index their
cases, summarise, report.

Tasks are one call each into the plain functions of :mod:`callqa.pipelines.process` and
:mod:`callqa.pipelines.batch`, and pass records, never model objects. Idempotency comes from
the store (content hash + pipeline version), not from Prefect's cache, so caching is off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callqa.pipelines.batch import (
    RunSummary,
    new_run_id,
    plan_run,
    problems_to_quarantine,
    store_outcome,
    summarise,
)
from callqa.pipelines.erasure import Folders, purge_older_than
from callqa.pipelines.process import (
    PIPELINE_VERSION,
    CallResult,
    ProcessSettings,
    Quarantined,
    process_batch,
)
from callqa.pipelines.reports import write_run_reports
from callqa.pipelines.runtime import report_progress
from callqa.pipelines.similar import (
    index_path,
    open_index,
    peer_exemplars,
    similar_to_call,
    sync_index,
)
from callqa.pipelines.sources import CallSource, discover_calls
from callqa.pipelines.store import Store
from callqa.qa_rules.scorecard import load_scorecard
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff
from sqlalchemy.exc import OperationalError

BATCH_SIZE = 16


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


RETRIES = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),  # 2, 4, 8 s
    "retry_condition_fn": transient_only,
}


@task(name="store-calls", cache_policy=NO_CACHE, **RETRIES)
def store_calls(
    db: str, run_id: str, outcomes: list[CallResult | Quarantined], seen_ids: dict[str, str]
) -> list[CallResult | Quarantined]:
    store, seen = Store(db), dict(seen_ids)
    return [store_outcome(store, o, run_id, seen) for o in outcomes]


@task(name="index-cases", cache_policy=NO_CACHE, **RETRIES)
def index_cases(db: str) -> dict[str, int]:
    return sync_index(Store(db), index_path(db))


@task(name="apply-retention", cache_policy=NO_CACHE, **RETRIES)
def apply_retention(db: str, days: int, reports: str | None, settings: ProcessSettings) -> int:
    paths = {"reports": reports, "muted_audio": settings.muted_audio,
             "transcripts": settings.transcript_cache}  # fmt: skip
    folders = Folders(**{k: Path(v) for k, v in paths.items() if v})
    return len(purge_older_than(Store(db), days, folders).calls)


@task(name="write-reports", cache_policy=NO_CACHE)
def write_reports(db: str, summary: RunSummary, scorecard: str, folder: str) -> str:
    store = Store(db)
    calls = [store.get_call(row["call_id"]) for row in store.list_calls(run_id=summary.run_id)]
    calls = [c for c in calls if c]
    index = open_index(index_path(db))
    ids = [c["call"]["call_id"] for c in calls]
    resolutions = {call_id: similar_to_call(store, index, call_id) for call_id in ids}
    agents = {c["call"]["agent_id"] for c in calls if c["call"]["agent_id"]}
    exemplars = {a: peer_exemplars(store, index, a) for a in agents} if index else {}
    card = load_scorecard(scorecard)
    history = store.scored_calls()
    folder_path = Path(folder)
    return str(
        write_run_reports(summary, calls, history, card, folder_path, resolutions, exemplars)
    )


@flow(name="nightly", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=1))
def nightly(
    source: str,
    db: str,
    since: datetime | None = None,
    manifest: str | None = None,
    settings: ProcessSettings | None = None,
    batch_size: int = BATCH_SIZE,
    reports: str | None = None,
    retention_days: int | None = None,
) -> RunSummary:
    """Process every new call under ``source`` into the store at ``db`` (a SQLAlchemy URL);
    with ``reports``, write that folder's HTML: a page per processed call and the run summary;
    with ``retention_days``, purge the words of older calls.

    Batches are processed by the flow's task runner (one at a time in a worker thread by
    default, so storing one overlaps processing the next; see :func:`with_dask` to scale out)
    and stored here as each is done."""
    settings = settings or ProcessSettings()
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    store = Store(db)
    store.start_run(run_id, source, PIPELINE_VERSION)
    try:
        store.freeze_scorecard(load_scorecard(settings.scorecard))
        sources, problems = discover_calls(
            Path(source), Path(manifest) if manifest else None, since
        )
        plan = plan_run(store, sources, PIPELINE_VERSION)
        outcomes: list[CallResult | Quarantined] = []
        for item in problems_to_quarantine(problems):
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
            PIPELINE_VERSION,
            started,
            datetime.now(UTC),
            len(sources) + len(problems),
            plan,
            outcomes,
        )
    except BaseException:
        store.finish_run(run_id, "failed", {})
        raise
    if retention_days:
        apply_retention(db, retention_days, reports, settings)
    index_cases(db)
    store.finish_run(run_id, "completed", summary.model_dump(mode="json"))
    if reports:
        write_reports(db, summary, settings.scorecard, reports)
    return summary


def with_dask(address: str) -> Any:
    """The nightly flow with its batches on Dask: ``local:N`` starts a local cluster of N
    worker processes, anything else is the address of a running scheduler. Each worker loads
    the models once and keeps them."""
    from prefect_dask import DaskTaskRunner

    if address.startswith("local:"):
        workers = int(address.removeprefix("local:"))
        cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True}
        return nightly.with_options(task_runner=DaskTaskRunner(cluster_kwargs=cluster))
    return nightly.with_options(task_runner=DaskTaskRunner(address=address))
