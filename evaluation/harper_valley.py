"""Loader for the Gridspace-Stanford Harper Valley Bank corpus, read as published.

Layout: ``data/transcript/<sid>.json`` (segments) and ``data/metadata/<sid>.json``. The reference
text is ``human_transcript``; markers such as ``[noise]`` and ``<unk>`` are dropped, and segments
left empty are skipped. Licence: Apache-2.0 (Gridspace Inc.).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from callqa.models.transcript import Transcript, Turn

ROLES = {"agent": "agent", "caller": "customer"}
_MARKERS = re.compile(r"\[[^\]]*\]|<unk>")


def clean_text(text: str) -> str:
    """Human transcript text without noise markers and cut-off tildes."""
    return " ".join(_MARKERS.sub(" ", text).replace("~", "").split())


def load_call(root: Path, sid: str) -> tuple[Transcript, dict[str, Any]]:
    """One call as a Transcript (times from call start) and its metadata document."""
    turns = tuple(turn for turn, _, _ in _segments(root, sid))
    metadata = json.loads((root / "data" / "metadata" / f"{sid}.json").read_text())
    return Transcript(call_id=sid, turns=turns, source="harper-valley"), metadata


def dialog_acts(root: Path, sid: str) -> list[frozenset[str]]:
    """The dialog-act tags of each turn of :func:`load_call`'s transcript, in turn order.

    These are outputs of Gridspace's dialog-act model (silver labels), without the
    ``gridspace_`` prefix.
    """
    return [tags for _, tags, _ in _segments(root, sid)]


def segment_indexes(root: Path, sid: str) -> list[int]:
    """The corpus's segment ``index`` of each turn of :func:`load_call`'s transcript."""
    return [index for _, _, index in _segments(root, sid)]


def _segments(root: Path, sid: str) -> list[tuple[Turn, frozenset[str], int]]:
    segments = json.loads((root / "data" / "transcript" / f"{sid}.json").read_text())
    found: list[tuple[Turn, frozenset[str], int]] = []
    for seg in sorted(segments, key=lambda s: s["start_ms"]):
        text = clean_text(seg["human_transcript"])
        if not text or seg["duration_ms"] <= 0:
            continue
        start = seg["start_ms"] / 1000
        turn = Turn(
            speaker=ROLES[seg["speaker_role"]],  # type: ignore[arg-type]
            text=text,
            start=start,
            end=start + seg["duration_ms"] / 1000,
            channel=seg["channel_index"],
        )
        tags = frozenset(t.removeprefix("gridspace_") for t in seg.get("dialog_acts", []))
        found.append((turn, tags, seg.get("index", len(found) + 1)))
    return found


def call_ids(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "data" / "transcript").glob("*.json"))
