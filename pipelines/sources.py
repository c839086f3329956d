"""Finding calls to process: files in a folder, their metadata from a manifest, a content hash.

A manifest (``manifest.csv`` or ``manifest.jsonl`` in the folder, or one named explicitly) has
a ``file`` column relative to the manifest and any of ``call_id, agent_id, team, queue,
started_at, direction, customer_id``; other columns are kept as extra metadata.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from callqa.models.asr import AUDIO_SUFFIXES
from callqa.models.transcript import Record
from callqa.pipelines.readers import TRANSCRIPT_SUFFIXES
from pydantic import Field, ValidationError

PAIR_ROLES = (".agent", ".customer")  # call.agent.wav + call.customer.wav: one call, two files

MANIFEST_NAMES = ("manifest.csv", "manifest.jsonl")
METADATA_FIELDS = ("call_id", "agent_id", "team", "queue", "started_at", "direction", "customer_id")


class CallMetadata(Record):
    """What the contact centre knows about a call besides its words."""

    agent_id: str | None = None
    team: str | None = None
    queue: str | None = None
    started_at: datetime | None = None
    direction: Literal["inbound", "outbound"] | None = None
    customer_id: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class CallSource(Record):
    """One file found for processing: where it is, its id, content hash and metadata."""

    path: str
    call_id: str
    content_hash: str
    metadata: CallMetadata = CallMetadata()
    paired: str | None = None  # a two-file recording: the customer's file (``path``: the agent's)


class SourceProblem(Record):
    """A file or manifest row that cannot become a call; it is quarantined with this reason."""

    path: str
    call_id: str
    reason: str
    content_hash: str = ""


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse_metadata(row: dict[str, Any]) -> CallMetadata:
    """CallMetadata from a manifest row or a transcript's metadata object (blank means absent)."""
    known = {k: v for k, v in row.items() if k in METADATA_FIELDS and k != "call_id"}
    known = {k: v for k, v in known.items() if v not in (None, "")}
    extra = {
        str(k): str(v)
        for k, v in row.items()
        if k not in METADATA_FIELDS and k != "file" and v not in (None, "")
    }
    if isinstance(known.get("direction"), str):
        known["direction"] = known["direction"].lower()
    try:
        return CallMetadata(**known, extra=extra)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"metadata {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def discover_calls(
    root: Path, manifest: Path | None = None, since: datetime | None = None
) -> tuple[list[CallSource], list[SourceProblem]]:
    """Call files under ``root`` (a folder or one file) with metadata and hashes, in path order.

    Files or manifest rows that cannot be used come back as problems, not exceptions, so the
    rest of the batch goes on.
    """
    root = root.resolve()
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such file or folder")
    files = [root] if root.is_file() else sorted(_call_files(root))
    manifest = manifest or next(
        (root / n for n in MANIFEST_NAMES if root.is_dir() and (root / n).exists()), None
    )
    rows, problems = _read_manifest(manifest) if manifest else ({}, [])
    sources = []
    pairs = _pairs(files)
    for path in files:
        if path in pairs.values():
            rows.pop(path.resolve(), None)
            continue  # read with its agent file
        paired = pairs.get(path)
        row = rows.pop(path.resolve(), {})
        call_id = str(row.get("call_id") or (path.stem[:-6] if paired else path.stem))
        try:
            metadata = parse_metadata(row)
            raw = path.read_bytes() + (paired.read_bytes() if paired else b"")
        except (ValueError, OSError) as exc:
            problems.append(SourceProblem(path=str(path), call_id=call_id, reason=str(exc)))
            continue
        if since and _when(path, metadata) < since:
            continue
        sources.append(
            CallSource(
                path=str(path),
                call_id=call_id,
                content_hash=content_hash(raw),
                metadata=metadata,
                paired=str(paired) if paired else None,
            )
        )
    for path, row in rows.items():
        reason = (
            f"listed in the manifest but {'not found' if not path.exists() else 'not a call file'}"
        )
        problems.append(
            SourceProblem(
                path=str(path), call_id=str(row.get("call_id") or path.stem), reason=reason
            )
        )
    return sources, problems


def _pairs(files: list[Path]) -> dict[Path, Path]:
    """Agent file -> customer file, for recordings split into ``NAME.agent.EXT`` and
    ``NAME.customer.EXT``."""
    found = {}
    for path in files:
        if path.suffix.lower() in AUDIO_SUFFIXES and path.stem.endswith(".agent"):
            other = path.with_name(path.stem[:-6] + ".customer" + path.suffix)
            if other in files:
                found[path] = other
    return found


def _call_files(root: Path) -> list[Path]:
    return [
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (*TRANSCRIPT_SUFFIXES, *AUDIO_SUFFIXES)
        and p.name not in MANIFEST_NAMES
        and not any(part.startswith((".", "_")) for part in p.relative_to(root).parts)
    ]


def _read_manifest(path: Path) -> tuple[dict[Path, dict[str, Any]], list[SourceProblem]]:
    """Manifest rows keyed by the resolved file path they describe."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: line {n}: invalid JSON ({exc.msg})") from None
    else:
        rows = list(csv.DictReader(text.splitlines()))
    keyed: dict[Path, dict[str, Any]] = {}
    problems = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("file"):
            raise ValueError(f"{path}: row {n}: no 'file' column")
        target = (path.parent / str(row["file"])).resolve()
        if target in keyed:
            problems.append(
                SourceProblem(
                    path=str(target),
                    call_id=str(row.get("call_id") or target.stem),
                    reason=f"{path.name} row {n}: the file is listed twice",
                )
            )
            continue
        keyed[target] = row
    return keyed, problems


def _when(path: Path, metadata: CallMetadata) -> datetime:
    when = metadata.started_at or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
