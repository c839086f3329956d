"""Shared fixtures: offline models, a private Prefect home, the bundled sample."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from callqa.pipelines.runtime import configure_prefect  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # a home of its own for each xdist worker
    home = Path(config.rootpath) / ".pytest_cache" / f"prefect-home-{worker or 'main'}"
    configure_prefect(home)


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for every test that runs a flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session's tests (its URL, without a database)."""
    from tests.postgres import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_url(request, tmp_path, monkeypatch) -> str:
    """A new, empty store on each backend: a SQLite file, and a PostgreSQL database (its case
    index, reports and Prefect home in the test's folder; in the full suite only)."""
    from callqa.pipelines.store import db_url
    from tests.postgres import new_database

    if request.param == "sqlite":
        return db_url(tmp_path / "callqa.db")
    monkeypatch.setenv("CALLQA_INDEX", str(tmp_path / "callqa.cases.faiss"))
    monkeypatch.chdir(tmp_path)
    return new_database(request.getfixturevalue("postgres"))


@pytest.fixture
def every_label_proven(monkeypatch):
    """Every finding label measured precise, so tests of scoring and flags do not depend on the
    shipped precision table."""
    from callqa.qa_rules import precision

    class Proven(dict):
        def get(self, label, default=None):
            return super().get(label, precision.Measured(1.0, 100, 1.0, 20))

    proven = Proven()
    monkeypatch.setattr(precision, "measured", lambda: proven)
    return proven
