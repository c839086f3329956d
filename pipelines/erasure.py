"""Erasure and retention: taking calls, or their words, out of everything callqa keeps (the
store, the case index, the report pages, the muted audio copies and the transcript cache).

Only files of calls actually erased are deleted, each through :func:`file_in` (inside its
folder); an erased call leaves a tombstone in the store so the next run does not ingest it
again, and every page that quoted it (coaching plans, run pages) is rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callqa.models.transcript import Record
from callqa.pipelines.paths import UnsafeId, file_in
from callqa.pipelines.publish import refresh_reports
from callqa.pipelines.similar import index_path, sync_index
from callqa.pipelines.store import Store
from callqa.pipelines.transcript_cache import TranscriptCache
from callqa.pipelines.workspace import Folders
from callqa.qa_rules.scorecard import DEFAULT_SCORECARD, load_scorecard


class Erased(Record):
    """What an erasure or a retention purge removed."""

    calls: tuple[str, ...]
    cases: int
    pages: int
    audio: int
    cached: int


def forget_calls(
    store: Store,
    call_ids: Iterable[str],
    folders: Folders,
    scorecard: str = DEFAULT_SCORECARD,
    actor: str = "callqa",
) -> Erased:
    """Erase stored calls everywhere: every table of the store (leaving a tombstone and an
    audit entry naming ``actor``), the index, their pages, audio copies and cached transcripts;
    pages quoting them are rebuilt. Ids that are not stored are left alone (the result lists
    only what was erased)."""
    wanted = list(dict.fromkeys(call_ids))
    hashes = {call_id: store.stored_hash(call_id) for call_id in wanted}
    erased = store.forget(wanted, actor)
    return _finish(store, erased, [h for c in erased if (h := hashes[c])], folders, scorecard)


def purge_older_than(
    store: Store, days: int, folders: Folders, scorecard: str = DEFAULT_SCORECARD
) -> Erased:
    """Retention: drop the transcripts, quotes, cases, pages, audio copies and cached
    transcripts of calls older than ``days``; their scores, metrics and findings stay."""
    purged = store.purge_text(datetime.now(UTC) - timedelta(days=days))
    hashes = [h for h in map(store.stored_hash, purged) if h]
    return _finish(store, purged, hashes, folders, scorecard)


def _finish(
    store: Store, call_ids: list[str], hashes: list[str], folders: Folders, scorecard: str
) -> Erased:
    counts = sync_index(store, index_path(store.url))
    pages = audio = 0
    for call_id in call_ids:
        if folders.reports:
            pages += _remove(folders.reports / "calls", call_id, ".html")
        if folders.muted_audio:
            audio += _remove(folders.muted_audio, call_id, ".wav")
    if folders.reports and call_ids and folders.reports.is_dir():
        refresh_reports(store, load_scorecard(scorecard), folders.reports, call_ids)
    cached = TranscriptCache(folders.transcripts).drop(hashes) if folders.transcripts else 0
    return Erased(calls=tuple(call_ids), cases=counts["removed"], pages=pages, audio=audio,
                  cached=cached)  # fmt: skip


def _remove(folder: Path, call_id: str, suffix: str) -> bool:
    """Delete the call's file in ``folder`` if there is one; True if one was deleted. An id
    that cannot name a file (stored by an older callqa) names none."""
    try:
        path = file_in(folder, call_id, suffix)
    except UnsafeId:
        return False
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed
