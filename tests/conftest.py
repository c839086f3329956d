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
    home = Path(config.rootpath) / ".pytest_cache" / "prefect-home"
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


@pytest.fixture
def every_label_proven(monkeypatch):
    """Every finding label measured precise, so tests of scoring and flags do not depend on the
    shipped precision table."""
    from callqa.qa_rules import precision

    class Proven(dict):
        def get(self, label, default=None):
            return super().get(label, (1.0, 100))

    proven = Proven()
    monkeypatch.setattr(precision, "measured", lambda: proven)
    return proven
