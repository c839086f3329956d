"""Erasure and retention: taking calls, or their words, out of everything callqa keeps (the
store, the case index, the report pages, the muted audio copies and the transcript cache)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callqa.models.transcript import Record
from callqa.pipelines.similar import index_path, sync_index
from callqa.pipelines.store import Store
from callqa.pipelines.transcript_cache import TranscriptCache


class Folders(Record):
    """Where a store's files live besides the database."""

    reports: Path | None = None
    muted_audio: Path | None = None
    transcripts: Path | None = None


class Erased(Record):
    """What an erasure or a retention purge removed."""

    calls: tuple[str, ...]
    cases: int
    pages: int
    audio: int
    cached: int


def forget_calls(store: Store, call_ids: Iterable[str], folders: Folders) -> Erased:
    """Erase calls everywhere: every table of the store, the index, pages, audio copies and
    cached transcripts."""
    wanted = list(call_ids)
    hashes = [h for h in map(store.stored_hash, wanted) if h]
    erased = store.forget(wanted)
    return _finish(store, erased, wanted, hashes, folders)


def purge_older_than(store: Store, days: int, folders: Folders) -> Erased:
    """Retention: drop the transcripts, quotes, cases, pages, audio copies and cached
    transcripts of calls older than ``days``; their scores, metrics and findings stay."""
    purged = store.purge_text(datetime.now(UTC) - timedelta(days=days))
    hashes = [h for h in map(store.stored_hash, purged) if h]
    return _finish(store, purged, purged, hashes, folders)


def _finish(
    store: Store, erased: list[str], wanted: list[str], hashes: list[str], folders: Folders
) -> Erased:
    counts = sync_index(store, index_path(store.url))
    files = []
    if folders.reports:
        files += [folders.reports / "calls" / f"{call_id}.html" for call_id in wanted]
    if folders.muted_audio:
        files += [folders.muted_audio / f"{call_id}.wav" for call_id in wanted]
    removed = [f for f in files if f.exists()]
    for f in removed:
        f.unlink()
    cached = TranscriptCache(folders.transcripts).drop(hashes) if folders.transcripts else 0
    return Erased(
        calls=tuple(erased),
        cases=counts["removed"],
        pages=sum(f.suffix == ".html" for f in removed),
        audio=sum(f.suffix == ".wav" for f in removed),
        cached=cached,
    )
