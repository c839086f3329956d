"""The ``callqa`` command line: run the nightly flow, list and show calls, list quarantine,
check and backtest scorecards."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DatabaseError

from callqa.models.asr import AsrSettings, AudioError, transcribe
from callqa.models.nlp import load_nlp
from callqa.pipelines import render
from callqa.pipelines.backtest import backtest
from callqa.pipelines.batch import RunSummary, plan_run, record_idle_run
from callqa.pipelines.config import ConfigError, Settings, config_file, load_settings
from callqa.pipelines.erasure import forget_calls, purge_older_than
from callqa.pipelines.paths import UnsafeId, file_in, shown
from callqa.pipelines.process import ProcessSettings
from callqa.pipelines.publish import refresh_reports
from callqa.pipelines.reports import coaching_markdown, coaching_page, write_call_pages
from callqa.pipelines.review import (
    agreement,
    estimate,
    random_sample,
    review_queue,
    reviewed_calls,
    sample_estimates,
    within_budget,
)
from callqa.pipelines.runtime import (
    configure_prefect,
    on_progress,
    tie_temporary_server_to_this_process,
)
from callqa.pipelines.similar import (
    CaseFilter,
    index_path,
    open_synced_index,
    peer_exemplars,
    rebuild_index,
    similar_cases,
    similar_to_call,
    sync_index,
)
from callqa.pipelines.sources import discover_calls
from callqa.pipelines.store import Store, StoreError, db_url
from callqa.pipelines.workspace import (
    PREFECT_HOME,
    REPORTS,
    TRANSCRIPTS,
    CalibrationError,
    Folders,
    RunLocked,
    home_of,
    load_calibration,
    run_lock,
    save_calibration,
)
from callqa.qa_rules.calibration import MIN_REVIEWS, fit_thresholds, thresholds
from callqa.qa_rules.coaching import coaching_plan
from callqa.qa_rules.flags import FlagRules
from callqa.qa_rules.redaction import redact_transcript
from callqa.qa_rules.scorecard import DEFAULT_SCORECARD, Scorecard, ScorecardError, load_scorecard
from callqa.qa_rules.yaml_files import YamlFileError, load_yaml, validation_problems

app = typer.Typer(
    help="Score customer-support conversations: ingest, analyse, store, report.",
    no_args_is_help=True,
    add_completion=False,
)

DbOption = Annotated[
    str,
    typer.Option("--db", envvar="CALLQA_DB", help="SQLite file or SQLAlchemy URL of the store."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
MutedAudioOption = Annotated[
    Path | None,
    typer.Option(help="Folder of audio copies with personal data silenced (written by run)."),
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only calls started since: 7d, 24h or a date (2026-11-01)."),
]


AsrModelOption = Annotated[
    str | None,
    typer.Option(help="A Whisper model folder (CTranslate2, or Hugging Face for transformers)."),
]
AsrBackendOption = Annotated[
    str | None, typer.Option(help="ASR backend: faster-whisper (default) or transformers.")
]
AsrDeviceOption = Annotated[
    str | None, typer.Option(help="Run speech recognition on: auto (a GPU if any), cpu or cuda.")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Settings file (TOML; default: $CALLQA_CONFIG, or callqa.toml here if present).",
    ),
]
ScorecardOption = Annotated[
    str | None, typer.Option(help="Scorecard: a bundled id or a YAML file (default: the config's).")
]


class TranscriptFormat(StrEnum):
    json = "json"
    vtt = "vtt"
    txt = "txt"


class ReviewAnswer(StrEnum):
    yes = "yes"
    no = "no"
    na = "na"


def parse_since(value: str | None) -> datetime | None:
    """``7d``/``24h``/``30m`` before now, or an ISO date or date-time (UTC if no zone)."""
    if value is None:
        return None
    m = re.fullmatch(r"(\d+)([dhm])", value.strip())
    if m:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[m[2]]
        return datetime.now(UTC) - timedelta(**{unit: int(m[1])})
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r}: use 7d, 24h, 30m or a date like 2026-11-01") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def main() -> None:
    """The console entry point: the app, with store and lock problems as one line, exit 1."""
    try:
        app()
    except (StoreError, RunLocked, UnsafeId, CalibrationError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except DatabaseError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        typer.echo(f"error: the store failed: {detail}", err=True)
        sys.exit(1)


def _open_store(db: str, create: bool = False) -> Store:
    """The store at ``db``; read-only commands never create one (StoreError if missing)."""
    return Store(db_url(db), create=create)


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="Folder (or one file) of calls to process.")],
    db: DbOption = "callqa.db",
    since: SinceOption = None,
    manifest: Annotated[
        Path | None, typer.Option(help="Manifest CSV/JSONL (default: manifest.* in PATH).")
    ] = None,
    as_json: JsonOption = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect logs.")] = False,
    config: ConfigOption = None,
    scorecard: ScorecardOption = None,
    asr_model: AsrModelOption = None,
    asr_backend: AsrBackendOption = None,
    asr_device: AsrDeviceOption = None,
    muted_audio: MutedAudioOption = None,
    retention_days: Annotated[
        int | None,
        typer.Option(min=1, help="After the run, purge the words of calls older than this."),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(help="Process batches on Dask: local:N workers, or a scheduler address."),
    ] = None,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="Read links that lead out of PATH.")
    ] = False,
    allow_erased: Annotated[
        bool, typer.Option("--allow-erased", help="Process calls erased with `callqa forget`.")
    ] = False,
) -> None:
    """Process every new call under PATH and store the results (the nightly job).

    Transcripts and audio; personal data is redacted before anything is stored. One run at a
    time per store: a second run exits 1 at once."""
    if not path.exists():
        typer.echo(f"error: {path}: no such file or folder", err=True)
        raise typer.Exit(1)
    url = db_url(db)
    team = _configured(config, scorecard, asr_backend, asr_model, retention_days, asr_device)
    Store(url).check_writable()  # a missing folder, a damaged or read-only store: say so now
    with run_lock(url):  # held through the flow (re-entrant), before Prefect starts
        settings = _settings(db, muted_audio, team.process)
        summary = _idle_run(
            path, url, manifest, parse_since(since), follow_links, allow_erased, settings
        )
        if summary is not None:  # nothing new: answer at once, without starting Prefect
            typer.echo(
                _as_json(summary.model_dump(mode="json"))
                if as_json
                else render.run_summary(summary, db)
            )
            return
        home = home_of(db)
        configure_prefect(home / PREFECT_HOME, verbose=verbose)
        # Prefect is imported after configure_prefect.
        from callqa.pipelines.flow import nightly, with_dask

        tie_temporary_server_to_this_process()
        with render.progress_bar("Processing calls") as advance:
            on_progress(advance)
            try:
                summary = (with_dask(dask) if dask else nightly)(
                    str(path.resolve()),
                    url,
                    since=parse_since(since),
                    manifest=str(manifest) if manifest else None,
                    settings=settings,
                    reports=str(home / REPORTS),
                    retention_days=team.run.retention_days,
                    follow_links=follow_links,
                    allow_erased=allow_erased,
                )
            except RunLocked:
                raise
            except Exception as exc:  # the run failed as a whole: say why, exit non-zero
                typer.echo(f"error: the run failed: {exc}", err=True)
                raise typer.Exit(1) from None
            finally:
                on_progress(None)
        typer.echo(
            _as_json(summary.model_dump(mode="json"))
            if as_json
            else render.run_summary(summary, db)
        )
        if not as_json and summary.processed:
            typer.echo(f"Reports: {home / REPORTS / 'index.html'}")


def _idle_run(
    path: Path,
    url: str,
    manifest: Path | None,
    since: datetime | None,
    follow_links: bool,
    allow_erased: bool,
    settings: ProcessSettings,
) -> RunSummary | None:
    """The summary of a run with nothing to do, recorded in the store, after bringing the
    case index and the report pages in step with the store; None if there is work."""
    store = Store(url)
    try:
        found = discover_calls(path.resolve(), manifest, since, follow_links)
    except (OSError, ValueError):
        return None  # let the flow fail and report it
    version = settings.pipeline_version
    plan = plan_run(store, found.sources, version, allow_erased)
    if plan.todo or found.problems:
        return None
    sync_index(store, index_path(url))
    refresh_reports(store, load_scorecard(settings.scorecard), home_of(url) / REPORTS)
    return record_idle_run(
        store, str(path.resolve()), version, len(found.sources), plan, found.skipped
    )


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
    since_when = parse_since(since)
    rows = _open_store(db).list_calls(agent, team, queue, since_when, limit)
    typer.echo(_as_json(rows) if as_json else render.calls_table(rows))


@app.command()
def show(
    call_id: Annotated[str, typer.Argument(help="The call to show.")],
    db: DbOption = "callqa.db",
    as_json: JsonOption = False,
) -> None:
    """Show one call: metadata, metrics, findings with quotes and times, and the transcript."""
    call = _open_store(db).get_call(call_id)
    if call is None:
        typer.echo(f"error: no call {call_id!r} in {db}", err=True)
        raise typer.Exit(1)
    if as_json:
        payload = {
            **call,
            "transcript": call["transcript"].model_dump(mode="json"),
            "findings": [f.model_dump(mode="json") for f in call["findings"]],
            "score": call["score"].model_dump(mode="json") if call["score"] else None,
            "customer_emotion": [p.model_dump(mode="json") for p in call["customer_emotion"]],
        }
        typer.echo(_as_json(payload))
    else:
        typer.echo(render.call_detail(call))


@app.command("quarantine")
def list_quarantine(db: DbOption = "callqa.db", as_json: JsonOption = False) -> None:
    """List calls that could not be processed, with the reason."""
    rows = _open_store(db).list_quarantine()
    typer.echo(_as_json(rows) if as_json else render.quarantine_table(rows))


def _as_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


scorecard_app = typer.Typer(help="Check, document and backtest scorecards.", no_args_is_help=True)
app.add_typer(scorecard_app, name="scorecard")


@scorecard_app.command("check")
def scorecard_check(
    path: Annotated[Path, typer.Argument(help="Scorecard YAML file, or a bundled scorecard id.")],
) -> None:
    """Validate a scorecard and list its sections and criteria."""
    card = _load_card(str(path))
    typer.echo(render.scorecard_outline(card))


@scorecard_app.command("schema")
def scorecard_schema() -> None:
    """Print the JSON Schema of scorecard files (for editors and linters)."""
    typer.echo(_as_json(Scorecard.model_json_schema()))


@scorecard_app.command("backtest")
def scorecard_backtest(
    path: Annotated[Path, typer.Argument(help="The scorecard YAML to try on stored calls.")],
    db: DbOption = "callqa.db",
    since: SinceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-score stored calls with another scorecard and show what would change."""
    card = _load_card(str(path))
    rows = _open_store(db).scored_calls(parse_since(since))
    if not rows:
        typer.echo(f"error: no stored calls in {db}", err=True)
        raise typer.Exit(1)
    result = backtest(card, rows, load_calibration(db))
    typer.echo(_as_json(result) if as_json else render.backtest_report(result))


def _load_flag_rules(path: Path | None, config: Path | None = None) -> FlagRules:
    if path is None:
        return _configured(config).flags
    try:
        return FlagRules.model_validate(load_yaml(path) or {})
    except YamlFileError as exc:
        typer.echo(f"error: {exc}", err=True)
    except ValidationError as exc:
        typer.echo(f"error: {path}: {validation_problems(exc, 'rules')}", err=True)
    raise typer.Exit(1)


def _load_card(source: str) -> Scorecard:
    try:
        return load_scorecard(source)
    except ScorecardError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


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
    flag_rules = _load_flag_rules(rules, config)
    if budget is not None:
        flag_rules = flag_rules.model_copy(update={"budget": budget or None})
    rows = [
        r for r in _open_store(db).scored_calls(parse_since(since)) if team in (None, r["team"])
    ]
    flagged, held = within_budget(review_queue(rows, flag_rules), len(rows), flag_rules.budget)
    flagged = flagged[:limit]
    sample = random_sample(rows, sample_rate)
    totals = [r["score"].total for r in sample if r["score"] and r["score"].total is not None]
    result = {
        "flagged": flagged,
        "held_back": [{"call_id": q["call_id"], "priority": q["priority"]} for q in held],
        "budget": flag_rules.budget,
        "sample": [{"call_id": r["call_id"], "agent_id": r["agent_id"], "team": r["team"],
                    "total": r["score"].total if r["score"] else None} for r in sample],
        "sample_rate": sample_rate,
        "sample_estimate": estimate(totals),
        "sample_by_team": sample_estimates(sample, "team"),
        "sample_by_agent": sample_estimates(sample, "agent_id"),
    }  # fmt: skip
    if as_csv:
        typer.echo(render.queue_csv(flagged), nl=False)
    else:
        typer.echo(_as_json(result) if as_json else render.review_queue(result))


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
        row = _open_store(db).save_review(call_id, criterion, answer.value, comment, reviewer)
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{call_id} {criterion}: system said {row['system_answer']}, {reviewer} says {answer.value}"
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
    store = _open_store(db)
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
        typer.echo(_as_json(rows))
        return
    if not rows:
        typer.echo("Nothing to calibrate yet: no reviewed criterion had findings. Record "
                   "reviews with `callqa review CALL_ID CRITERION ANSWER`.")  # fmt: skip
        return
    body = [[f.label, str(f.reviews), "-" if f.threshold is None else f"{f.threshold:.3f}",
             f"{f.agreement_before:.0%}", f"{f.agreement_after:.0%}"] for f in fits]  # fmt: skip
    typer.echo(render.table(body, ["LABEL", "REVIEWS", "THRESHOLD", "AGREE BEFORE", "AFTER"]))
    typer.echo(
        f"Saved to {path} (replacing any earlier fit); labels with fewer than {MIN_REVIEWS} "
        "reviews keep the default. The next `callqa run` re-scores every stored call with them."
    )


@app.command("agreement")
def agreement_command(db: DbOption = "callqa.db", as_json: JsonOption = False) -> None:
    """How often reviewers agree with the system, per criterion (Cohen's kappa)."""
    rows = agreement(_open_store(db).list_reviews())
    if as_json:
        typer.echo(_as_json(rows))
    elif not rows:
        typer.echo("No reviews yet. Record one with `callqa review CALL_ID CRITERION ANSWER`.")
    else:
        body = [[r["criterion_id"], str(r["n"]), f"{r['agreement']:.0%}",
                 "-" if r["kappa"] is None else f"{r['kappa']:.2f}"] for r in rows]  # fmt: skip
        typer.echo(render.table(body, ["CRITERION", "REVIEWS", "AGREE", "KAPPA"]))


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
    store = _open_store(db)
    out = out or home_of(db) / REPORTS
    wanted = call_ids or [r["call_id"] for r in store.list_calls()]
    calls = []
    for call_id in wanted:
        call = store.get_call(call_id)
        if call is None:
            typer.echo(f"error: no call {call_id!r} in {db}", err=True)
            raise typer.Exit(1)
        calls.append(call)
    index = open_synced_index(store)
    found = {
        c["call"]["call_id"]: similar_to_call(store, index, c["call"]["call_id"]) for c in calls
    }
    written = write_call_pages(calls, _load_card(scorecard), out / "calls", resolutions=found)
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
    store = _open_store(db)
    out = out or home_of(db) / REPORTS
    rows = store.scored_calls(parse_since(since))
    try:
        plan = coaching_plan(agent, rows, _load_card(scorecard))
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None
    index = open_synced_index(store)
    exemplars = peer_exemplars(store, index, agent) if index else []
    folder = out / "agents"
    folder.mkdir(parents=True, exist_ok=True)
    file_in(folder, agent, ".html").write_text(coaching_page(plan, exemplars), encoding="utf-8")
    markdown = coaching_markdown(plan, exemplars)
    file_in(folder, agent, ".md").write_text(markdown, encoding="utf-8")
    typer.echo(_as_json(plan.model_dump(mode="json")) if as_json else markdown)


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
    store = _open_store(db)
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
    rows = [render.similar_row(c, home_of(db) / REPORTS) for c in found]
    typer.echo(
        _as_json({"issue": issue, "similar": rows}) if as_json else render.similar(issue, rows)
    )


@app.command()
def forget(
    call_ids: Annotated[list[str] | None, typer.Argument(help="Calls to erase.")] = None,
    customer: Annotated[
        str | None, typer.Option(help="Erase every call of this customer id.")
    ] = None,
    db: DbOption = "callqa.db",
    muted_audio: MutedAudioOption = None,
) -> None:
    """Erase calls everywhere callqa keeps them.

    The store, the case index, the report pages, the muted audio copies and the transcript
    cache."""
    store = _open_store(db)
    wanted = list(call_ids or []) + (store.calls_of_customer(customer) if customer else [])
    if not wanted:
        typer.echo("error: give CALL_IDs or --customer", err=True)
        raise typer.Exit(2)
    with run_lock(store.url):
        erased = forget_calls(store, wanted, _folders(db, muted_audio))
    if erased.calls:
        typer.echo(
            f"erased {len(erased.calls)} call(s) from the store, {erased.cases} case(s) from the "
            f"index, {erased.pages} report page(s), {erased.audio} audio copy(ies), "
            f"{erased.cached} cached transcript(s); pages that quoted them rebuilt"
        )
    unknown = sorted(set(wanted) - set(erased.calls))
    if unknown:
        typer.echo(f"error: not stored: {', '.join(shown(u) for u in unknown)}", err=True)
        raise typer.Exit(1)


@app.command()
def purge(
    older_than: Annotated[int, typer.Option(min=1, help="Retention in days.")],
    db: DbOption = "callqa.db",
    muted_audio: MutedAudioOption = None,
) -> None:
    """Retention: drop the words of calls older than a number of days.

    Transcripts, quotes, similar-case entries, report pages, muted audio copies and cached
    transcripts go; scores, metrics and findings stay for trends."""
    store = _open_store(db)
    with run_lock(store.url):
        purged = purge_older_than(store, older_than, _folders(db, muted_audio))
    typer.echo(
        f"purged the words of {len(purged.calls)} call(s) older than {older_than} days: "
        f"{purged.cases} case(s), {purged.pages} report page(s), {purged.audio} audio "
        f"copy(ies), {purged.cached} cached transcript(s)"
    )


def _folders(db: str, muted_audio: Path | None) -> Folders:
    """The files kept beside a store: reports, transcript cache, muted audio copies."""
    return Folders.beside(db, muted_audio)


def _settings(
    db: str, muted_audio: Path | None, process: ProcessSettings | None = None
) -> ProcessSettings:
    """The configured processing settings with what lives beside the store: the thresholds
    fitted to reviewers, the transcript cache, the muted audio folder."""
    update: dict[str, Any] = {
        "label_thresholds": load_calibration(db),
        "transcript_cache": str(home_of(db) / TRANSCRIPTS),
    }
    if muted_audio:
        update["muted_audio"] = str(muted_audio.resolve())
    return (process or ProcessSettings()).model_copy(update=update)


def _configured(
    config: Path | None,
    scorecard: str | None = None,
    asr_backend: str | None = None,
    asr_model: str | None = None,
    retention_days: int | None = None,
    asr_device: str | None = None,
) -> Settings:
    """The team's settings: the config file, the environment, then these flags (exit 2 with
    one line on a bad file or value)."""
    given = (("backend", asr_backend), ("model", asr_model), ("device", asr_device))
    asr = {k: v for k, v in given if v}
    process: dict[str, Any] = {"asr": asr} if asr else {}
    if scorecard:
        process["scorecard"] = scorecard
    run = {"retention_days": retention_days} if retention_days else {}
    try:
        settings = load_settings(config_file(config), process=process, run=run)
        load_scorecard(settings.process.scorecard)  # a bad card: said now, not mid-run
        return settings
    except (ConfigError, ScorecardError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def deploy(
    source: Annotated[Path, typer.Option(help="Folder the nightly run reads calls from.")],
    cron: Annotated[str | None, typer.Option(help='Cron line, e.g. "0 2 * * *".')] = None,
    interval: Annotated[
        int | None, typer.Option(min=1, help="Or: run every this many seconds.")
    ] = None,
    db: DbOption = "callqa.db",
    work_pool: Annotated[
        str | None,
        typer.Option(help="Register with this Prefect work pool instead of serving from here."),
    ] = None,
    port: Annotated[int, typer.Option(help="Port of the Prefect server started here.")] = 4200,
    config: ConfigOption = None,
    muted_audio: MutedAudioOption = None,
    retention_days: Annotated[
        int | None, typer.Option(min=1, help="Purge the words of calls older than this.")
    ] = None,
) -> None:
    """Schedule the nightly run (cron or interval).

    Without --work-pool it is served from this machine until stopped (Ctrl-C), with a Prefect
    server started and kept alive here unless PREFECT_API_URL names one; with --work-pool,
    workers on any machine run it."""
    from callqa.pipelines import deploy as scheduling

    try:
        when = scheduling.schedule(cron, interval)
    except ValueError as exc:
        typer.echo(f"error: {exc}: --cron or --interval", err=True)
        raise typer.Exit(2) from None
    if not source.is_dir():
        typer.echo(f"error: {source}: no such folder", err=True)
        raise typer.Exit(1)
    team = _configured(config, retention_days=retention_days)
    home = home_of(db)
    configure_prefect(home / PREFECT_HOME)
    settings = _settings(db, muted_audio, team.process)
    parameters = {
        "source": str(source.resolve()),
        "db": db_url(db),
        "reports": str(home / REPORTS),
        "retention_days": team.run.retention_days,
        "settings": settings.model_dump(mode="json"),
    }
    if work_pool:
        deployment = scheduling.deploy_to_pool(parameters, when, work_pool)
        typer.echo(f"deployment {scheduling.DEPLOYMENT} ({deployment}) on work pool {work_pool}")
        return
    if os.environ.get("PREFECT_API_URL"):
        scheduling.serve_nightly(parameters, when)
        return
    with scheduling.local_server(port) as url:
        typer.echo(f"Prefect server at {url.removesuffix('/api')}; serving {scheduling.DEPLOYMENT}")
        scheduling.serve_nightly(parameters, when)


index_app = typer.Typer(help="The case index behind `callqa similar`.", no_args_is_help=True)
app.add_typer(index_app, name="index")


@index_app.command("rebuild")
def index_rebuild(db: DbOption = "callqa.db") -> None:
    """Rebuild the case index from the store (exact, or approximate once it is large)."""
    store = _open_store(db)
    path = index_path(store.url)
    with run_lock(store.url):
        counts = rebuild_index(store, path)
    typer.echo(f"indexed {counts['total']} case(s) in {path}")


@app.command("transcribe")
def transcribe_command(
    audio: Annotated[list[Path], typer.Argument(help="Audio files (wav, flac, mp3, ogg, m4a).")],
    out: Annotated[Path | None, typer.Option(help="Write one file per call here.")] = None,
    output_format: Annotated[
        TranscriptFormat, typer.Option("--format", help="Transcript format.")
    ] = TranscriptFormat.json,
    asr_model: AsrModelOption = None,
    asr_backend: AsrBackendOption = "faster-whisper",
    asr_device: AsrDeviceOption = None,
    beam_size: Annotated[int, typer.Option(min=1, help="Beam size (1 is faster).")] = 5,
    compute_type: Annotated[str, typer.Option(help="int8 or float32.")] = "int8",
    keep_personal_data: Annotated[
        bool, typer.Option("--keep-personal-data", help="Do not redact (for your own checks).")
    ] = False,
) -> None:
    """Transcribe audio calls into speaker-attributed, redacted transcripts.

    A stereo file is one party per channel (left agent, right customer); NAME.agent.wav with
    NAME.customer.wav is one call; a mono file is split into two voices."""
    import time

    given = {"backend": asr_backend, "model": asr_model, "beam_size": beam_size,
             "compute_type": compute_type, "device": asr_device}  # fmt: skip
    try:
        settings = AsrSettings.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = str(problem["loc"][0])
        flag = (
            f"asr-{field}" if field in ("backend", "model", "device") else field.replace("_", "-")
        )
        typer.echo(f"error: --{flag}: {problem['msg']}", err=True)
        raise typer.Exit(2) from None
    calls = _audio_calls(audio)
    failed, audio_s, spent = 0, 0.0, 0.0
    with render.progress_bar("Transcribing (audio minutes)") as advance:
        total = sum(_seconds(files) for files in calls.values())
        for call_id, files in calls.items():
            started = time.perf_counter()
            try:
                transcript = transcribe(files if len(files) == 2 else files[0], call_id, settings)
                if not keep_personal_data:
                    transcript = redact_transcript(transcript, load_nlp())
            except (AudioError, OSError) as exc:
                typer.echo(f"error: {call_id}: {exc}", err=True)
                failed += 1
                continue
            spent += time.perf_counter() - started
            audio_s += _seconds(files)
            advance(round(audio_s / 60, 1), round(total / 60, 1))
            text = render.transcript_as(transcript, output_format.value)
            if out is None:
                typer.echo(text)
            else:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{call_id}.{output_format.value}").write_text(text, encoding="utf-8")
    if audio_s:
        typer.echo(
            f"transcribed {len(calls) - failed} call(s), {audio_s / 60:.1f} audio minutes in "
            f"{spent:.1f} s (real-time factor {spent / audio_s:.3f})",
            err=True,
        )
    if failed:
        raise typer.Exit(1)


def _audio_calls(paths: list[Path]) -> dict[str, list[Path]]:
    """Call id -> its audio files (two for NAME.agent.EXT + NAME.customer.EXT)."""
    calls: dict[str, list[Path]] = {}
    for path in paths:
        stem = path.stem
        for role in (".agent", ".customer"):
            if stem.endswith(role):
                stem = stem[: -len(role)]
        calls.setdefault(stem, []).append(path)
    return {c: sorted(fs, key=lambda p: not p.stem.endswith(".agent")) for c, fs in calls.items()}


def _seconds(files: list[Path]) -> float:
    from callqa.models.asr import probe

    try:
        return max(probe(f, float("inf"))[0] for f in files)
    except (AudioError, OSError):
        return 0.0
