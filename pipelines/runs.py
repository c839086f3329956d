"""A run as plain functions: plan what is new, store each outcome, summarise.

The Prefect flow in :mod:`callqa.pipelines.flow` wires these together; tests call them directly.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from callqa.models.transcript import Record
from callqa.pipelines.records import CallResult, Quarantined, RunSummary
from callqa.pipelines.sources import CallSource, Skipped, SourceProblem
from callqa.pipelines.store import Store


class RunPlan(Record):
    """What a run will do: the calls to process and those skipped as already done."""

    todo: tuple[CallSource, ...]
    unchanged: int = 0
    already_quarantined: int = 0
    skipped: tuple[Skipped, ...] = ()  # same bytes as another file of the run; erased calls


def plan_run(
    store: Store, sources: list[CallSource], pipeline_version: str, allow_erased: bool = False
) -> RunPlan:
    """Skip files already processed by this pipeline version or already quarantined, and
    erased calls (unless ``allow_erased``).

    Within the batch, a second file with the same bytes is skipped and named; a second file
    claiming the same call id with other content is quarantined when stored.
    """
    done = store.processed_hashes(pipeline_version)
    bad = store.quarantined_hashes(pipeline_version)
    erased, erased_ids = (set(), set()) if allow_erased else store.erased()
    todo: list[CallSource] = []
    skipped: list[Skipped] = []
    unchanged = already_quarantined = 0
    first_path: dict[str, str] = {}
    for src in sources:
        if src.content_hash in first_path:
            same = first_path[src.content_hash]
            skipped.append(Skipped(path=src.path, reason=f"same content as {same}"))
        elif src.content_hash in done:
            unchanged += 1
        elif src.content_hash in erased or src.call_id in erased_ids:
            reason = "an erased call (callqa forget); --allow-erased to process it again"
            skipped.append(Skipped(path=src.path, reason=reason))
        elif src.content_hash in bad:
            already_quarantined += 1
        else:
            todo.append(src)
        first_path.setdefault(src.content_hash, src.path)
    return RunPlan(
        todo=tuple(todo),
        unchanged=unchanged,
        already_quarantined=already_quarantined,
        skipped=tuple(skipped),
    )


def record_idle_run(
    store: Store,
    source: str,
    pipeline_version: str,
    discovered: int,
    plan: RunPlan,
    skipped: Sequence[Skipped] = (),
) -> RunSummary:
    """Record a run that found nothing new, without starting the flow (no Prefect server)."""
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    store.start_run(run_id, source, pipeline_version)
    summary = summarise(
        run_id, source, pipeline_version, started, datetime.now(UTC), discovered, plan, [],
        skipped,
    )  # fmt: skip
    store.complete_run(summary)
    return summary


def new_run_id(started: datetime) -> str:
    return started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def store_outcome(
    store: Store, outcome: CallResult | Quarantined, run_id: str, seen_ids: dict[str, str]
) -> CallResult | Quarantined | None:
    """Store one call, or quarantine it if its id is taken by other content. Returns what was
    kept: None when another worker holds or stored the call (this run's claim lapsed).

    ``seen_ids`` maps call ids stored in this run to their paths, to catch duplicates in a batch.
    """
    if isinstance(outcome, CallResult):
        stored = store.stored_hash(outcome.call_id)
        other = seen_ids.get(outcome.call_id)
        if (other is not None and other != outcome.path) or (
            stored is not None and stored != outcome.content_hash
        ):
            where = f"by {other} in this run" if other else "already stored"
            outcome = Quarantined(
                call_id=outcome.call_id,
                path=outcome.path,
                content_hash=outcome.content_hash,
                reason=f"duplicate call id {outcome.call_id!r} with different content "
                f"({where}); remove the old call to replace it",
                stage="plan",
            )
        else:
            if not store.save_call(outcome, run_id):
                return None
            seen_ids[outcome.call_id] = outcome.path
            return outcome
    return outcome if store.save_quarantine(outcome, run_id) else None


def problems_to_quarantine(problems: list[SourceProblem]) -> list[Quarantined]:
    return [
        Quarantined(
            call_id=p.call_id,
            path=p.path,
            content_hash=p.content_hash,
            reason=p.reason,
            stage="discover",
        )
        for p in problems
    ]


def summarise(
    run_id: str,
    source: str,
    pipeline_version: str,
    started_at: datetime,
    finished_at: datetime,
    discovered: int,
    plan: RunPlan,
    outcomes: list[CallResult | Quarantined],
    skipped: Sequence[Skipped] = (),
    by_other_workers: int = 0,
) -> RunSummary:
    results = [o for o in outcomes if isinstance(o, CallResult)]
    labels = Counter(f.label for r in results for f in r.findings)
    return RunSummary(
        run_id=run_id,
        source=source,
        pipeline_version=pipeline_version,
        started_at=started_at,
        finished_at=finished_at,
        discovered=discovered,
        processed=len(results),
        unchanged=plan.unchanged,
        already_quarantined=plan.already_quarantined,
        by_other_workers=by_other_workers,
        quarantined=tuple(o for o in outcomes if isinstance(o, Quarantined)),
        skipped=(*skipped, *plan.skipped),
        findings=sum(labels.values()),
        findings_by_label=dict(labels.most_common()),
        audio_seconds=sum(
            r.transcript.duration or 0.0 for r in results if r.transcript.source.startswith("asr")
        ),
    )
