"""Locks on a store: runs share it, maintenance takes it alone, finishing steps take turns.

On SQLite they are ``flock`` locks on files in ``.callqa/`` beside the store, named after it;
on a server database, advisory locks held on a connection of their own, so that workers on
several machines see each other. Either way the system releases a lock when its process dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from callqa.pipelines.store import db_url, sqlite_path
from callqa.pipelines.workspace import home_of

RUNS, FINISH = 0x63710001, 0x63710002  # advisory lock keys on PostgreSQL


class RunLocked(RuntimeError):
    """The store is busy: a run holds it and maintenance was asked for, or the other way round."""


@dataclass
class _Held:
    handle: Any  # a file descriptor, or a database connection
    shared: bool
    depth: int = 0


_held: dict[tuple[str, int], _Held] = {}  # (store, lock) -> what this process holds


@contextmanager
def run_lock(db: str, shared: bool = False, wait_s: float = 0.0) -> Iterator[None]:
    """Runs take the store ``shared``: any number at once, on any machine, each claiming its own
    calls. Commands that must not overlap a run (calibrate, forget, purge, index rebuild) take
    it alone. Refuses with RunLocked naming the holder, at once or after trying for
    ``wait_s`` seconds. Re-entrant in a process."""
    key = (db_url(db), RUNS)
    held = _held.get(key)
    if held is None:
        held = _held[key] = _Held(_patiently(key[0], shared, wait_s), shared)
    elif held.shared and not shared:
        raise RunLocked("this process runs on the store; maintenance must wait for the run")
    held.depth += 1
    try:
        yield
    finally:
        held.depth -= 1
        if held.depth == 0:
            del _held[key]
            _release(held.handle)


@contextmanager
def finish_lock(db: str) -> Iterator[None]:
    """One finishing step (retention, the case index, reports) at a time: waits its turn."""
    handle = _acquire(db_url(db), FINISH, shared=False, wait=True)
    try:
        yield
    finally:
        _release(handle)


def _patiently(url: str, shared: bool, wait_s: float) -> Any:
    """The run lock, tried every second for up to ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return _acquire(url, RUNS, shared, wait=False)
        except RunLocked:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1.0)


def _acquire(url: str, key: int, shared: bool, wait: bool) -> Any:
    path = sqlite_path(url)
    if path is None and url.startswith("postgresql"):
        return _advisory(url, key, shared, wait)
    store = path.name if path is not None else "store"  # one lock per store, not per folder
    lock = home_of(url) / ".callqa" / f"{store}.{'run' if key == RUNS else 'finish'}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(fd, mode)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
        os.close(fd)
        raise RunLocked(_busy(shared, holder)) from None
    if not shared:  # say who holds it alone (shared holders leave the stamp empty)
        os.ftruncate(fd, 0)
        stamp = f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        os.pwrite(fd, stamp.encode(), 0)
    return fd


def _advisory(url: str, key: int, shared: bool, wait: bool) -> Any:
    """An advisory lock on a connection of its own (released when it closes or dies)."""
    db = create_engine(url, poolclass=NullPool).connect()
    db.execution_options(isolation_level="AUTOCOMMIT")
    function = f"pg{'' if wait else '_try'}_advisory_lock{'_shared' if shared else ''}"
    if db.execute(text(f"SELECT {function}(:key)"), {"key": key}).scalar() is False:
        holders = db.execute(
            text("SELECT string_agg(DISTINCT a.client_addr::text || ' pid ' || l.pid, ', ') "
                 "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                 "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted"),
            {"key": key},
        ).scalar()  # fmt: skip
        db.close()
        raise RunLocked(_busy(shared, f"database session {holders}" if holders else ""))
    return db


def _release(handle: Any) -> None:
    if isinstance(handle, int):
        os.ftruncate(handle, 0)
        os.close(handle)
    else:
        handle.close()  # ends the session, and its advisory locks with it


def _busy(shared: bool, holder: str) -> str:
    if shared:
        return f"maintenance is using this store ({holder or 'another process'}); wait for it"
    return f"another callqa run is using this store ({holder or 'a run'}); wait for it to finish"
