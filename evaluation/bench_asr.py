"""Benchmark transcription: WER, speaker attribution and speed on calls made with espeak-ng.

Each call is the human transcript of a real Harper Valley call, spoken turn by turn by two
espeak-ng voices (agent: en-us, customer: en-gb+f3) with a pause between turns, then written as
a stereo file (one party per channel) and a mono mix, at 16 kHz and 8 kHz (telephone). It prints,
per condition: WER against the spoken text (jiwer, lower case, punctuation and repeated spaces
removed), the speaker error (share of recognised words given to the wrong party, by the time of
the word), and the real-time factor (transcription seconds per audio second, both channels of a
stereo call together). The same tiny.en weights, converted to a Hugging Face folder
(:mod:`callqa.evaluation.ct2_whisper`), also run through the transformers backend, side by side.
Needs the Debian packages espeak-ng and sox.

    python -m callqa.evaluation.bench_asr --data ../shared/datasets/harper_valley --calls 4
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import jiwer
import numpy as np

from callqa.evaluation.ct2_whisper import convert
from callqa.evaluation.harper_valley import call_ids, load_call
from callqa.models.asr import (
    AsrSettings,
    as_float,
    default_model_path,
    load_audio,
    load_recogniser,
    transcribe,
)
from callqa.models.transcript import Speaker, Transcript
from callqa.models.voices import timed

VOICES = {"agent": "en-us", "customer": "en-gb+f3"}
PAUSE_S = 0.6
NORMALISE = jiwer.Compose(
    [jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
     jiwer.ReduceToListOfListOfWords()]
)  # fmt: skip
CONDITIONS = (  # (audio, sample rate, compute type, beam); "transformers": the same weights there
    ("stereo", 16_000, "int8", 5),
    ("stereo", 16_000, "transformers", 1),  # the pipeline decodes greedily
    ("stereo", 16_000, "int8", 1),
    ("stereo", 16_000, "float32", 5),
    ("stereo", 8_000, "int8", 5),
    ("mono", 16_000, "int8", 5),
    ("mono", 8_000, "int8", 5),
)


Spoken = list[tuple[Speaker, float, float]]  # who spoke each turn, from and to (seconds)


def speak_call(reference: Transcript, folder: Path) -> tuple[Spoken, Path]:
    """Speak each turn in turn; returns (speaker, start, end) per turn and the stereo file."""
    tracks: dict[str, list[np.ndarray]] = {"agent": [], "customer": []}
    spoken, clock = [], 0.0
    for n, turn in enumerate(reference.turns):
        raw = folder / f"turn{n}.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICES[turn.speaker], "-s", "165", "-w", str(raw), turn.text],
            check=True,
        )
        samples = as_float(load_audio(raw)[0])
        pause = np.zeros(int(PAUSE_S * 16_000), np.float32)
        for speaker, track in tracks.items():
            track += [samples if speaker == turn.speaker else np.zeros_like(samples), pause]
        spoken.append((turn.speaker, clock, clock + len(samples) / 16_000))
        clock += (len(samples) + len(pause)) / 16_000
    left, right = (np.concatenate(tracks[s]) for s in ("agent", "customer"))
    stereo = folder / "stereo.raw"
    np.stack([left, right], axis=1).astype(np.float32).tofile(stereo)
    return spoken, stereo


def spoken_calls(
    data: Path, calls: int, max_turns: int, folder: Path
) -> Iterator[tuple[str, Transcript, Spoken, Path]]:
    """The first ``calls`` Harper Valley calls, their first ``max_turns`` turns spoken
    (:func:`speak_call`) under ``folder``: (call id, reference, spoken times, stereo file)."""
    for sid in call_ids(data)[:calls]:
        reference, _ = load_call(data, sid)
        reference = reference.model_copy(update={"turns": reference.turns[:max_turns]})
        (folder / sid).mkdir()
        yield (sid, reference, *speak_call(reference, folder / sid))


def write(stereo_raw: Path, kind: str, rate: int) -> Path:
    """The call as a 16-bit wav: ``stereo`` or a ``mono`` mix, at ``rate``."""
    out = stereo_raw.with_name(f"{kind}-{rate}.wav")
    mix = ["remix", "1,2"] if kind == "mono" else []
    subprocess.run(
        ["sox", "-t", "raw", "-r", "16000", "-e", "floating-point", "-b", "32", "-c", "2",
         str(stereo_raw), "-b", "16", "-r", str(rate), str(out), *mix],
        check=True,
    )  # fmt: skip
    return out


def speaker_error(hypothesis: Transcript, spoken: Spoken) -> float:
    """Share of recognised words whose party differs from the party speaking at that time."""
    wrong = total = 0
    for turn in hypothesis.turns:
        for word in turn.words or ():
            middle = sum(timed(word)) / 2
            truth = next((s for s, a, b in spoken if a - 0.3 <= middle <= b + 0.3), None)
            if truth is not None:
                total += 1
                wrong += truth != turn.speaker
    return wrong / total if total else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the harper_valley folder")
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=16, help="turns spoken per call")
    args = parser.parse_args()
    results: dict[tuple, list[tuple[str, str, float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        converted = convert(default_model_path(), Path(tmp) / "hf-whisper")
        for sid, reference, spoken, raw in spoken_calls(args.data, args.calls, args.max_turns,
                                                        Path(tmp)):  # fmt: skip
            truth = " ".join(t.text for t in reference.turns)
            seconds = spoken[-1][2]
            for kind, rate, compute, beam in CONDITIONS:
                audio = write(raw, kind, rate)
                settings = (
                    AsrSettings(backend="transformers", model=str(converted))
                    if compute == "transformers"
                    else AsrSettings(compute_type=compute, beam_size=beam)
                )
                load_recogniser(settings)  # loaded once; not timed
                started = time.perf_counter()
                hypothesis = transcribe(audio, sid, settings)
                spent = time.perf_counter() - started
                said = " ".join(t.text for t in hypothesis.turns)
                results.setdefault((kind, rate, compute, beam), []).append(
                    (truth, said, speaker_error(hypothesis, spoken), spent, seconds)
                )
    audio_s = sum(r[4] for r in next(iter(results.values())))
    print(f"{args.calls} calls, {audio_s:.0f} s of audio; WER over all their words")
    print("| audio | rate | compute | beam | WER | speaker error | real-time factor |")
    print("|---|---|---|---|---|---|---|")
    for (kind, rate, compute, beam), rows in results.items():
        wer = jiwer.wer([r[0] for r in rows], [r[1] for r in rows],
                        reference_transform=NORMALISE, hypothesis_transform=NORMALISE)  # fmt: skip
        speakers = np.nanmean([r[2] for r in rows])
        rtf = sum(r[3] for r in rows) / sum(r[4] for r in rows)
        print(f"| {kind} | {rate // 1000} kHz | {compute} | {beam} | {wer:.3f} | "
              f"{speakers:.3f} | {rtf:.3f} ({1 / rtf:.0f}x) |")  # fmt: skip
    ratio = time_ratio(results, ("stereo", 16_000, "transformers", 1), CONDITIONS[0])
    print(f"transformers pipeline / faster-whisper int8 time on the same weights: {ratio:.1f}x")


def time_ratio(results: dict[tuple, list], slow: tuple, fast: tuple) -> float:
    return sum(r[3] for r in results[slow]) / sum(r[3] for r in results[fast])


if __name__ == "__main__":
    main()
