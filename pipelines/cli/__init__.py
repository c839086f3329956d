"""The ``callqa`` command line: thin commands over the functions of ``callqa.pipelines``, one
module per group (operations, calls, reviewing, scorecards, serving). Other packages add commands
through the ``callqa.commands`` entry-point group: a function that takes the app (evaluation's
``train`` and ``evaluate`` come so)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer
from sqlalchemy.exc import DatabaseError

from callqa.pipelines.cli.app import app
from callqa.pipelines.locks import RunLocked
from callqa.pipelines.paths import UnsafeId
from callqa.pipelines.store import StoreError
from callqa.pipelines.workspace import CalibrationError

# The command modules add their commands to the app, in the order --help lists them.
# isort: split
from callqa.pipelines.cli import operations  # noqa: F401

# isort: split
from callqa.pipelines.cli import calls, reviewing, scorecards, serving  # noqa: F401

__all__ = ["app", "main"]

for plugin in entry_points(group="callqa.commands"):
    plugin.load()(app)


def main() -> None:
    """The console entry point: the app, with store, lock and file problems as one line, exit 1."""
    try:
        app()
    except (StoreError, RunLocked, UnsafeId, CalibrationError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # a read-only or missing folder beside the store, a full disk
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    except DatabaseError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        typer.echo(f"error: the store failed: {detail}", err=True)
        sys.exit(1)
