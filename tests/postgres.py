"""A PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a throw-away cluster
that the test starts as an unprivileged user on a free port (``.ci/run`` installs them)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def server_binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, else Debian's newest version."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    found_all = Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
    versions = sorted(found_all, key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """A running server; yields its URL without a database name (``…@127.0.0.1:PORT``)."""
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="callqa-pg-"))
    user = None
    if os.geteuid() == 0:  # initdb refuses root: run the server as an ordinary account
        user = next(u for u in ("postgres", "nobody") if _exists(u))
        folder.chmod(0o755)
        shutil.chown(folder, user)
    data, port = folder / "data", _free_port()
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c full_page_writes=off -c max_connections=200")  # fmt: skip
    try:
        _run([binaries / "initdb", "-D", data, "-A", "trust", "-U", "callqa", "-E", "UTF8",
              "--no-sync"], user)  # fmt: skip
        _run([binaries / "pg_ctl", "-D", data, "-l", folder / "log", "-o", options, "-w",
              "start"], user)  # fmt: skip
        yield f"postgresql+psycopg://callqa@127.0.0.1:{port}"
    finally:
        if data.exists():
            _run([binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"], user, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server: str) -> str:
    """A fresh, empty database on ``server``; returns its URL."""
    import psycopg

    name = f"callqa_{uuid.uuid4().hex[:12]}"
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def _run(command: list, user: str | None, check: bool = True) -> None:
    subprocess.run([str(c) for c in command], user=user, check=check, capture_output=True,
                   cwd="/")  # fmt: skip


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
