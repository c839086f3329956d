"""Similar past resolutions: keep the case index in step with the store, and query it.

The store is the source of truth (case rows with their vectors); the FAISS file beside it is
derived. :func:`sync_index` adds the store's new cases and drops the ones it no longer has
(erasure, re-processed calls), so a run that crashed before syncing is caught up by the next.
Every resolved call is a case, whatever its score; results are filtered (resolved, queue, not
the same call or customer; a lowest score only when asked) and ranked by similarity plus a small
bonus for a higher score.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from callqa.models.case_index import APPROXIMATE_FROM, CaseIndex
from callqa.pipelines.records import StoredCase
from callqa.pipelines.store import Store

log = logging.getLogger(__name__)

QUALITY_WEIGHT = 0.1  # a 100-point call outranks a 50-point one at up to 0.05 less similarity
CANDIDATES = 50  # neighbours fetched before filtering
PEER_BAR = 70.0  # coaching pairs an agent's calls under this score with a peer's similar case


@dataclass(frozen=True)
class CaseFilter:
    """Which past cases may be shown. ``None`` switches a condition off."""

    outcome: str | None = "resolved"
    min_score: float | None = None  # the score ranks cases; it excludes none unless asked
    min_similarity: float = 0.5
    queue: str | None = None  # only cases from this queue (cases with no queue pass)
    exclude_call: str | None = None
    exclude_customer: str | None = None
    exclude_agent: str | None = None  # coaching: show how peers solved it

    def admits(self, case: StoredCase) -> bool:
        score = case.total
        return (
            (self.outcome is None or case.outcome == self.outcome)
            and (self.min_score is None or (score is not None and score >= self.min_score))
            and not case.auto_failed
            and (self.queue is None or case.queue in (None, self.queue))
            and case.call_id != self.exclude_call
            and (self.exclude_customer is None or case.customer_id != self.exclude_customer)
            and (self.exclude_agent is None or case.agent_id != self.exclude_agent)
        )


@dataclass(frozen=True)
class SimilarCase:
    case: StoredCase
    similarity: float
    rank: float


@dataclass(frozen=True)
class SimilarCases:
    """A stored call's own issue (quoted) and the similar past cases found for it."""

    issue: str
    similar: list[SimilarCase]


def index_path(url: str) -> Path:
    """Where the case index lives: ``CALLQA_INDEX``, else beside a SQLite store, else here."""
    if os.environ.get("CALLQA_INDEX"):
        return Path(os.environ["CALLQA_INDEX"])
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).with_suffix(".cases.faiss")
    return Path.cwd() / "callqa.cases.faiss"


def open_index(path: Path) -> CaseIndex | None:
    """The saved index, or None when there is none yet or it cannot be read (a truncated or
    damaged file: :func:`sync_index` rebuilds it from the store)."""
    if not path.exists():
        return None
    try:
        return CaseIndex.load(path)
    except Exception as exc:  # faiss raises RuntimeError on a damaged file
        log.warning("case index %s unreadable (%s); it will be rebuilt", path, type(exc).__name__)
        return None


def open_synced_index(store: Store) -> CaseIndex | None:
    """The store's index, rebuilt first when it is missing or damaged but the store has cases."""
    path = index_path(store.url)
    index = open_index(path)
    if index is None and store.case_ids():
        rebuild_index(store, path)
        index = open_index(path)
    return index


def sync_index(store: Store, path: Path) -> dict[str, int]:
    """Bring the saved index in step with the store's cases; returns added, removed, total.
    An exact index that has grown past ``APPROXIMATE_FROM`` cases is rebuilt as an IVF."""
    index = open_index(path)
    stored = store.case_ids()
    if index is None or (index.kind == "exact" and len(stored) >= APPROXIMATE_FROM):
        return rebuild_index(store, path)
    indexed = set(index.ids().tolist())
    stale, new = indexed - stored, stored - indexed
    removed = index.remove(np.array(sorted(stale), dtype=np.int64))
    ids, vectors = (
        store.case_vectors(sorted(new)) if new else (np.zeros(0, np.int64), np.zeros((0, 0)))
    )
    index.add(ids, vectors)
    if stale or new:
        index.save(path)
    return {"added": len(ids), "removed": removed, "total": len(index)}


def rebuild_index(store: Store, path: Path) -> dict[str, int]:
    """A new index from every case in the store (exact or approximate by size), saved atomically."""
    ids, vectors = store.case_vectors()
    if not len(ids):
        if path.exists():
            path.unlink()
        return {"added": 0, "removed": 0, "total": 0}
    index = CaseIndex.build(ids, vectors)
    index.save(path)
    return {"added": len(ids), "removed": 0, "total": len(index)}


def similar_cases(
    store: Store, index: CaseIndex, vector: np.ndarray, k: int = 3, where: CaseFilter = CaseFilter()
) -> list[SimilarCase]:
    """The ``k`` best past cases for an issue vector, filtered and ranked."""
    hits = [(i, s) for i, s in index.search(vector, CANDIDATES)[0] if s >= where.min_similarity]
    found = store.cases_where(i for i, _ in hits)
    ranked = [
        SimilarCase(found[i], round(s, 3), s + QUALITY_WEIGHT * (found[i].total or 0) / 100)
        for i, s in hits
        if i in found and where.admits(found[i])
    ]
    return sorted(ranked, key=lambda c: -c.rank)[:k]


def similar_to_call(
    store: Store,
    index: CaseIndex | None,
    call_id: str,
    k: int = 3,
    where: CaseFilter = CaseFilter(),
    same_queue: bool = False,
) -> SimilarCases | None:
    """Similar past cases for a stored call (None when the call has no case), never the call
    itself nor the same customer's calls; with ``same_queue``, only cases from its queue."""
    case = store.case_of_call(call_id)
    if case is None:
        return None
    where = replace(
        where,
        exclude_call=call_id,
        exclude_customer=case.customer_id,
        queue=case.queue if same_queue else where.queue,
    )
    issue = " ".join(e.quote for e in case.issue)
    if index is None:
        return SimilarCases(issue, [])
    _, vectors = store.case_vectors([case.case_id])
    return SimilarCases(issue, similar_cases(store, index, vectors[0], k, where))


def peer_cases(
    store: Store, index: CaseIndex, agent_id: str, n: int = 3
) -> list[tuple[StoredCase, SimilarCase]]:
    """For the agent's weakest calls (unresolved or under the score bar), the best-handled
    similar case by another agent: (the agent's case, the peer's)."""
    bar = PEER_BAR
    own = [
        c for c in store.cases_where(agent_id=agent_id).values()
        if c.outcome != "resolved" or (c.total or 0) < bar
    ]  # fmt: skip
    pairs = []
    for case in sorted(own, key=lambda c: c.total or 0):
        peers = CaseFilter(exclude_agent=agent_id)
        found = similar_to_call(store, index, case.call_id, 1, peers)
        if found and found.similar:
            pairs.append((case, found.similar[0]))
        if len(pairs) == n:
            break
    return pairs
