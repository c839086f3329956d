"""The report folder kept in step with the store: a run's pages after it, and every page
refreshed after erasure, retention or a failed run (pages of calls no longer stored removed,
missing pages written, coaching plans and run pages rebuilt from what is stored now)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from callqa.pipelines.paths import SAFE_ID, file_in
from callqa.pipelines.records import CallFilter, RunSummary
from callqa.pipelines.reports import (
    write_call_pages,
    write_coaching_plans,
    write_index,
    write_run_page,
)
from callqa.pipelines.similar import open_synced_index, peer_cases, similar_to_call
from callqa.pipelines.store import Store
from callqa.qa_rules.scorecard import Scorecard

log = logging.getLogger(__name__)
GENERATOR = '<meta name="generator" content="callqa">'


def publish_run(store: Store, summary: RunSummary, card: Scorecard, folder: Path) -> Path:
    """The run's call pages, its agents' coaching plans and its run page; returns index.html."""
    ids = [row.call_id for row in store.list_calls(CallFilter(run_id=summary.run_id))]
    write_call_pages_for(store, ids, card, folder)
    calls = [c for c in map(store.get_call, ids) if c]
    agents = sorted({c.row.agent_id for c in calls if c.row.agent_id})
    write_agent_plans(store, agents, card, folder)
    write_run_page(summary, calls, agents, folder)
    return write_store_index(store, folder)


def refresh_reports(
    store: Store, card: Scorecard, folder: Path, erased: Sequence[str] = ()
) -> bool:
    """Bring the report folder in step with the store: remove pages of calls no longer
    stored, write missing ones and those that mention an ``erased`` call (as a similar past
    resolution) and, when anything changed, rebuild every coaching plan and run page.
    Returns whether anything was rewritten."""
    stored = {row.call_id: row for row in store.list_calls()}
    calls_dir = folder / "calls"
    present = {p.stem for p in calls_dir.glob("*.html")} if calls_dir.is_dir() else set()
    if not erased and present == set(stored):
        return False
    quoting = {p.stem for p in calls_dir.glob("*.html") if p.stem in stored
               and any(e in p.read_text(encoding="utf-8") for e in erased)}  # fmt: skip
    for stale in present - set(stored):
        page = file_in(calls_dir, stale, ".html") if SAFE_ID.fullmatch(stale) else None
        if page is not None and _ours(page):
            page.unlink(missing_ok=True)
    write_call_pages_for(store, sorted((set(stored) - present) | quoting), card, folder)
    agents = sorted({row.agent_id for row in stored.values() if row.agent_id})
    agents_dir = folder / "agents"
    if agents_dir.is_dir():
        for page in [*agents_dir.glob("*.html"), *agents_dir.glob("*.md")]:
            if page.stem not in agents and SAFE_ID.fullmatch(page.stem) and _ours(page):
                file_in(agents_dir, page.stem, page.suffix).unlink(missing_ok=True)
    write_agent_plans(store, agents, card, folder)
    for summary in _completed_runs(store):
        ids = [row.call_id for row in store.list_calls(CallFilter(run_id=summary.run_id))]
        calls = [c for c in map(store.get_call, ids) if c]
        own = sorted({c.row.agent_id for c in calls if c.row.agent_id})
        write_run_page(summary, calls, own, folder)
    write_store_index(store, folder)
    return True


def write_store_index(store: Store, folder: Path) -> Path:
    """``index.html`` over every stored call and every completed run, newest first."""
    rows = sorted(
        store.scored_calls(),
        key=lambda r: r.started_at.timestamp() if r.started_at else float("-inf"),
        reverse=True,
    )
    agents = sorted({r.agent_id for r in rows if r.agent_id})
    return write_index(rows, _completed_runs(store), agents, folder)


def _completed_runs(store: Store) -> list[RunSummary]:
    return [r.summary for r in store.list_runs(limit=1000) if r.summary is not None]


def _ours(page: Path) -> bool:
    """A page callqa wrote (its generator mark, or a coaching plan's heading), not a file
    someone else keeps in the folder."""
    with open(page, encoding="utf-8", errors="replace") as handle:
        head = handle.read(2000)
    return GENERATOR in head or head.startswith("# Coaching plan: ")


def write_call_pages_for(store: Store, ids: list[str], card: Scorecard, folder: Path) -> None:
    """Call pages for stored calls ``ids``, with their similar past resolutions."""
    if not ids:
        return
    index = open_synced_index(store)
    calls = [c for c in map(store.get_call, ids) if c]
    found = {c.call_id: similar_to_call(store, index, c.call_id) for c in calls}
    write_call_pages(calls, card, folder / "calls", similar=found)


def write_agent_plans(store: Store, agents: list[str], card: Scorecard, folder: Path) -> None:
    """Coaching plans (HTML and Markdown) for ``agents``, from every stored scored call."""
    index = open_synced_index(store)
    peers = {a: peer_cases(store, index, a) for a in agents} if index else {}
    write_coaching_plans(agents, store.scored_calls(), card, folder / "agents", peers)
