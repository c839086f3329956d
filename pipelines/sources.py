"""Finding calls to process: files in a folder, their metadata from a manifest, a content hash.

A manifest (``manifest.csv`` or ``manifest.jsonl`` in the folder, or one named explicitly) has
a ``file`` column relative to the manifest and any of ``call_id, agent_id, team, queue,
started_at, direction, customer_id``; other columns are kept as extra metadata.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, StringConstraints, ValidationError

from callqa.models.asr import AUDIO_SUFFIXES
from callqa.models.transcript import Record
from callqa.pipelines.paths import SAFE_ID, id_problem, shown
from callqa.pipelines.readers import TRANSCRIPT_SUFFIXES

PAIR_ROLES = (".agent", ".customer")  # call.agent.wav + call.customer.wav: one call, two files

MANIFEST_NAMES = ("manifest.csv", "manifest.jsonl")
MAX_TRANSCRIPT_BYTES = 50_000_000  # checked before a transcript file is read
MAX_MANIFEST_BYTES = 50_000_000
HASH_CHUNK = 1 << 20

SafeId = Annotated[str, StringConstraints(pattern=f"^{SAFE_ID.pattern}$")]
Label = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
METADATA_FIELDS = ("call_id", "agent_id", "team", "queue", "started_at", "direction", "customer_id")


class CallMetadata(Record):
    """What the contact centre knows about a call besides its words."""

    agent_id: SafeId | None = None  # names the agent's coaching pages
    team: Label | None = None
    queue: Label | None = None
    started_at: datetime | None = None
    direction: Literal["inbound", "outbound"] | None = None
    customer_id: Label | None = None
    extra: dict[Label, Label] = Field(default_factory=dict)


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


class Skipped(Record):
    """A file that was not read, and why (named in the run summary, not quarantined)."""

    path: str
    reason: str


class Discovery(NamedTuple):
    """What a folder holds: calls to consider, files that are problems, files skipped."""

    sources: list[CallSource]
    problems: list[SourceProblem]
    skipped: list[Skipped]


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def file_hash(paths: list[Path]) -> str:
    """The content hash of one file, or of a pair read one after the other, in chunks."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


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
    agent = known.get("agent_id")
    if isinstance(agent, str) and (problem := id_problem(agent, "agent id")):
        raise ValueError(problem)
    try:
        return CallMetadata(**known, extra=extra)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(shown(str(part))[1:-1] for part in err["loc"])
        raise ValueError(f"metadata {where}: {err['msg']}") from None


def discover_calls(
    root: Path,
    manifest: Path | None = None,
    since: datetime | None = None,
    follow_links: bool = False,
) -> Discovery:
    """Call files under ``root`` (a folder or one file) with metadata and hashes, in path order.

    Files or manifest rows that cannot be used come back as problems, not exceptions, so the
    rest of the batch goes on. Links that lead out of ``root`` (unless ``follow_links``), link
    loops, FIFOs, devices and files of unknown type are skipped and named.
    """
    root = root.absolute()
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such file or folder")
    skipped: list[Skipped] = []
    files = [root] if root.is_file() else _call_files(root, follow_links, skipped)
    manifest = manifest or next(
        (root / n for n in MANIFEST_NAMES if root.is_dir() and (root / n).exists()), None
    )
    if manifest is not None and not follow_links and root.is_dir():
        if not manifest.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"{manifest}: the manifest links outside the input folder")
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
            if problem := id_problem(call_id):
                raise ValueError(f"{problem} (rename the file or set call_id in the manifest)")
            metadata = parse_metadata(row)
            parts = [path, paired] if paired else [path]
            _check_size(path)
            digest = file_hash(parts)
        except (ValueError, OSError) as exc:
            problems.append(SourceProblem(path=str(path), call_id=_safe(call_id), reason=str(exc)))
            continue
        if since and _when(path, metadata) < since:
            continue
        sources.append(
            CallSource(
                path=str(path),
                call_id=call_id,
                content_hash=digest,
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
                path=str(path), call_id=_safe(str(row.get("call_id") or path.stem)), reason=reason
            )
        )
    return Discovery(sources, problems, skipped)


def _safe(call_id: str) -> str:
    """A call id fit to store and show beside a problem: the id if safe, else a quoted form."""
    return call_id if SAFE_ID.fullmatch(call_id) else shown(call_id)


def _check_size(path: Path) -> None:
    """Transcript files over the size limit are refused before they are read."""
    if path.suffix.lower() in AUDIO_SUFFIXES:
        return  # audio is limited by duration, probed before decoding
    size = path.stat().st_size
    if size > MAX_TRANSCRIPT_BYTES:
        raise ValueError(
            f"file too large: {size / 1e6:.0f} MB (limit {MAX_TRANSCRIPT_BYTES / 1e6:.0f} MB "
            "for a transcript)"
        )


def audio_files(paths: list[Path]) -> list[Path]:
    """The files given, a folder standing for the audio files under it (in path order, links
    not followed out of it)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [f for f in _call_files(path, False, []) if f.suffix.lower() in AUDIO_SUFFIXES]
        else:
            found.append(path)
    return found


def audio_calls(files: list[Path]) -> dict[str, list[Path]]:
    """Call id -> its audio files, by the same rule as a run: ``NAME.agent.EXT`` with
    ``NAME.customer.EXT`` is call NAME, agent file first; any other file is a call of its own
    (the first of several files with one name; :func:`clashing_audio` names the others)."""
    pairs = _pairs(files)
    partners = set(pairs.values())
    calls = {agent.stem[: -len(".agent")]: [agent, customer] for agent, customer in pairs.items()}
    for path in files:
        if path not in pairs and path not in partners:
            calls.setdefault(path.stem, [path])
    return calls


def clashing_audio(files: list[Path]) -> list[tuple[Path, Path]]:
    """(file, the file whose call id it would take) for audio files that name a call already
    named by another (``a/x.wav`` and ``b/x.wav``, ``y.wav`` and ``y.flac``)."""
    calls = audio_calls(files)
    taken = {p for paths in calls.values() for p in paths}
    return [(p, calls[p.stem][0]) for p in files if p not in taken and p.stem in calls]


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


def _call_files(root: Path, follow_links: bool, skipped: list[Skipped]) -> list[Path]:
    """Call files under ``root`` in path order, without following links out of it; what is
    passed over for another reason than its name is added to ``skipped``."""
    base = root.resolve()
    found: list[Path] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(names) + [d for d in dirs if (here / d).is_symlink()]:
            path = here / name
            if name.startswith((".", "_")) or name in MANIFEST_NAMES:
                continue
            why = _skip_reason(path, base, follow_links)
            if why:
                skipped.append(Skipped(path=str(path), reason=why))
            elif path.suffix.lower() not in (*TRANSCRIPT_SUFFIXES, *AUDIO_SUFFIXES):
                if path.suffix.lower() not in IGNORED_SUFFIXES and path.stem not in IGNORED_NAMES:
                    skipped.append(Skipped(path=str(path), reason="not a call file type"))
            else:
                found.append(path)
    return sorted(found)


IGNORED_SUFFIXES = (".md", ".csv", ".jsonl")  # notes and manifests beside the calls
IGNORED_NAMES = ("LICENSE", "NOTICE", "README", "COPYING")


def _skip_reason(path: Path, base: Path, follow_links: bool) -> str | None:
    """Why a folder entry is not read as a call, or None if it is a regular file to read."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            target = path.resolve(strict=True)
            if not follow_links and not target.is_relative_to(base):
                return "link to outside the input folder (--follow-links to read it)"
            mode = os.stat(path).st_mode
            if stat.S_ISDIR(mode):
                return "link to a folder (not followed)"
    except RuntimeError:  # Python 3.11's resolve() on a link loop
        return "link loop"
    except OSError as exc:
        return "link loop" if exc.errno == errno.ELOOP else f"cannot read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "folder"
    kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
    return f"not a regular file ({kind})"


def _read_manifest(path: Path) -> tuple[dict[Path, dict[str, Any]], list[SourceProblem]]:
    """Manifest rows keyed by the resolved file path they describe."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise ValueError(f"{path}: the manifest is not a regular file")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise ValueError(f"{path}: manifest too large (limit {MAX_MANIFEST_BYTES / 1e6:.0f} MB)")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: line {n}: invalid JSON ({exc.msg})") from None
                except RecursionError:
                    raise ValueError(f"{path}: line {n}: JSON nested too deeply") from None
    else:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
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
                    call_id=_safe(str(row.get("call_id") or target.stem)),
                    reason=f"{path.name} row {n}: the file is listed twice",
                )
            )
            continue
        keyed[target] = row
    return keyed, problems


def _when(path: Path, metadata: CallMetadata) -> datetime:
    when = metadata.started_at or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
