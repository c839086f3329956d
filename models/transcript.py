"""Transcript records: what ASR or a transcript reader produces for one call.

Records are frozen and reject unknown fields, so they can cross the Prefect boundary and be
written as JSON without drifting. Times are seconds from the start of the call; a chat or a
plain-text transcript without timestamps has ``None`` times.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Speaker = Literal["agent", "customer", "unknown"]
SPEAKERS: tuple[Speaker, ...] = ("agent", "customer", "unknown")


class Record(BaseModel):
    """Base for every callqa record: immutable, strict about fields, JSON round-trippable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        return cls.model_validate_json(text)


class Word(Record):
    """One recognised word with its time span and recogniser confidence (0..1)."""

    text: str
    start: float | None = None
    end: float | None = None
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class Turn(Record):
    """One speaker turn: a contiguous stretch of speech by one party."""

    speaker: Speaker
    text: str
    start: float | None = None
    end: float | None = None
    words: tuple[Word, ...] = ()
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    channel: int | None = None

    @model_validator(mode="after")
    def _times_are_ordered(self) -> Turn:
        if (self.start is None) != (self.end is None):
            raise ValueError("a turn needs both start and end times, or neither")
        if self.start is not None and self.end is not None:
            if self.start < 0:
                raise ValueError(f"turn starts at a negative time ({self.start})")
            if self.end <= self.start:
                raise ValueError(f"zero-length or reversed turn ({self.start}–{self.end} s)")
        return self

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    def span_times(self, char_start: int, char_end: int) -> tuple[float, float] | None:
        """Start and end time of the words inside ``text[char_start:char_end]``.

        From word times when the turn has them; otherwise the span's share of the turn's
        characters, spread over the turn's time. None for an untimed turn.
        """
        timed = [
            (w.start, w.end)
            for offset, w in self.word_offsets()
            if char_start <= offset < char_end and w.start is not None and w.end is not None
        ]
        if timed:
            return timed[0][0], timed[-1][1]
        if self.start is None or self.end is None:
            return None
        per_char = (self.end - self.start) / max(len(self.text), 1)
        return self.start + per_char * char_start, self.start + per_char * char_end

    def word_offsets(self) -> list[tuple[int, Word]]:
        """Each word with the character offset where it is found in the text."""
        found, pos = [], 0
        for w in self.words:
            at = self.text.find(w.text.strip(), pos)
            if at >= 0:
                found.append((at, w))
                pos = at + len(w.text.strip())
        return found


RedactionKind = Literal[
    "CARD",
    "CVV",
    "EXPIRY",
    "ACCOUNT",
    "ROUTING",
    "SSN",
    "PHONE",
    "EMAIL",
    "ADDRESS",
    "DOB",
    "PERSON",
]  # fmt: skip; also the precedence when two spans overlap
SpeakerMethod = Literal[
    "labels",  # speaker labels in the file
    "channel",  # one channel per speaker in the file
    "role-heuristic",  # diarised speakers named by the cue heuristic
    "stereo channels",
    "two files (agent, customer)",
    "mono voice split + role heuristic",
    "purged",  # the words were removed under the retention policy
]


class Redaction(Record):
    """A placeholder (``[CARD]``, ``[EMAIL]``...) put where personal data was said: its place in
    the redacted turn's text and, for timed turns, when it was said (to mute the audio)."""

    turn: int = Field(ge=0)
    kind: RedactionKind
    char_start: int = Field(ge=0)
    char_end: int = Field(ge=0)
    start: float | None = None
    end: float | None = None


class Recognition(Record):
    """How an ASR transcript was made, as faster-whisper's ``TranscriptionInfo`` records the
    options it used: the backend, the model folder's name, the device and decoding settings."""

    backend: str
    model: str
    device: str
    compute_type: str
    beam_size: int
    batch_size: int = 1  # stretches of speech decoded together (older transcripts: 1)


class Transcript(Record):
    """A speaker-attributed transcript of one call.

    ``source`` names where it came from (a reader format or an ASR backend) and
    ``speaker_method`` how speakers were attributed (labels in the file, audio channels,
    or a role heuristic), so a reader of the result knows how far to trust the roles.
    """

    call_id: str = Field(min_length=1)
    turns: tuple[Turn, ...]
    source: str
    speaker_method: SpeakerMethod = "labels"
    language: str = "en"
    redactions: tuple[Redaction, ...] = ()
    recognition: Recognition | None = None  # how speech was recognised; None: not from audio

    @property
    def timed(self) -> bool:
        """True when every turn has start and end times."""
        return bool(self.turns) and all(t.start is not None for t in self.turns)

    @property
    def duration(self) -> float | None:
        """Seconds from the start of the call to the end of its last turn."""
        if not self.timed:
            return None
        return max(t.end for t in self.turns if t.end is not None)
