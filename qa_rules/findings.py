"""Finding and Evidence: what a detector saw, and the words that prove it."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field

from callqa.models.transcript import Record, Speaker, Transcript

Polarity = Literal["positive", "negative", "neutral"]


class Evidence(Record):
    """A quoted stretch of one turn: where it is (turn, characters, seconds) and what was said."""

    turn: int = Field(ge=0)
    speaker: Speaker
    char_start: int = Field(ge=0)
    char_end: int = Field(ge=0)
    start: float | None = None
    end: float | None = None
    quote: str


class Finding(Record):
    """One observation about a call.

    ``behaviour`` is the QA behaviour it bears on (for example ``active_listening`` or
    ``call_handling``), ``label`` the specific thing seen (``interruption``, ``dead_air``),
    ``polarity`` whether it shows the behaviour (positive) or its absence or failure (negative).
    ``value`` carries a measured number where there is one (seconds, a share, words per minute);
    ``details`` structured fields where the finding has them (a commitment's who, what and when).
    """

    detector: str
    behaviour: str
    label: str
    polarity: Polarity
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: tuple[Evidence, ...] = Field(min_length=1)
    why: str
    value: float | None = None
    details: dict[str, str] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """A stable id, so scores can point at the findings behind them."""
        first = self.evidence[0]
        raw = f"{self.detector}|{self.label}|{first.turn}|{first.char_start}|{first.char_end}"
        return hashlib.sha1(raw.encode()).hexdigest()[:12]


def quote_turn(
    transcript: Transcript, turn: int, char_start: int = 0, char_end: int | None = None
) -> Evidence:
    """Evidence quoting ``transcript.turns[turn]`` (the whole turn unless a span is given)."""
    t = transcript.turns[turn]
    end_char = len(t.text) if char_end is None else char_end
    whole = char_start == 0 and end_char == len(t.text)
    start, end = (t.start, t.end) if whole else (t.span_times(char_start, end_char) or (None, None))
    return Evidence(
        turn=turn,
        speaker=t.speaker,
        char_start=char_start,
        char_end=end_char,
        start=start,
        end=end,
        quote=t.text[char_start:end_char],
    )
