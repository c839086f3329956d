"""Transcript readers: one per supported file format, and the detection that picks one.

Formats: callqa JSON, plain text with speaker prefixes, WebVTT, SRT, and Amazon Transcribe
output (standard and Call Analytics). Detection never guesses silently: a file that matches no
format, or that is broken, raises :class:`ReadError` with the reason.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import regex
import srt
import webvtt
from pydantic import ValidationError

from callqa.models.roles import agent_label
from callqa.models.transcript import Speaker, Transcript, Turn, Word

TRANSCRIPT_SUFFIXES = (".json", ".txt", ".vtt", ".srt")

ROLE_ALIASES: dict[str, Speaker] = {
    **dict.fromkeys(("agent", "a", "rep", "representative", "advisor", "operator"), "agent"),
    **dict.fromkeys(("customer", "c", "caller", "client"), "customer"),
    "unknown": "unknown",  # as `callqa transcribe` writes speech it cannot attribute
}
SERVICE_DESK = re.compile(r"customer (?:services?|care|support|team|advis[eo]r|agent)\b")
# Where a turn with only a start time ends: at the next turn's start, or sooner when its words
# take less time to say, even slowly; the rest of the gap is silence (a hold, dead air).
SECONDS_PER_WORD = 0.6
END_GRACE_S = 2.0


# Characters no one reads and that can hide words from redaction ("Jo\u200bhn", "j\x01o@x.com"):
# controls (tab and line ends aside), format characters (zero-width, bidi overrides), variation
# selectors, the combining grapheme joiner and the blank Hangul fillers.
INVISIBLE = regex.compile(
    r"[^\P{Cc}\t\n\r]|\p{Cf}|[\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef\u115f\u1160\u3164\uffa0]"
)
JSON_TYPES = {type(None): "null", bool: "true/false", int: "a number", float: "a number",
              list: "a list", dict: "an object"}  # fmt: skip


class ReadError(ValueError):
    """A transcript file that cannot be read; the message says why."""


def decode_text(raw: bytes) -> str:
    """The text of a file: UTF-8, or UTF-16 with its byte-order mark (as Windows tools save
    it); a ReadError for empty, binary or other content."""
    if raw[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        raise ReadError("UTF-32 text; re-save the file as UTF-8")
    utf16 = raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if not utf16 and b"\x00" in raw:
        raise ReadError("binary content (NUL bytes), not a transcript")
    try:
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"not {'UTF-16' if utf16 else 'UTF-8'} text (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}); re-save the file as UTF-8"
        ) from None
    if "\x00" in text:
        raise ReadError("binary content (NUL characters), not a transcript")
    text = INVISIBLE.sub("", text)  # out of speaker labels too ("\u200bCustomer:"), BOMs as well
    if not text.strip():
        raise ReadError("empty file")
    return text


def read_transcript(path: Path, raw: bytes, call_id: str) -> tuple[Transcript, dict[str, Any]]:
    """Parse ``raw`` (the bytes of ``path``) into a Transcript and any metadata it carries."""
    suffix = path.suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        raise ReadError(f"unsupported file type {suffix or '(none)'!r}")
    text = decode_text(raw)
    if suffix == ".json":
        return _read_json(text, call_id)
    reader: Callable[[str, str], Transcript] = {
        ".txt": read_plain_text,
        ".vtt": read_webvtt,
        ".srt": read_srt,
    }[suffix]
    return reader(text, call_id), {}


def role_of(name: str) -> Speaker:
    """The role for a speaker name such as ``Agent``, ``C`` or ``Caller``; ReadError if unknown."""
    key = name.strip().lower()
    if key in ROLE_ALIASES:
        return ROLE_ALIASES[key]
    first = key.split()[0] if key.split() else key
    if SERVICE_DESK.match(key):  # "Customer Service", "Customer Care": the agent's side
        return "agent"
    if first in ROLE_ALIASES and first not in ("a", "c"):
        return ROLE_ALIASES[first]
    known = ", ".join(sorted({k.title() for k in ROLE_ALIASES if len(k) > 1}))
    masked = name.strip()[:1] + "*" * (len(name.strip()) - 1)  # it may be a person's name
    raise ReadError(f"unknown speaker name {masked!r} (expected one of: {known}, A, C)")


def build_transcript(call_id: str, turns: list[Turn | None], source: str, **kw: Any) -> Transcript:
    """A validated Transcript, turning validation problems into ReadErrors."""
    spoken = tuple(t for t in turns if t is not None)  # turns of non-speech markers dropped
    if not spoken:
        raise ReadError(
            "no speaker turns found" if not turns else "no speech, only blank turns or markers"
        )
    if all(t.speaker == "agent" for t in spoken):  # a silent line: nothing to judge the agent by
        raise ReadError("no customer speech, only the agent's turns")
    try:
        return Transcript(call_id=call_id, turns=spoken, source=source, **kw)
    except ValidationError as exc:
        raise ReadError(_first_error(exc)) from None


NON_SPEECH = re.compile(
    r"[\[(<]\s*(?:noise|noises|laughter|laughs?|laughing|cough|coughs|coughing|crosstalk|"
    r"cross talk|inaudible|unintelligible|indiscernible|music|hold music|silence|breath|"
    r"breathing|sighs?|static|beep|background(?: noise)?|overlap|overlapping|unk|foreign|"
    r"applause|no speech)\s*[\])>]",
    re.IGNORECASE,
)


def speech_only(text: str) -> str:
    """``text`` without the non-speech markers transcribers and corpora use (``<unk>``,
    ``[noise]``, ``[laughter]``, ``(inaudible)``, ``[crosstalk]``...), spaces tidied."""
    return " ".join(NON_SPEECH.sub(" ", text).split())


def make_turn(number: int, **fields: Any) -> Turn | None:
    """A Turn without non-speech markers or invisible characters; None for a blank turn or one
    made only of markers (never quoted, scored or counted as talk); a ReadError naming the turn
    (1-based) and the problem."""
    if "text" not in fields:
        raise ReadError(f"turn {number}: missing 'text'")
    if not isinstance(fields["text"], str):
        kind = JSON_TYPES.get(type(fields["text"]), type(fields["text"]).__name__)
        raise ReadError(f"turn {number}: 'text' must be a string, not {kind}")
    text = speech_only(INVISIBLE.sub("", fields["text"]))
    if not text:
        return None
    fields["text"] = text
    if fields.get("words"):
        fields["words"] = tuple(w for w in fields["words"] if speech_only(_word_text(w)))
    try:
        return Turn(**fields)
    except ValidationError as exc:
        raise ReadError(f"turn {number}: {_first_error(exc)}") from None


def _word_text(word: Any) -> str:
    return str(word.get("text", "") if isinstance(word, dict) else getattr(word, "text", ""))


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


# --- plain text ------------------------------------------------------------------------------

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_LINE = re.compile(
    rf"^\s*(?:\[(?P<start>{_TS})(?:\s*-+\s*(?P<end>{_TS}))?\]\s*)?"
    r"(?P<who>[A-Za-z][A-Za-z0-9_]*(?: [A-Za-z0-9_]+)?)\s*:\s*(?P<text>.*)$"
)


def read_plain_text(text: str, call_id: str) -> Transcript:
    """Lines like ``Agent: ...`` / ``C: ...``, optionally ``[mm:ss]`` or ``[mm:ss-mm:ss]`` first.

    A line without a prefix continues the previous turn. A start-only timestamp ends its turn
    when the next begins or after its words at a slow pace (0.6 s a word, plus 2 s), whichever
    comes first.
    """
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            if not rows:
                raise ReadError(f"line {number}: missing speaker label (e.g. 'Agent: ...')")
            rows[-1]["text"] += " " + line.strip()
            continue
        try:
            speaker = role_of(m["who"])
        except ReadError as exc:
            raise ReadError(f"line {number}: {exc}") from None
        rows.append(
            {
                "speaker": speaker,
                "text": m["text"].strip(),
                "start": _clock(m["start"]),
                "end": _clock(m["end"]),
                "line": number,
            }
        )
    timed = [r["start"] is not None for r in rows]
    if any(timed) and not all(timed):
        raise ReadError("some lines have timestamps and others do not")
    for r, nxt in zip(rows, rows[1:] + [None], strict=True):
        if r["start"] is not None and r["end"] is None:
            spoken = r["start"] + SECONDS_PER_WORD * max(1, len(r["text"].split())) + END_GRACE_S
            r["end"] = min(nxt["start"], spoken) if nxt is not None else spoken
    turns = [make_turn(r.pop("line"), **r) for r in rows]
    return build_transcript(call_id, turns, source="text")


def _clock(value: str | None) -> float | None:
    if value is None:
        return None
    parts = [float(p) for p in value.replace(",", ".").split(":")]
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + p
    return seconds


# --- subtitles ---------------------------------------------------------------------------------

_PREFIX = re.compile(
    r"^\s*(?:-\s*)?\[?(?P<who>[A-Za-z][A-Za-z ]{0,20}?)\]?\s*:\s*(?P<text>.+)$", re.DOTALL
)
_TAGS = re.compile(r"<[^>]+>")


def _cue_turn(number: int, voice: str | None, text: str, start: float, end: float) -> Turn | None:
    """A turn from one subtitle cue, its speaker from a voice tag or a ``Name:`` prefix; None
    for a blank cue or one of non-speech markers only (``<v Customer><unk>``)."""
    text = speech_only(_TAGS.sub(lambda t: t[0] if NON_SPEECH.fullmatch(t[0]) else "", text))
    if voice is None:
        m = _PREFIX.match(text + " ")
        if m is None:
            if not text:
                return None  # only markers
            raise ReadError(f"cue {number}: missing speaker (use <v Agent> or 'Agent:')")
        voice, text = m["who"], m["text"].strip()
    if not speech_only(text):
        return None
    try:
        speaker = role_of(voice)
    except ReadError as exc:
        raise ReadError(f"cue {number}: {exc}") from None
    return make_turn(number, speaker=speaker, text=text, start=start, end=end)


def read_webvtt(text: str, call_id: str) -> Transcript:
    """WebVTT with ``<v Agent>`` voice tags or ``Agent:`` prefixes in the cue text."""
    if not text.lstrip().startswith("WEBVTT"):
        raise ReadError("not a WebVTT file (no 'WEBVTT' header)")
    try:
        captions = webvtt.from_buffer(io.StringIO(text)).captions
    except Exception as exc:  # webvtt raises several error types for malformed files
        raise ReadError(f"malformed WebVTT: {exc}") from None
    turns = [
        _cue_turn(
            n,
            c.voice,
            c.raw_text,
            c.start_time.in_milliseconds() / 1000,
            c.end_time.in_milliseconds() / 1000,
        )
        for n, c in enumerate(captions, start=1)
    ]
    return build_transcript(call_id, turns, source="webvtt")


def read_srt(text: str, call_id: str) -> Transcript:
    """SRT whose cue text starts with the speaker: ``Agent: ...`` or ``[Customer] ...``."""
    try:
        subtitles = list(srt.parse(text, ignore_errors=False))
    except srt.SRTParseError as exc:
        raise ReadError(f"malformed SRT: {exc}") from None
    turns = [
        _cue_turn(
            n,
            None,
            re.sub(r"^\s*\[([A-Za-z ]+)\]\s*", r"\1: ", s.content),
            s.start.total_seconds(),
            s.end.total_seconds(),
        )
        for n, s in enumerate(subtitles, start=1)
    ]
    return build_transcript(call_id, turns, source="srt")


# --- JSON --------------------------------------------------------------------------------------


def _read_json(text: str, call_id: str) -> tuple[Transcript, dict[str, Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ReadError(f"invalid JSON ({exc.msg}) at {where}") from None
    except RecursionError:
        raise ReadError("JSON nested too deeply to be a transcript") from None
    if isinstance(doc, dict) and "turns" in doc:
        return read_callqa_json(doc, call_id)
    if isinstance(doc, dict) and isinstance(doc.get("Transcript"), list):
        return read_call_analytics(doc, call_id), {}
    if isinstance(doc, dict) and isinstance(doc.get("results"), dict):
        return read_amazon_transcribe(doc, call_id), {}
    raise ReadError(
        "unrecognised JSON: expected callqa ('turns'), Amazon Transcribe ('results') "
        "or Transcribe Call Analytics ('Transcript')"
    )


def read_callqa_json(doc: dict[str, Any], call_id: str) -> tuple[Transcript, dict[str, Any]]:
    """callqa JSON: ``{"call_id"?, "metadata"?, "turns": [{"speaker", "text", "start"?, ...}]}``,
    as ``callqa transcribe`` writes it (with its redactions and how it was recognised)."""
    unknown = set(doc) - {
        "call_id", "metadata", "turns", "source", "speaker_method", "language", "redactions",
        "recognition",
    }  # fmt: skip
    if unknown:
        raise ReadError(f"unknown top-level field(s): {', '.join(sorted(unknown))}")
    if not isinstance(doc["turns"], list):
        raise ReadError("'turns' must be a list")
    turns = []
    for n, raw in enumerate(doc["turns"], start=1):
        if not isinstance(raw, dict):
            raise ReadError(f"turn {n}: expected an object")
        if "speaker" not in raw:
            raise ReadError(f"turn {n}: missing 'speaker'")
        fields = {**raw, "speaker": role_of(str(raw["speaker"]))}
        turns.append(make_turn(n, **fields))
    metadata = doc.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ReadError("'metadata' must be an object")
    transcript = build_transcript(
        str(doc.get("call_id") or call_id),
        turns,
        source=str(doc.get("source", "callqa-json")),
        speaker_method=str(doc.get("speaker_method", "labels")),
        language=str(doc.get("language", "en")),
        # where placeholders stand, unless dropped marker turns moved the turns they point at
        redactions=doc.get("redactions") or () if None not in turns else (),
        recognition=doc.get("recognition"),
    )
    return transcript, metadata


def read_call_analytics(doc: dict[str, Any], call_id: str) -> Transcript:
    """Amazon Transcribe Call Analytics output: ``Transcript`` segments with ParticipantRole."""
    turns = []
    for n, seg in enumerate(doc["Transcript"], start=1):
        try:
            role = seg["ParticipantRole"]
            words = tuple(
                Word(
                    text=it["Content"],
                    start=it["BeginOffsetMillis"] / 1000,
                    end=it["EndOffsetMillis"] / 1000,
                    confidence=it.get("Confidence"),
                )
                for it in seg.get("Items", [])
                if it.get("Type", "pronunciation") == "pronunciation"
            )
            fields = {
                "speaker": role_of(role),
                "text": seg["Content"],
                "start": seg["BeginOffsetMillis"] / 1000,
                "end": seg["EndOffsetMillis"] / 1000,
                "words": words,
            }
        except (KeyError, TypeError) as exc:
            raise ReadError(f"segment {n}: missing field {exc}") from None
        turns.append(make_turn(n, **fields))
    return build_transcript(call_id, turns, source="amazon-call-analytics")


def read_amazon_transcribe(doc: dict[str, Any], call_id: str) -> Transcript:
    """Amazon Transcribe output with speaker labels (``spk_N``) or channels (``ch_N``).

    Channel ``ch_0`` is the agent and ``ch_1`` the customer (the usual recorder layout);
    diarised speakers get roles from :func:`callqa.models.roles.agent_label`.
    """
    items = doc["results"].get("items")
    if not isinstance(items, list) or not items:
        raise ReadError("Amazon Transcribe output has no 'results.items'")
    labelled = _label_items(doc["results"], items)
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for label, item in labelled:
        if item.get("type") == "punctuation":
            if groups:
                groups[-1][1].append(item)
            continue
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(item)
    by_channel = all(label.startswith("ch_") for label, _ in groups)
    texts = [(label, _join_items(its)) for label, its in groups]
    if by_channel:
        roles = {label: ("agent" if label == "ch_0" else "customer") for label, _ in groups}
        method = "channel"
    else:
        agent = agent_label(texts)
        roles = {label: ("agent" if label == agent else "customer") for label, _ in groups}
        method = "role-heuristic"
    turns = []
    for n, ((label, its), (_, text)) in enumerate(zip(groups, texts, strict=True), start=1):
        words = tuple(_item_word(it) for it in its if it.get("type") != "punctuation")
        turns.append(
            make_turn(
                n,
                speaker=roles[label],
                text=text,
                start=words[0].start,
                end=words[-1].end,
                words=words,
                channel=int(label[3:]) if by_channel and label[3:].isdigit() else None,
            )
        )
    return build_transcript(call_id, turns, source="amazon-transcribe", speaker_method=method)


def _label_items(results: dict[str, Any], items: list[dict[str, Any]]) -> list[tuple[str, dict]]:
    """Each item with its speaker or channel label, from the item or the label sections."""
    spans: list[tuple[float, float, str]] = []
    for seg in (results.get("speaker_labels") or {}).get("segments", []):
        spans.append((float(seg["start_time"]), float(seg["end_time"]), seg["speaker_label"]))
    for ch in (results.get("channel_labels") or {}).get("channels", []):
        for it in ch.get("items", []):
            if "start_time" in it:
                spans.append((float(it["start_time"]), float(it["end_time"]), ch["channel_label"]))
    out, last = [], None
    for n, it in enumerate(items, start=1):
        label = it.get("speaker_label") or it.get("channel_label")
        if label is None and "start_time" in it:
            t = float(it["start_time"])
            label = next((lab for s, e, lab in spans if s <= t <= e), None)
        label = label or (last if it.get("type") == "punctuation" else None)
        if label is None:
            raise ReadError(
                f"item {n}: no speaker or channel label (run Transcribe with speaker "
                "identification or channel identification)"
            )
        out.append((label, it))
        last = label
    return out


def _item_word(item: dict[str, Any]) -> Word:
    alt = item["alternatives"][0]
    return Word(
        text=alt["content"],
        start=float(item["start_time"]),
        end=float(item["end_time"]),
        confidence=float(alt["confidence"]) if "confidence" in alt else None,
    )


def _join_items(items: list[dict[str, Any]]) -> str:
    text = ""
    for it in items:
        content = it["alternatives"][0]["content"]
        text += content if it.get("type") == "punctuation" or not text else " " + content
    return text
