"""What the commands share: options, parsing, the store and the team's settings."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError

from callqa.pipelines.config import ConfigError, Settings, config_file, load_settings
from callqa.pipelines.process import ProcessSettings
from callqa.pipelines.store import Store, db_url
from callqa.pipelines.workspace import Folders, load_calibration, transcripts_of
from callqa.qa_rules.flags import FlagRules
from callqa.qa_rules.scorecard import Scorecard, ScorecardError, load_scorecard
from callqa.qa_rules.yaml_files import YamlFileError, load_yaml, validation_problems

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


def open_store(db: str, create: bool = False) -> Store:
    """The store at ``db``; read-only commands never create one (StoreError if missing)."""
    return Store(db_url(db), create=create)


def to_json(value: Any) -> str:
    """``value`` as indented JSON; records as their JSON form, anything else as its text."""
    return json.dumps(value, indent=2, default=_plain)


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else str(value)


def load_flag_rules(path: Path | None, config: Path | None = None) -> FlagRules:
    if path is None:
        return configured(config).flags
    try:
        return FlagRules.model_validate(load_yaml(path) or {})
    except YamlFileError as exc:
        typer.echo(f"error: {exc}", err=True)
    except ValidationError as exc:
        typer.echo(f"error: {path}: {validation_problems(exc, 'rules')}", err=True)
    raise typer.Exit(1)


def load_card(source: str) -> Scorecard:
    try:
        return load_scorecard(source)
    except ScorecardError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def folders_of(db: str, muted_audio: Path | None) -> Folders:
    """The files kept beside a store: reports, transcript cache, muted audio copies."""
    return Folders.beside(db, muted_audio)


def settings_for(
    db: str, muted_audio: Path | None, process: ProcessSettings | None = None
) -> ProcessSettings:
    """The configured processing settings with what lives beside the store: the thresholds
    fitted to reviewers, the transcript cache, the muted audio folder."""
    update: dict[str, Any] = {
        "label_thresholds": load_calibration(db),
        "transcript_cache": str(transcripts_of(db)),
    }
    if muted_audio:
        update["muted_audio"] = str(muted_audio.resolve())
    return (process or ProcessSettings()).model_copy(update=update)


def configured(
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


def command_actor() -> str:
    """Who runs the command, for the audit log."""
    import getpass

    try:
        return f"{getpass.getuser()} (command line)"
    except OSError:
        return "command line"
