"""Scorecards: check, schema and backtest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callqa.pipelines import console
from callqa.pipelines.backtest import backtest
from callqa.pipelines.cli.app import app
from callqa.pipelines.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    SinceOption,
    load_card,
    load_flag_rules,
    open_store,
    parse_since,
    to_json,
)
from callqa.pipelines.workspace import (
    load_calibration,
)
from callqa.qa_rules.scorecard import Scorecard

scorecard_app = typer.Typer(help="Check, document and backtest scorecards.", no_args_is_help=True)


app.add_typer(scorecard_app, name="scorecard")


@scorecard_app.command("check")
def scorecard_check(
    path: Annotated[Path, typer.Argument(help="Scorecard YAML file, or a bundled scorecard id.")],
) -> None:
    """Validate a scorecard and list its sections and criteria."""
    card = load_card(str(path))
    typer.echo(console.scorecard_outline(card))


@scorecard_app.command("schema")
def scorecard_schema() -> None:
    """Print the JSON Schema of scorecard files (for editors and linters)."""
    typer.echo(to_json(Scorecard.model_json_schema()))


@scorecard_app.command("backtest")
def scorecard_backtest(
    path: Annotated[Path, typer.Argument(help="The scorecard YAML to try on stored calls.")],
    db: DbOption = "callqa.db",
    since: SinceOption = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Re-score stored calls with another scorecard and show what would change, including the
    review queue within the configured budget."""
    card = load_card(str(path))
    rows = open_store(db).scored_calls(parse_since(since))
    if not rows:
        typer.echo(f"error: no stored calls in {db}", err=True)
        raise typer.Exit(1)
    result = backtest(card, rows, load_flag_rules(None, config), load_calibration(db))
    typer.echo(to_json(result) if as_json else console.backtest_report(result))
