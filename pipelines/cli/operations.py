"""Operations: the nightly run, scheduling, transcription, quarantine, erasure and retention."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from callqa.models.asr import AsrSettings
from callqa.pipelines import console
from callqa.pipelines.cli.app import app
from callqa.pipelines.cli.common import (
    AsrBackendOption,
    AsrDeviceOption,
    AsrModelOption,
    ConfigOption,
    DbOption,
    JsonOption,
    MutedAudioOption,
    ScorecardOption,
    SinceOption,
    TranscriptFormat,
    command_actor,
    configured,
    folders_of,
    open_store,
    parse_since,
    settings_for,
    to_json,
)
from callqa.pipelines.erasure import forget_calls, purge_older_than
from callqa.pipelines.locks import RunLocked, run_lock
from callqa.pipelines.paths import shown
from callqa.pipelines.process import ProcessSettings, audio_seconds, transcribe_files
from callqa.pipelines.publish import refresh_reports
from callqa.pipelines.records import RunSummary
from callqa.pipelines.review import budgeted_queue
from callqa.pipelines.runs import plan_run, record_idle_run
from callqa.pipelines.runtime import (
    configure_prefect,
    create_temporary_server_database,
    leaving_on_sigterm,
    on_progress,
    tie_temporary_server_to_this_process,
)
from callqa.pipelines.shared_work import BATCH_SIZE, LEASE_S
from callqa.pipelines.similar import (
    index_path,
    rebuild_index,
    sync_index,
)
from callqa.pipelines.sources import audio_calls, audio_files, discover_calls
from callqa.pipelines.store import Store, db_url, without_password
from callqa.pipelines.workspace import prefect_home_of, reports_of
from callqa.qa_rules.flags import FlagRules
from callqa.qa_rules.scorecard import load_scorecard


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
    batch_size: Annotated[
        int, typer.Option(min=1, max=1000, help="Calls a worker claims and processes at once.")
    ] = BATCH_SIZE,
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            max=86400,
            help="If maintenance holds the store, wait this many seconds for it before giving up.",
        ),
    ] = 0,
    lease: Annotated[
        float,
        typer.Option(
            min=2, max=3600, help="Seconds before a dead worker's calls go to another worker."
        ),
    ] = LEASE_S,
) -> None:
    """Process every new call under PATH and store the results (the nightly job).

    Transcripts and audio; personal data is redacted before anything is stored. Several runs
    (here or on other machines, on one PostgreSQL store) share the work: each call is claimed
    by one of them."""
    if not path.exists():
        typer.echo(f"error: {path}: no such file or folder", err=True)
        raise typer.Exit(1)
    url = private_url(db)
    team = configured(config, scorecard, asr_backend, asr_model, retention_days, asr_device)
    Store(url).check_writable()  # a missing folder, a damaged or read-only store: say so now
    with run_lock(url, shared=True, wait_s=wait):  # held through the flow, before Prefect
        settings = settings_for(db, muted_audio, team.process)
        summary = _idle_run(
            path, url, manifest, parse_since(since), follow_links, allow_erased, settings
        )
        if summary is not None:  # nothing new: answer at once, without starting Prefect
            typer.echo(
                to_json(summary.model_dump(mode="json"))
                if as_json
                else console.run_summary(summary, db)
            )
            if not as_json:
                _say_queue(db, team.flags)
            return
        configure_prefect(prefect_home_of(db), verbose=verbose)
        # Prefect is imported after configure_prefect.
        from callqa.pipelines.flow import in_flight_for, nightly, with_dask

        tie_temporary_server_to_this_process()
        create_temporary_server_database()
        with leaving_on_sigterm(), console.progress_bar("Processing calls") as advance:
            on_progress(advance)
            try:
                summary = (with_dask(dask) if dask else nightly)(
                    str(path.resolve()),
                    url,
                    since=parse_since(since),
                    manifest=str(manifest) if manifest else None,
                    settings=settings,
                    reports=str(reports_of(db)),
                    retention_days=team.run.retention_days,
                    follow_links=follow_links,
                    allow_erased=allow_erased,
                    batch_size=batch_size,
                    in_flight=in_flight_for(dask),
                    lease_s=lease,
                    requested_at=datetime.now(UTC),
                )
            except RunLocked:
                raise
            except Exception as exc:  # the run failed as a whole: say why, exit non-zero
                typer.echo(f"error: the run failed: {exc}", err=True)
                raise typer.Exit(1) from None
            finally:
                on_progress(None)
        typer.echo(
            to_json(summary.model_dump(mode="json"))
            if as_json
            else console.run_summary(summary, db)
        )
        if not as_json:
            _say_queue(db, team.flags)
            if summary.processed:
                typer.echo(f"Reports: {reports_of(db) / 'index.html'}")
        if summary.quarantined and not summary.processed:  # a wrong format or a broken source
            typer.echo(f"error: every new call ({len(summary.quarantined)}) was quarantined; "
                       "`callqa quarantine` lists why", err=True)  # fmt: skip
            raise typer.Exit(1)


def _say_queue(db: str, rules: FlagRules) -> None:
    """The review queue's size over the stored calls, within the flag budget."""
    rows = open_store(db).scored_calls(None)
    if rows:
        flagged, _ = budgeted_queue(rows, rules)
        typer.echo(f"Review queue: {len(flagged)} of {len(rows)} stored calls flagged "
                   "(`callqa queue` lists them by priority, with the reasons)")  # fmt: skip


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
    refresh_reports(store, load_scorecard(settings.scorecard), reports_of(url))
    return record_idle_run(
        store, str(path.resolve()), version, len(found.sources), plan, found.skipped
    )


def private_url(db: str) -> str:
    """The store's URL without its password, which goes to ``PGPASSWORD`` for this process
    (and the flow runs it starts) instead of into Prefect's records of the run's parameters."""
    url, password = without_password(db_url(db))
    if password is not None:
        os.environ["PGPASSWORD"] = password
        typer.echo("note: the store's password is kept out of Prefect's records; workers on "
                   "other machines need it as PGPASSWORD or in ~/.pgpass", err=True)  # fmt: skip
    return url


@app.command("quarantine")
def list_quarantine(db: DbOption = "callqa.db", as_json: JsonOption = False) -> None:
    """List calls that could not be processed, with the reason."""
    rows = open_store(db).list_quarantine()
    typer.echo(to_json(rows) if as_json else console.quarantine_table(rows))


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
    store = open_store(db)
    wanted = list(call_ids or []) + (store.calls_of_customer(customer) if customer else [])
    if not wanted:
        typer.echo("error: give CALL_IDs or --customer", err=True)
        raise typer.Exit(2)
    with run_lock(store.url):
        erased = forget_calls(store, wanted, folders_of(db, muted_audio), actor=command_actor())
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
    store = open_store(db)
    with run_lock(store.url):
        purged = purge_older_than(store, older_than, folders_of(db, muted_audio))
    typer.echo(
        f"purged the words of {len(purged.calls)} call(s) older than {older_than} days: "
        f"{purged.cases} case(s), {purged.pages} report page(s), {purged.audio} audio "
        f"copy(ies), {purged.cached} cached transcript(s)"
    )


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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=256,
            help="With --work-pool: flow runs started each time, side by side, sharing the calls.",
        ),
    ] = 1,
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
    team = configured(config, retention_days=retention_days)
    configure_prefect(prefect_home_of(db))
    settings = settings_for(db, muted_audio, team.process)
    parameters = {
        "source": str(source.resolve()),
        "db": private_url(db),
        "reports": str(reports_of(db)),
        "retention_days": team.run.retention_days,
        "settings": settings.model_dump(mode="json"),
    }
    if work_pool:
        deployment = scheduling.deploy_to_pool(parameters, when, work_pool, workers)
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
    store = open_store(db)
    path = index_path(store.url)
    with run_lock(store.url):
        counts = rebuild_index(store, path)
    typer.echo(f"indexed {counts['total']} case(s) in {path}")


@app.command("transcribe")
def transcribe_command(
    audio: Annotated[
        list[Path], typer.Argument(help="Audio files (wav, flac, mp3, ogg, m4a) or folders.")
    ],
    out: Annotated[Path | None, typer.Option(help="Write one file per call here.")] = None,
    output_format: Annotated[
        TranscriptFormat, typer.Option("--format", help="Transcript format.")
    ] = TranscriptFormat.json,
    asr_model: AsrModelOption = None,
    asr_backend: AsrBackendOption = "faster-whisper",
    asr_device: AsrDeviceOption = None,
    beam_size: Annotated[int, typer.Option(min=1, help="Beam size (1 is faster).")] = 5,
    batch_size: Annotated[
        int, typer.Option(min=1, max=64, help="Stretches of speech decoded together (1: none).")
    ] = 8,
    compute_type: Annotated[str, typer.Option(help="int8 or float32.")] = "int8",
    keep_personal_data: Annotated[
        bool, typer.Option("--keep-personal-data", help="Do not redact (for your own checks).")
    ] = False,
) -> None:
    """Transcribe audio calls into speaker-attributed, redacted transcripts.

    A stereo file is one party per channel (left agent, right customer); NAME.agent.wav with
    NAME.customer.wav is one call; a mono file is split into two voices."""
    given = {"backend": asr_backend, "model": asr_model, "beam_size": beam_size,
             "batch_size": batch_size, "compute_type": compute_type,
             "device": asr_device}  # fmt: skip
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
    if out is not None and out.exists() and not out.is_dir():
        typer.echo(f"error: --out {out}: a file, not a folder", err=True)
        raise typer.Exit(2)
    audio = audio_files(audio)
    if not audio:
        typer.echo("error: no audio files (wav, flac, mp3, ogg, m4a) in what was given", err=True)
        raise typer.Exit(1)
    calls = audio_calls(audio)
    failed = done_calls = 0
    audio_s = spent = 0.0
    with console.progress_bar("Transcribing (audio minutes)") as advance:
        total = sum(audio_seconds(files) for files in calls.values())
        for done in transcribe_files(audio, settings, redact=not keep_personal_data):
            if done.transcript is None:
                typer.echo(f"error: {done.call_id}: {done.problem}", err=True)
                failed += 1
                continue
            spent, audio_s = spent + done.seconds, audio_s + done.audio_s
            done_calls += 1
            advance(round(audio_s / 60, 1), round(total / 60, 1))
            text = console.transcript_as(done.transcript, output_format.value)
            if out is None:
                typer.echo(text)
            else:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{done.call_id}.{output_format.value}").write_text(text, encoding="utf-8")
    if audio_s:
        typer.echo(
            f"transcribed {done_calls} call(s), {audio_s / 60:.1f} audio minutes in "
            f"{spent:.1f} s (real-time factor {spent / audio_s:.3f})",
            err=True,
        )
    if failed:
        raise typer.Exit(1)
