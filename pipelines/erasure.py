"""Erasure and retention: taking calls, or their words, out of everything callqa keeps (the
store, the case index, the report pages and the muted audio copies)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from models.transcript import Record
from pipelines.similar import index_path, sync_index
from pipelines.store import Store


class Erased(Record):
    """What an erasure or a retention purge removed."""

    calls: tuple[str, ...]
    cases: int
    pages: int
    audio: int


def forget_calls(
    store: Store, call_ids: Iterable[str], reports: Path | None, muted_audio: Path | None = None
) -> Erased:
    """Erase calls everywhere: every table of the store, the index, pages and audio copies."""
    wanted = list(call_ids)
    erased = store.forget(wanted)
    return _finish(store, erased, wanted, reports, muted_audio)


def purge_older_than(
    store: Store, days: int, reports: Path | None, muted_audio: Path | None = None
) -> Erased:
    """Retention: drop the transcripts, quotes, cases, pages and audio copies of calls older
    than ``days``; their scores, metrics and findings stay for trends."""
    purged = store.purge_text(datetime.now(UTC) - timedelta(days=days))
    return _finish(store, purged, purged, reports, muted_audio)


def _finish(
    store: Store,
    erased: list[str],
    wanted: list[str],
    reports: Path | None,
    muted_audio: Path | None,
) -> Erased:
    counts = sync_index(store, index_path(store.url))
    files = [reports / "calls" / f"{call_id}.html" for call_id in wanted] if reports else []
    if muted_audio:
        files += [muted_audio / f"{call_id}.wav" for call_id in wanted]
    removed = [f for f in files if f.exists()]
    for f in removed:
        f.unlink()
    return Erased(
        calls=tuple(erased),
        cases=counts["removed"],
        pages=sum(f.suffix == ".html" for f in removed),
        audio=sum(f.suffix == ".wav" for f in removed),
    )
