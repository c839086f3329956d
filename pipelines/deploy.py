"""Scheduling the nightly flow: served from this machine (with a Prefect server it starts and
keeps alive), or deployed to a work pool that Prefect workers on other machines pull from.

Prefect's temporary server registers schedules but never fires them (its scheduler does not
run), so the one-machine path starts a real ``prefect server`` unless ``PREFECT_API_URL``
already points at one.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
SERVER_START_S = 180
DEPLOYMENT = "callqa-nightly"


@contextmanager
def local_server(port: int) -> Iterator[str]:
    """A ``prefect server`` on this machine for as long as the block runs, restarted if it
    dies; yields its API URL (also ``PREFECT_API_URL`` in this process while the block runs)."""
    url = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    done, before = threading.Event(), os.environ.get("PREFECT_API_URL")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def supervise() -> None:
        nonlocal server
        while not done.wait(2):
            if server.poll() is not None:
                if server.returncode in (-signal.SIGTERM, -signal.SIGINT):
                    return  # stopped with us (a signal to the process group): no restart
                log.warning("prefect server exited (%s); restarting", server.returncode)
                server = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )

    try:
        _wait_healthy(url, server)
        os.environ["PREFECT_API_URL"] = url
        threading.Thread(target=supervise, daemon=True).start()
        yield url
    finally:
        done.set()
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with {server.returncode} while starting")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"prefect server not healthy after {SERVER_START_S} s")


def schedule(cron: str | None, interval_s: int | None) -> dict[str, Any]:
    """Prefect's schedule keywords for a cron line or an interval in seconds."""
    if bool(cron) == bool(interval_s):
        raise ValueError("give exactly one of a cron line or an interval")
    return {"cron": cron} if cron else {"interval": interval_s}


def serve_nightly(parameters: dict[str, Any], when: dict[str, Any]) -> None:
    """Serve the nightly flow from this process until interrupted; one run at a time."""
    from callqa.pipelines.flow import nightly

    nightly.serve(name=DEPLOYMENT, parameters=parameters, limit=1, **when)


def deploy_to_pool(
    parameters: dict[str, Any], when: dict[str, Any], work_pool: str, workers: int = 1
) -> str:
    """Register the nightly deployment with a work pool; its workers run it from this checkout
    (the same path must hold callqa on every worker machine). With ``workers`` above one, each
    time comes due that many flow runs start (one schedule each, run side by side), and they
    share the night's calls through the store's claims. Returns the deployment id."""
    from prefect.schedules import Cron, Interval

    from callqa.pipelines.flow import nightly

    root = Path(__file__).resolve().parent.parent
    remote: Any = nightly.from_source(  # a Flow here (an awaitable only in async code)
        source=str(root),
        entrypoint="callqa.pipelines.flow.nightly",  # a module path: the installed package
    )
    due = Cron(when["cron"]) if "cron" in when else Interval(when["interval"])
    deployment_id = remote.deploy(
        name=DEPLOYMENT,
        work_pool_name=work_pool,
        parameters=parameters,
        concurrency_limit=workers,
        print_next_steps=False,
        schedules=[due] * workers,  # the scheduler makes one run per schedule and time
    )
    return str(deployment_id)
