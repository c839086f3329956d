"""Review: the queue, reviewers' answers, agreement and calibration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callqa.pipelines import console
from callqa.pipelines.cli.app import app
from callqa.pipelines.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    ReviewAnswer,
    SinceOption,
    command_actor,
    load_flag_rules,
    open_store,
    parse_since,
    to_json,
)
from callqa.pipelines.locks import run_lock
from callqa.pipelines.review import (
    agreement,
    review_day,
    reviewed_calls,
)
from callqa.pipelines.workspace import save_calibration
from callqa.qa_rules.calibration import MIN_REVIEWS, fit_thresholds, thresholds
from callqa.qa_rules.scorecard import DEFAULT_SCORECARD, ScorecardError, load_scorecard


@app.command()
def queue(
    db: DbOption = "callqa.db",
    since: SinceOption = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many flagged calls.")] = None,
    sample_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of calls in the random sample.")
    ] = 0.1,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the flagged calls as CSV.")] = False,
    rules: Annotated[
        Path | None, typer.Option(help="YAML of flag thresholds (FlagRules fields) to override.")
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Share of calls that may be flagged (default 0.2)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """The review queue: flagged calls by priority, within a budget (20% of the calls by
    default; auto-fails always), then a random sample for unbiased averages."""
    flag_rules = load_flag_rules(rules, config)
    if budget is not None:
        flag_rules = flag_rules.model_copy(update={"budget": budget or None})
    rows = [r for r in open_store(db).scored_calls(parse_since(since)) if team in (None, r.team)]
    result = review_day(rows, flag_rules, sample_rate, limit)
    if as_csv:
        typer.echo(console.queue_csv(result["flagged"]), nl=False)
    else:
        typer.echo(to_json(result) if as_json else console.review_queue(result))


@app.command()
def review(
    call_id: Annotated[str, typer.Argument(help="The call reviewed.")],
    criterion: Annotated[str, typer.Argument(help="The criterion id (see `callqa show`).")],
    answer: Annotated[ReviewAnswer, typer.Argument(help="The reviewer's answer.")],
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    reviewer: Annotated[str, typer.Option(envvar="USER", help="Who reviewed.")] = "reviewer",
    db: DbOption = "callqa.db",
) -> None:
    """Record a reviewer's answer to one criterion of a call (the system's answer is kept)."""
    try:
        row = open_store(db).save_review(
            call_id, criterion, answer.value, comment, reviewer, actor=command_actor()
        )
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{call_id} {criterion}: system said {row.system_answer}, {reviewer} says {answer.value}"
    )


@app.command()
def calibrate(
    db: DbOption = "callqa.db",
    scorecard: Annotated[
        str, typer.Option(help="Scorecard id or YAML file the calls were scored with.")
    ] = DEFAULT_SCORECARD,
    as_json: JsonOption = False,
) -> None:
    """Fit per-label confidence thresholds to reviewers' answers (30 reviews per label at
    least; others keep the default); the next run re-scores stored calls with them."""
    store = open_store(db)
    try:
        card = load_scorecard(scorecard)
    except ScorecardError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    with run_lock(db):  # not while a run scores calls with the old thresholds
        fits = fit_thresholds(card, reviewed_calls(store))
        rows = [vars(f) for f in fits]
        path = save_calibration(db, thresholds(fits), rows)
    if as_json:
        typer.echo(to_json(rows))
        return
    if not rows:
        typer.echo("Nothing to calibrate yet: no reviewed criterion had findings. Record "
                   "reviews with `callqa review CALL_ID CRITERION ANSWER`.")  # fmt: skip
        return
    body = [[f.label, str(f.reviews), "-" if f.threshold is None else f"{f.threshold:.3f}",
             f"{f.agreement_before:.0%}", f"{f.agreement_after:.0%}"] for f in fits]  # fmt: skip
    typer.echo(console.table(body, ["LABEL", "REVIEWS", "THRESHOLD", "AGREE BEFORE", "AFTER"]))
    typer.echo(
        f"Saved to {path} (replacing any earlier fit); labels with fewer than {MIN_REVIEWS} "
        "reviews keep the default. The next `callqa run` re-scores every stored call with them."
    )


@app.command("agreement")
def agreement_command(db: DbOption = "callqa.db", as_json: JsonOption = False) -> None:
    """How often reviewers agree with the system, per criterion (Cohen's kappa)."""
    rows = agreement(open_store(db).list_reviews())
    if as_json:
        typer.echo(to_json(rows))
    elif not rows:
        typer.echo("No reviews yet. Record one with `callqa review CALL_ID CRITERION ANSWER`.")
    else:
        body = [[r["criterion_id"], str(r["n"]), f"{r['agreement']:.0%}",
                 "-" if r["kappa"] is None else f"{r['kappa']:.2f}"] for r in rows]  # fmt: skip
        typer.echo(console.table(body, ["CRITERION", "REVIEWS", "AGREE", "KAPPA"]))
