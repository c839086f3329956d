"""``callqa train`` and ``callqa evaluate``: added to the command line through the
``callqa.commands`` entry-point group (``pipelines`` may not import ``evaluation``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from callqa.evaluation.tasks import TASKS, Task, evaluate
from callqa.evaluation.training import RECIPES, train
from callqa.models.heads import WEIGHTS_DIR
from callqa.pipelines import console
from callqa.pipelines.runtime import on_progress


def register(app: typer.Typer) -> None:
    """Add the evaluation commands to the ``callqa`` app."""
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)


def train_command(
    head: Annotated[str, typer.Argument(help=f"Head to train: {', '.join(RECIPES)}.")],
    data: Annotated[Path, typer.Option(help="The data set's file or folder, as published.")],
    out: Annotated[Path, typer.Option(help="Folder for the weights and model card.")] = WEIGHTS_DIR,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Train a head on frozen sentence embeddings; write its weights and model card."""
    if head not in RECIPES:
        raise typer.BadParameter(f"{head!r}: choose one of {', '.join(RECIPES)}", param_hint="HEAD")
    _require(data)
    with console.progress_bar("Encoding") as advance:
        on_progress(advance)
        try:
            path, card = train(head, data, out, seed)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        finally:
            on_progress(None)
    typer.echo(card)
    typer.echo(f"wrote {path} and {path.with_suffix('.md')}")


def evaluate_command(
    task: Annotated[str | None, typer.Argument(help="Task to run (see --list).")] = None,
    data: Annotated[Path | None, typer.Option(help="The data set's file or folder.")] = None,
    weights: Annotated[
        Path | None, typer.Option(help="Folder of heads to evaluate (default: the shipped ones).")
    ] = None,
    list_tasks: Annotated[bool, typer.Option("--list", help="List tasks and baselines.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Score a task on a public labelled data set, with the published baseline beside it."""
    if list_tasks:
        typer.echo("\n\n".join(_describe(t) for t in TASKS.values()))
        return
    if task not in TASKS:
        raise typer.BadParameter(f"{task!r}: choose one of {', '.join(TASKS)}", param_hint="TASK")
    if data is None:
        raise typer.BadParameter(f"give --data (for example {TASKS[task].data_hint})")
    _require(data)
    with console.progress_bar("Encoding") as advance:
        on_progress(advance)
        try:
            result = evaluate(TASKS[task], data, str(weights) if weights else None)
        except (ValueError, FileNotFoundError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        finally:
            on_progress(None)
    typer.echo(json.dumps(result, indent=2) if as_json else console.evaluation(result))


def _describe(task: Task) -> str:
    published = sorted({f"{b.metric} {b.value:.2f}" for b in task.baselines})
    lines = [
        f"{task.name}: {task.summary}",
        f"  data       {task.data_hint} (in the data set's published format)",
        f"  primary    {task.primary}",
        f"  published  {', '.join(published)}",
        f"             ({'; '.join(sorted({b.source for b in task.baselines}))})",
    ]
    return "\n".join(lines)


def _require(path: Path) -> None:
    if not path.exists():
        typer.echo(f"error: {path}: no such file or folder", err=True)
        raise typer.Exit(1)
