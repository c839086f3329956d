"""Benchmark transcription's cost against bare faster-whisper, side by side in one process.

Stereo calls are spoken by espeak-ng from Harper Valley transcripts (as
:mod:`callqa.evaluation.bench_asr` makes them). For each call, with the model loaded once and
the same settings (tiny.en, int8, beam 5, VAD, word times), it times:

- **bare**: faster-whisper's ``WhisperModel.transcribe`` on each channel, segments consumed;
- **batched**: faster-whisper's ``BatchedInferencePipeline`` on each channel (batches of 8);
- **callqa**: :func:`callqa.models.asr.transcribe` with its defaults (the batched pipeline,
  both channels, each party's words regrouped by its stretches of speech, turns), compared
  with **batched**, the same decoding;
- **callqa + redaction**: the same, then the redaction ``callqa transcribe`` applies;

and the parts callqa adds (decoding the file, finding speech stretches, redaction); then whole
processes over all the calls: a faster-whisper script (batched) beside ``callqa transcribe``. It
prints seconds, times real time (audio seconds per second), the ratio to bare (whole process to
whole process), and WER against the spoken text, party by party (each channel's words against
what that party said, so the order of the two parties' segments does not count). Ratios,
not absolute times, are what to compare: the machine is shared.

    python -m callqa.evaluation.bench_transcribe --data ../shared/datasets/harper_valley --calls 3
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jiwer

from callqa.evaluation.bench_asr import NORMALISE, spoken_calls, write
from callqa.models.asr import AsrSettings, as_float, default_model_path, load_audio, transcribe
from callqa.models.voices import speech_spans

PARTIES = ("agent", "customer")


def _bare(model: Any, batched: bool) -> Callable[[Path], list[str]]:
    from faster_whisper import BatchedInferencePipeline

    engine = BatchedInferencePipeline(model) if batched else model
    options = {"language": "en", "beam_size": 5, "vad_filter": True, "word_timestamps": True,
               "condition_on_previous_text": False}  # fmt: skip
    if batched:
        options["batch_size"] = 8

    def run(path: Path) -> list[str]:
        said = []
        for track in load_audio(path, split_stereo=True):  # left: the agent, right: the customer
            segments, _ = engine.transcribe(as_float(track), **options)
            said.append(" ".join(s.text for s in segments))
        return said

    return run


BARE_PROCESS = """
import sys
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
model = BatchedInferencePipeline(
    WhisperModel(sys.argv[1], compute_type="int8", local_files_only=True))
for path in sys.argv[2:]:
    for channel in decode_audio(path, split_stereo=True):
        segments, _ = model.transcribe(channel, language="en", beam_size=5, vad_filter=True,
                                       word_timestamps=True, condition_on_previous_text=False,
                                       batch_size=8)
        list(segments)
"""


def whole_processes(audios: list[Path], out: Path) -> dict[str, float]:
    """Seconds of a whole process each: a bare faster-whisper script, and ``callqa transcribe``
    (imports, model loading, redaction's spaCy pipeline and writing the files included)."""
    commands = {
        "bare, whole process": [sys.executable, "-c", BARE_PROCESS, str(default_model_path())],
        "callqa transcribe, whole process": [sys.executable, "-m", "callqa.pipelines.cli",
                                             "transcribe", "--out", str(out)],
    }  # fmt: skip
    seconds = {}
    for name, command in commands.items():
        started = time.perf_counter()
        subprocess.run([*command, *map(str, audios)], check=True, capture_output=True)
        seconds[name] = time.perf_counter() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the harper_valley folder")
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--max-turns", type=int, default=24, help="turns spoken per call")
    args = parser.parse_args()
    from faster_whisper import WhisperModel

    from callqa.models.nlp import load_nlp
    from callqa.qa_rules.redaction import redact_transcript

    model = WhisperModel(str(default_model_path()), compute_type="int8", local_files_only=True)
    settings = AsrSettings()
    nlp = load_nlp()
    timings: dict[str, float] = {}
    said: dict[str, list[str]] = {}
    truths: list[str] = []
    audio_s = 0.0
    audios: list[Path] = []

    def timed(name: str, work: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        result = work(*args)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
        return result

    with tempfile.TemporaryDirectory() as tmp:
        for sid, reference, spoken, raw in spoken_calls(args.data, args.calls, args.max_turns,
                                                        Path(tmp)):  # fmt: skip
            audio = write(raw, "stereo", 16_000).rename(Path(tmp) / f"{sid}.wav")
            audios.append(audio)
            truths += [" ".join(t.text for t in reference.turns if t.speaker == party)
                       for party in PARTIES]  # fmt: skip
            audio_s += spoken[-1][2]
            for name, in_batches in (("bare", False), ("batched", True)):
                said.setdefault(name, []).extend(timed(name, _bare(model, in_batches), audio))
            transcript = timed("callqa", transcribe, audio, sid, settings)
            said.setdefault("callqa", []).extend(
                " ".join(t.text for t in transcript.turns if t.speaker == party)
                for party in PARTIES
            )
            timed("redaction", redact_transcript, transcript, nlp)
            tracks = timed("decode the file", load_audio, audio, True)
            for i, track in enumerate(tracks):
                timed("speech stretches", speech_spans, as_float(track), i)
        timings.update(whole_processes(audios, Path(tmp) / "out"))
    timings["callqa + redaction"] = timings["callqa"] + timings["redaction"]
    said["callqa + redaction"] = said["callqa"]
    bare, batched = timings["bare"], timings["batched"]
    print(f"{args.calls} stereo calls, {audio_s:.0f} s of audio")
    print("| step | seconds | x real time | / faster-whisper, same decoding | WER |")
    print("|---|---|---|---|---|")
    for name in ("bare", "batched", "callqa", "callqa + redaction", "decode the file",
                 "speech stretches", "redaction", "bare, whole process",
                 "callqa transcribe, whole process"):  # fmt: skip
        wer = ""
        if name in said:
            rate = jiwer.wer(truths, said[name], reference_transform=NORMALISE,
                             hypothesis_transform=NORMALISE)  # fmt: skip
            wer = f"{rate:.3f}"
        base = {"callqa": batched, "callqa + redaction": batched}.get(name, bare)
        base = timings["bare, whole process"] if "whole" in name else base
        print(f"| {name} | {timings[name]:.1f} | {audio_s / timings[name]:.1f} | "
              f"{timings[name] / base:.2f} | {wer} |")  # fmt: skip


if __name__ == "__main__":
    main()
