"""Process-wide settings for running flows: Prefect's environment and progress reporting.

Prefect reads its settings when imported, so :func:`configure_prefect` must run before any
module that imports Prefect (the CLI calls it first).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ProgressCallback = Callable[[int, int], None]
_progress: ProgressCallback | None = None


def configure_prefect(home: Path, verbose: bool = False) -> None:
    """Defaults for a local, quiet Prefect: own home, no analytics, patient ephemeral server.

    Values already in the environment win, so operators can point at a real Prefect server.
    """
    defaults = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "PREFECT_LOGGING_LEVEL": "INFO" if verbose else "WARNING",
        "PREFECT_LOGGING_LOG_PRINTS": "false",
        # callqa's module loggers (quarantines, retries, time limits) in the flow run's logs
        "PREFECT_LOGGING_EXTRA_LOGGERS": "callqa",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",  # the console has them outside a run
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    home.mkdir(parents=True, exist_ok=True)


def create_temporary_server_database() -> None:
    """Create the temporary server's database (SQLite in Prefect's home) and its block types
    if it is not there yet, one process at a time: runs started together on a new folder would
    otherwise each create them at once, and all but one fail. Nothing to do when a Prefect
    server or database is configured. Call after :func:`configure_prefect`, before a flow runs.
    """
    home = Path(os.environ["PREFECT_HOME"])
    configured = {"PREFECT_API_URL", "PREFECT_API_DATABASE_CONNECTION_URL"} & set(os.environ)
    if configured or (home / "prefect.db").exists():
        return
    with open(home / "database.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / "prefect.db").exists():  # another run may have made it meanwhile
            asyncio.run(_create_database())


async def _create_database() -> None:
    """What Prefect's server does at start: migrate its database and register block types."""
    from prefect.server.database import provide_database_interface
    from prefect.server.models.block_registration import run_block_auto_registration

    database = provide_database_interface()
    await database.create_db()
    async with await database.session() as session:
        await run_block_auto_registration(session=session)


def tie_temporary_server_to_this_process() -> None:
    """Make Prefect's temporary server (a uvicorn child process) die with this process, even
    when this process is killed with SIGKILL: Linux sends the child SIGTERM when its parent
    dies (``PR_SET_PDEATHSIG``). Call after Prefect is imported, before a flow runs."""
    import subprocess
    import types

    import prefect.server.api.server as server

    if not sys.platform.startswith("linux") or getattr(server, "_callqa_tied", False):
        return

    def popen(*args: object, **kwargs: object) -> subprocess.Popen:
        return subprocess.Popen(*args, preexec_fn=_die_with_parent, **kwargs)  # type: ignore[call-overload]

    shim = types.SimpleNamespace(**{**vars(subprocess), "Popen": popen})
    server.subprocess = shim  # type: ignore[assignment]  # only that module's name for it
    server._callqa_tied = True  # type: ignore[attr-defined]


_leaving_on_sigterm = False  # within the CLI's leaving_on_sigterm(): the flow takes SIGTERM over


@contextmanager
def leaving_on_sigterm() -> Iterator[None]:
    """While it lasts, SIGTERM ends the process at once (status 143), in the flow too
    (:func:`take_over_sigterm`). Calls already stored are kept and the next run does the rest,
    as after a kill -9; a scheduler's stop no longer waits for the batch in hand and a minute of
    retries against the Prefect server the same signal stopped."""
    global _leaving_on_sigterm
    previous = signal.signal(signal.SIGTERM, _stop)
    _leaving_on_sigterm = True
    try:
        yield
    finally:
        _leaving_on_sigterm = False
        signal.signal(signal.SIGTERM, previous)


def take_over_sigterm() -> None:
    """In a flow run by ``callqa run`` (not a deployment, whose runner cancels a flow run with
    SIGTERM and must get Prefect's handling), put back the handler Prefect swapped out."""
    if _leaving_on_sigterm and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)


def _stop(signum: int, frame: object) -> None:
    sys.stderr.write("error: stopped by SIGTERM; the calls stored so far are kept and the next "
                     "run does the rest\n")  # fmt: skip
    sys.stderr.flush()
    os._exit(128 + signum)


def _die_with_parent() -> None:
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def on_progress(callback: ProgressCallback | None) -> None:
    """Register the function told ``(done, total)`` as calls finish (the CLI's progress bar)."""
    global _progress
    _progress = callback


def report_progress(done: int, total: int) -> None:
    if _progress is not None:
        _progress(done, total)
