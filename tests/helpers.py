"""Helpers for building test inputs."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from callqa.models.transcript import Transcript, Turn

_TIMED = re.compile(r"^\[(?P<start>[\d.]+)-(?P<end>[\d.]+)\]\s*(?P<rest>.*)$")


def make_transcript(*lines: str, call_id: str = "t-1") -> Transcript:
    """``make_transcript("agent: hi", "[1.0-2.5] customer: hello")``: untimed or timed turns."""
    turns = []
    for line in lines:
        start = end = None
        m = _TIMED.match(line)
        if m:
            start, end, line = float(m["start"]), float(m["end"]), m["rest"]
        speaker, text = line.split(":", 1)
        turns.append(Turn(speaker=speaker.strip(), text=text.strip(), start=start, end=end))
    return Transcript(call_id=call_id, turns=tuple(turns), source="test")


class ReadRecorder:
    """An AnalysisContext that notes which of its parts a detector reads, in the names of
    ``Detector.requires`` ("structure", "head:emotion", "prototype:empathy"...)."""

    def __init__(self, ctx: object) -> None:
        self._ctx, self.read = ctx, set()

    def __getattr__(self, name: str) -> object:
        value = getattr(self._ctx, name)
        if name in ("head_scores", "prototype_scores"):
            return _KeysRead(value, name.split("_")[0], self.read)
        if not callable(value) and name != "sentences":
            self.read.add(name)
        return value


class _KeysRead(dict):
    def __init__(self, inner: dict, kind: str, read: set) -> None:
        super().__init__(inner)
        self.kind, self.read = kind, read

    def __getitem__(self, key: str) -> object:
        self.read.add(f"{self.kind}:{key}")
        return super().__getitem__(key)

    def get(self, key: str, default: object = None) -> object:
        self.read.add(f"{self.kind}:{key}")
        return super().get(key, default)


def write_calls(folder: Path, n: int) -> Path:
    """``n`` small, distinct two-party transcripts."""
    folder.mkdir()
    for i in range(n):
        (folder / f"call-{i:03d}.txt").write_text(
            f"[00:00] Agent: Thank you for calling, this is Dana. How can I help?\n"
            f"[00:04] Customer: My order {i} arrived broken, I'd like a replacement.\n"
            f"[00:09] Agent: I'm sorry about that. I've sent a replacement for order {i}; "
            f"it arrives in {i % 5 + 2} days.\n"
            f"[00:16] Customer: Great, thank you.\n"
        )
    return folder


@contextmanager
def lock_held(db: str, shared: bool = False, seconds: float = 60) -> Iterator[subprocess.Popen]:
    """The store's run lock held by another process, for ``seconds`` or until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time\nfrom callqa.pipelines.locks import run_lock\n"
         f"with run_lock({db!r}, shared={shared}):\n    print('held', flush=True)\n"
         f"    time.sleep({seconds})"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()
