"""Several workers on one store: each call is claimed before it is processed, so any number of
``callqa run`` processes, Prefect flow runs or machines work through one night together, each
taking calls no other holds.

A claim is a row of ``work_claims`` with a lease that the run renews while it is alive
(:class:`Heartbeat`); storing or quarantining the call removes it. A worker that dies stops
renewing, and its calls go to another once the lease has lapsed. On PostgreSQL the claim is one
``INSERT … ON CONFLICT DO UPDATE … WHERE lease lapsed``: rows another transaction is claiming
wait for it, and those it holds are skipped; on SQLite the write lock orders the claims.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from callqa.pipelines.schema import runs, work_claims
from callqa.pipelines.sources import CallSource
from callqa.pipelines.store import Store

LEASE_S = 60.0  # a claim lapses this long after its run last renewed it
BATCH_SIZE = 16  # calls claimed and processed together
log = logging.getLogger(__name__)


def claim(store: Store, sources: Sequence[CallSource], pipeline_version: str, run_id: str,
          lease_s: float = LEASE_S) -> list[CallSource]:  # fmt: skip
    """The calls of ``sources`` this run now holds: those no live claim holds and that no
    worker has stored or quarantined meanwhile."""
    if not sources:
        return []
    now = store.clock()  # the database's, so that workers agree whatever their own clocks say
    rows = [
        {"content_hash": s.content_hash, "pipeline_version": pipeline_version,
         "call_id": s.call_id, "run_id": run_id, "lease_until": now + timedelta(seconds=lease_s)}
        for s in sorted({s.content_hash: s for s in sources}.values(),
                        key=lambda s: s.content_hash)
    ]  # fmt: skip  # sorted: every statement locks claims in one order
    upsert = _insert(store)(work_claims).values(rows)
    upsert = upsert.on_conflict_do_update(
        index_elements=[work_claims.c.content_hash, work_claims.c.pipeline_version],
        set_={"run_id": run_id, "call_id": upsert.excluded.call_id,
              "lease_until": upsert.excluded.lease_until},
        where=work_claims.c.lease_until < now,
    ).returning(work_claims.c.content_hash)  # fmt: skip
    won = set(_retried(store, upsert))
    finished = store.finished_hashes(pipeline_version, won)
    if finished:  # done by a worker whose claim was removed before ours was made
        release(store, run_id, finished)
    return [s for s in sources if s.content_hash in won - finished]


def claimed_batches(store: Store, todo: Sequence[CallSource], pipeline_version: str,
                    run_id: str, batch_size: int,
                    lease_s: float = LEASE_S) -> Iterator[list[CallSource]]:  # fmt: skip
    """Batches of ``todo`` that this run has claimed, until every call is finished by this run
    or another. An empty batch means the calls left are all held by other workers now: the
    caller finishes what it has in flight, or waits (:func:`pause`), and asks again. Those
    calls come back when their worker has died (its process gone on this machine, or its
    lease lapsed)."""
    pending = list(todo)
    while pending:
        held = False
        for i in range(0, len(pending), batch_size):
            mine = claim(store, pending[i : i + batch_size], pipeline_version, run_id, lease_s)
            if mine:
                held = True
                yield mine
        finished = store.finished_hashes(pipeline_version, {s.content_hash for s in pending})
        ours = held_by(store, run_id)  # in flight: the caller is processing them
        pending = [s for s in pending if s.content_hash not in finished | ours]
        if pending and not held and not store.interrupt_dead_runs():
            yield []


def pause(lease_s: float = LEASE_S) -> None:
    """Wait a little for other workers (a quarter of the lease, at most five seconds)."""
    time.sleep(min(lease_s / 4, 5.0))


def held_by(store: Store, run_id: str) -> set[str]:
    query = select(work_claims.c.content_hash).where(work_claims.c.run_id == run_id)
    with store.engine.connect() as db:
        return set(db.execute(query).scalars())


def release(store: Store, run_id: str, hashes: set[str] | None = None) -> None:
    """Give up this run's claims (all of them, or ``hashes``) for other workers to take."""
    query = delete(work_claims).where(work_claims.c.run_id == run_id)
    if hashes is not None:
        query = query.where(work_claims.c.content_hash.in_(sorted(hashes)))
    with store.engine.begin() as db:
        db.execute(query)


def renew(store: Store, run_id: str, lease_s: float = LEASE_S) -> None:
    """Extend this run's claims and its own life by ``lease_s`` from now."""
    until = store.clock() + timedelta(seconds=lease_s)
    mine = (
        select(work_claims.c.content_hash)
        .where(work_claims.c.run_id == run_id)
        .order_by(work_claims.c.content_hash)
        .with_for_update()
    )  # locked in the order claims lock them, so a renewal and a claim never deadlock
    with store.engine.begin() as db:
        db.execute(mine).all()
        db.execute(update(work_claims).where(work_claims.c.run_id == run_id)
                   .values(lease_until=until))  # fmt: skip
        db.execute(update(runs).where(runs.c.run_id == run_id).values(alive_until=until))


class Heartbeat:
    """Renews a run's claims every third of the lease in a thread, while the run is alive; on
    leaving, gives back the claims of calls it did not finish (an error stopped the run)."""

    def __init__(self, store: Store, run_id: str, lease_s: float = LEASE_S) -> None:
        self.store, self.run_id, self.lease_s = store, run_id, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="callqa-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self._stop.set()
        self._thread.join()
        release(self.store, self.run_id)

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                renew(self.store, self.run_id, self.lease_s)
            except Exception as exc:  # a database hiccup: the next beat tries again
                log.warning("run %s could not renew its claims: %s", self.run_id, exc)


RETRIES = 3


def _retried(store: Store, statement: Any) -> list[Any]:
    """Run a claim, again when PostgreSQL chose it as a deadlock's or a serialisation's
    victim (two workers' statements crossing; nothing was written)."""
    attempt = 0
    while True:
        try:
            with store.engine.begin() as db:
                return list(db.execute(statement).scalars())
        except OperationalError as exc:
            attempt += 1
            crossed = getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")
            if not crossed or attempt == RETRIES:
                raise
            time.sleep(0.1 * attempt)


def _insert(store: Store) -> Callable[[Table], Any]:
    dialect = store.engine.dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"claiming work needs SQLite or PostgreSQL, not {dialect}")
