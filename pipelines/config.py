"""One configuration for a team's runs: ``callqa.toml``, then the environment, then the
command's flags, each overriding the one before.

    # callqa.toml
    [process]                 # how calls are read, measured, analysed and scored
    scorecard = "cards/support-v3.yaml"
    call_timeout_s = 900
    [process.thresholds]      # conversation metrics (MetricThresholds)
    dead_air_s = 40
    [process.limits]          # refused as too big (Limits)
    max_turns = 3000
    [process.asr]             # transcription (AsrSettings)
    model = "/models/whisper-small"
    [flags]                   # the review queue (FlagRules)
    budget = 0.1
    min_total = 70
    [run]
    retention_days = 365

Environment variables name the same fields: ``CALLQA_FLAGS__BUDGET=0.1``,
``CALLQA_PROCESS__THRESHOLDS__DEAD_AIR_S=40``. The file is ``--config FILE``, else
``$CALLQA_CONFIG``, else ``callqa.toml`` in the current folder when there is one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource

from callqa.pipelines.process import ProcessSettings
from callqa.qa_rules.flags import FlagRules

DEFAULT_FILE = "callqa.toml"


class ConfigError(ValueError):
    """A configuration file that cannot be read or holds unknown or invalid settings."""


class RunOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int | None = Field(default=None, ge=1)  # purge words of older calls


class Settings(BaseSettings):
    """Every setting a team may change, by section."""

    model_config = SettingsConfigDict(
        env_prefix="CALLQA_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    process: ProcessSettings = ProcessSettings()
    flags: FlagRules = FlagRules()
    run: RunOptions = RunOptions()


def config_file(given: Path | None) -> Path | None:
    """The configuration file to read: ``given``, ``$CALLQA_CONFIG``, or ``callqa.toml`` here."""
    if given is not None:
        return given
    if os.environ.get("CALLQA_CONFIG"):
        return Path(os.environ["CALLQA_CONFIG"])
    here = Path(DEFAULT_FILE)
    return here if here.is_file() else None


def load_settings(path: Path | None = None, **flags: Any) -> Settings:
    """Settings from the file at ``path`` (see :func:`config_file`), the environment and
    ``flags`` (section -> fields given on the command line), later ones winning."""
    if path is not None and not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")

    class FromFile(Settings):
        @classmethod
        def settings_customise_sources(
            cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        ):
            sources = [init_settings, env_settings]
            if path is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            return tuple(sources)

    try:
        return FromFile(**{k: v for k, v in flags.items() if v})
    except Exception as exc:  # TOML syntax, unknown keys, values out of range: one line
        where = f"{path}: " if path is not None else ""
        raise ConfigError(f"{where}{_first_problem(exc)}") from None


def _first_problem(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return f"{field}: {first['msg']}"
    return str(exc).splitlines()[0]
