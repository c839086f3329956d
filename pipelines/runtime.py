"""Process-wide settings for running flows: Prefect's environment and progress reporting.

Prefect reads its settings when imported, so :func:`configure_prefect` must run before any
module that imports Prefect (the CLI calls it first).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
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
