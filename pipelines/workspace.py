"""The files a store keeps beside it: reports, the transcript cache, Prefect's home, the
calibration. One home for these paths, so every command reads and writes the same folders."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from callqa.models.transcript import Record
from callqa.pipelines.store import db_url, sqlite_path

REPORTS = "callqa-reports"
TRANSCRIPTS = ".callqa/transcripts"
PREFECT_HOME = ".callqa/prefect"
CALIBRATION = ".callqa/calibration.json"


def home_of(db: str) -> Path:
    """The folder beside a SQLite store (the working folder for a server database)."""
    path = sqlite_path(db_url(db))
    return path.resolve().parent if path is not None else Path.cwd()


def reports_of(db: str) -> Path:
    """The HTML reports of the store at ``db``."""
    return home_of(db) / REPORTS


def transcripts_of(db: str) -> Path:
    """The transcript cache of the store at ``db``."""
    return home_of(db) / TRANSCRIPTS


def prefect_home_of(db: str) -> Path:
    """Prefect's private home (its database and logs) for runs on the store at ``db``."""
    return home_of(db) / PREFECT_HOME


class CalibrationError(ValueError):
    """The calibration file beside a store cannot be used (the message names it and says why)."""


MAX_CALIBRATION_BYTES = 1_000_000
MAX_CALIBRATED_LABELS = 1000


def load_calibration(db: str) -> dict[str, float]:
    """The label thresholds fitted to reviewers' answers for the store at ``db`` (none yet:
    empty). A damaged file is refused with the reason, never half-used."""
    path = home_of(db) / CALIBRATION
    if not path.exists():
        return {}

    def refuse(reason: str) -> CalibrationError:
        return CalibrationError(f"{path}: {reason}; run `callqa calibrate` again or delete it")

    if path.is_symlink() or not path.is_file():
        raise refuse("not a regular file")
    if path.stat().st_size > MAX_CALIBRATION_BYTES:
        raise refuse("too large")
    try:
        fitted = json.loads(path.read_text(encoding="utf-8"))["thresholds"]
    except (ValueError, KeyError, TypeError, RecursionError, UnicodeDecodeError):
        raise refuse("not a calibration file") from None
    if not isinstance(fitted, dict) or len(fitted) > MAX_CALIBRATED_LABELS:
        raise refuse("its thresholds are not a table of labels")
    for label, value in fitted.items():
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
        if not ok or not LABEL.fullmatch(label):
            raise refuse(f"threshold {label[:40]!r} is not a label with a number from 0 to 1")
    return {label: float(value) for label, value in fitted.items()}


LABEL = re.compile(r"[a-z][a-z0-9_]{0,63}")


def save_calibration(db: str, thresholds: dict[str, float], fits: list[dict]) -> Path:
    """Write the fitted thresholds (and the fit report) beside the store, atomically: a fresh
    temporary file of our own, renamed over the old one."""
    path = home_of(db) / CALIBRATION
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".calibration.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"thresholds": thresholds, "fits": fits}, out, indent=1)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


class Folders(Record):
    """Where a store's files live besides the database."""

    reports: Path | None = None
    muted_audio: Path | None = None
    transcripts: Path | None = None

    @classmethod
    def beside(cls, db: str, muted_audio: Path | None = None) -> Folders:
        """The folders beside the store at ``db`` (a path or URL)."""
        return cls(
            reports=reports_of(db),
            transcripts=transcripts_of(db),
            muted_audio=muted_audio.resolve() if muted_audio else None,
        )


STALE_AFTER_S = 3600  # a half-written file untouched this long was left by a killed run


def remove_stale_temporaries(folders: Folders, index_file: Path) -> int:
    """Delete half-written files left by a killed run: the index's ``.*.tmp`` beside it and
    ``*.partial`` in the cache and audio folders, untouched for an hour (younger ones may be
    another worker's, being written now)."""
    stale = list(index_file.parent.glob(f".{index_file.name}.*.tmp"))
    for folder in (folders.transcripts, folders.muted_audio):
        if folder and folder.is_dir():
            stale += folder.glob("*.partial")
    old = [p for p in stale if _age_s(p) > STALE_AFTER_S]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def _age_s(path: Path) -> float:
    try:
        return datetime.now(UTC).timestamp() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
