"""Reading results: stored calls, one call, its report page, coaching plans, similar cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callqa.pipelines import console
from callqa.pipelines.cli.app import app
from callqa.pipelines.cli.common import (
    DbOption,
    JsonOption,
    SinceOption,
    load_card,
    open_store,
    parse_since,
    to_json,
)
from callqa.pipelines.records import CallFilter
from callqa.pipelines.reports import write_call_pages, write_coaching_plan
from callqa.pipelines.similar import (
    CaseFilter,
    open_synced_index,
    peer_cases,
    similar_cases,
    similar_to_call,
)
from callqa.pipelines.workspace import reports_of
from callqa.qa_rules.coaching import coaching_plan
from callqa.qa_rules.scorecard import DEFAULT_SCORECARD


@app.command("calls")
def list_calls(
    db: DbOption = "callqa.db",
    agent: Annotated[str | None, typer.Option(help="Only this agent id.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    since: SinceOption = None,
    limit: Annotated[int | None, typer.Option(help="At most this many calls.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List stored calls, newest first."""
    where = CallFilter(
        agent_id=agent, team=team, queue=queue, since=parse_since(since), limit=limit
    )
    rows = open_store(db).list_calls(where)
    typer.echo(to_json(rows) if as_json else console.calls_table(rows))


@app.command()
def show(
    call_id: Annotated[str, typer.Argument(help="The call to show.")],
    db: DbOption = "callqa.db",
    as_json: JsonOption = False,
) -> None:
    """Show one call: metadata, metrics, findings with quotes and times, and the transcript."""
    call = open_store(db).get_call(call_id)
    if call is None:
        typer.echo(f"error: no call {call_id!r} in {db}", err=True)
        raise typer.Exit(1)
    typer.echo(to_json(call) if as_json else console.call_detail(call))


@app.command()
def report(
    call_ids: Annotated[
        list[str] | None, typer.Argument(help="Calls to report (default: all).")
    ] = None,
    db: DbOption = "callqa.db",
    out: Annotated[
        Path | None, typer.Option(help="Folder for the HTML pages (default: beside the store).")
    ] = None,
    scorecard: Annotated[
        str, typer.Option(help="Scorecard id or YAML file the calls were scored with.")
    ] = DEFAULT_SCORECARD,
) -> None:
    """Write HTML reports: one page per call, with the scorecard, evidence and transcript."""
    store = open_store(db)
    out = out or reports_of(db)
    wanted = call_ids or [r.call_id for r in store.list_calls()]
    calls = []
    for call_id in wanted:
        call = store.get_call(call_id)
        if call is None:
            typer.echo(f"error: no call {call_id!r} in {db}", err=True)
            raise typer.Exit(1)
        calls.append(call)
    index = open_synced_index(store)
    found = {c.call_id: similar_to_call(store, index, c.call_id) for c in calls}
    written = write_call_pages(calls, load_card(scorecard), out / "calls", similar=found)
    typer.echo(f"wrote {len(written)} call report(s) to {out / 'calls'}")


@app.command()
def coach(
    agent: Annotated[str, typer.Argument(help="The agent id.")],
    db: DbOption = "callqa.db",
    since: SinceOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the HTML pages (default: beside the store).")
    ] = None,
    scorecard: Annotated[str, typer.Option(help="Scorecard id or YAML file.")] = DEFAULT_SCORECARD,
    as_json: JsonOption = False,
) -> None:
    """A coaching plan for one agent: what to work on, with their moments and peers' examples."""
    store = open_store(db)
    out = out or reports_of(db)
    rows = store.scored_calls(parse_since(since))
    try:
        plan = coaching_plan(agent, rows, load_card(scorecard))
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None
    index = open_synced_index(store)
    peers = peer_cases(store, index, agent) if index else []
    markdown = write_coaching_plan(plan, out / "agents", peers)
    typer.echo(to_json(plan.model_dump(mode="json")) if as_json else markdown)


@app.command()
def similar(
    call_id: Annotated[str | None, typer.Argument(help="A stored call to match.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Describe an issue instead.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, help="How many cases to show.")] = 3,
    min_score: Annotated[
        float | None,
        typer.Option(help="Lowest QA score of a case shown (default: any; the score ranks cases)."),
    ] = None,
    any_outcome: Annotated[
        bool, typer.Option("--any-outcome", help="Also show cases that were not resolved.")
    ] = False,
    same_queue: Annotated[
        bool, typer.Option("--same-queue", help="Only cases from the call's queue.")
    ] = False,
    db: DbOption = "callqa.db",
    as_json: JsonOption = False,
) -> None:
    """Similar past resolutions: how was this problem solved before, and solved well?"""
    if (call_id is None) == (text is None):
        typer.echo("error: give either a CALL_ID or --text", err=True)
        raise typer.Exit(2)
    store = open_store(db)
    index = open_synced_index(store)
    where = CaseFilter(outcome=None if any_outcome else "resolved", min_score=min_score)
    if text is not None:
        from callqa.models.encoder import load_encoder

        vector = load_encoder().encode([text])[0]
        issue, found = text, similar_cases(store, index, vector, k, where) if index else []
    else:
        assert call_id is not None  # exactly one of the two, checked above
        result = similar_to_call(store, index, call_id, k, where, same_queue)
        if result is None:
            known = store.get_call(call_id) is not None
            why = "states no issue to match" if known else f"is not in {db}"
            typer.echo(f"error: call {call_id!r} {why}", err=True)
            raise typer.Exit(1)
        issue, found = result.issue, result.similar
    rows = [console.similar_row(c, reports_of(db)) for c in found]
    typer.echo(
        to_json({"issue": issue, "similar": rows}) if as_json else console.similar(issue, rows)
    )
