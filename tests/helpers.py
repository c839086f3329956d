"""Helpers for building test inputs."""

from __future__ import annotations

import re

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
