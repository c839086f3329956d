"""The transcript cache: redacted transcripts of audio calls keyed by the audio's content hash
and everything that shapes the transcript (ASR settings, redaction version), so a new pipeline
or scorecard version re-scores a call without transcribing it again. Never holds unredacted
text; erasure and retention remove entries."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from callqa.models.asr import AsrSettings
from callqa.models.transcript import Transcript
from callqa.qa_rules.redaction import REDACTION_VERSION


def cache_key(content_hash: str, settings: AsrSettings) -> str:
    shape = hashlib.sha256(f"{settings.model_dump_json()}|{REDACTION_VERSION}".encode())
    return f"{content_hash}-{shape.hexdigest()[:16]}"


class TranscriptCache:
    """One JSON file per key in ``folder``, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str) -> Transcript | None:
        path = self.folder / f"{key}.json"
        try:
            return Transcript.from_json(path.read_bytes())
        except (OSError, ValueError):  # missing, or damaged: transcribe again
            return None

    def put(self, key: str, transcript: Transcript) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{key}.partial"
        partial.write_text(transcript.to_json(), encoding="utf-8")
        os.replace(partial, self.folder / f"{key}.json")

    def drop(self, content_hashes: Iterable[str]) -> int:
        """Remove every entry of these audio files; returns how many."""
        gone = [p for h in content_hashes for p in self.folder.glob(f"{h}-*.json")]
        for path in gone:
            path.unlink()
        return len(gone)
