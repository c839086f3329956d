"""Benchmark a night: calls of realistic length through a whole run (the nightly flow with its
store, case index and reports), and what 10,000 such calls would take.

Text calls of ``--minutes`` (5 to 8 by default, drawn per call) are built from the gold set's
written calls, one after another with the timestamps spoken at 2.5 words a second, so their
turns, words and vocabulary are those of support calls. With ``--audio K``, K more calls of
Harper Valley turns are spoken by espeak-ng into stereo files (one party per channel, as
:mod:`callqa.evaluation.bench_asr` does) and run the same way, transcription included. Prints
per kind: calls, minutes of call, run seconds (Prefect's start-up and the models' loading
apart: a worker pays both once a night), calls/s, the real-time factor (run seconds per second
of call), peak memory (of this process or a worker process), and the projected hours for
10,000 calls on 1, 2, 4 and 8 workers (each a machine like this one, sharing one store; the
projection assumes the work divides evenly, which claims make true up to the last batch).

    python -m callqa.evaluation.bench_night --calls 40 [--minutes 6] \
        [--audio 2 --data ../shared/datasets/harper_valley]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from callqa.pipelines.runtime import configure_prefect

GOLD_CALLS = Path(__file__).resolve().parent / "gold" / "calls"
WORDS_PER_S = 2.5
NIGHT = 10_000
WORKERS = (1, 2, 4, 8)


def text_calls(folder: Path, calls: int, minutes: float | None, seed: int = 7) -> float:
    """Write ``calls`` transcripts of ``minutes`` each (5-8, drawn, when None); returns the
    seconds of call written."""
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    turns = [line.split("] ", 1)[1] for path in sorted(GOLD_CALLS.glob("gw-*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if "] " in line]  # fmt: skip
    total, at = 0.0, rng.randrange(len(turns))
    for n in range(calls):
        length = 60 * (minutes if minutes else rng.uniform(5, 8))
        clock, lines = 0.0, [f"[00:00] Agent: Thanks for calling, reference {n}, how can I help?"]
        while clock < length:
            turn = turns[at % len(turns)]
            at += 1
            clock += 0.6 + len(turn.split()) / WORDS_PER_S
            lines.append(f"[{int(clock // 60):02d}:{int(clock % 60):02d}] {turn}")
        (folder / f"night-{n:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        total += clock
    return total


def audio_calls(folder: Path, data: Path, calls: int, minutes: float) -> float:
    """Speak ``calls`` stereo calls of about ``minutes`` from Harper Valley turns; returns
    their seconds."""
    from callqa.evaluation.bench_asr import speak_call, write
    from callqa.evaluation.harper_valley import call_ids, load_call
    from callqa.models.transcript import Transcript, Turn

    folder.mkdir(parents=True)
    pool = [t for sid in call_ids(data)[:60] for t in load_call(data, sid)[0].turns]
    total, at = 0.0, 0
    for n in range(calls):
        words_wanted, turns = minutes * 60 * WORDS_PER_S, list[Turn]()
        while sum(len(t.text.split()) for t in turns) < words_wanted:
            turns.append(pool[at % len(pool)])
            at += 1
        work = folder / f"work-{n}"
        work.mkdir()
        spoken, raw = speak_call(
            Transcript(call_id=f"a{n}", turns=tuple(turns), source="test"), work
        )
        shutil.move(write(raw, "stereo", 16_000), folder / f"night-audio-{n:03d}.wav")
        shutil.rmtree(work)
        total += spoken[-1][2]
    return total


def night(folder: Path, db: Path, seconds_of_call: float, kind: str) -> None:
    from callqa.pipelines.flow import nightly
    from callqa.pipelines.store import db_url

    asked = time.perf_counter()
    summary = nightly(str(folder), db_url(db), reports=str(db.parent / f"reports-{kind}"),
                      requested_at=datetime.now(UTC))  # fmt: skip
    wall = time.perf_counter() - asked
    work = max(wall - summary.startup_s, 1e-9)
    rate = summary.processed / work
    peak_mb = max(resource.getrusage(who).ru_maxrss for who in
                  (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024  # fmt: skip
    hours = " | ".join(f"{NIGHT / (rate * w) / 3600:.1f}" for w in WORKERS)
    print(f"| {kind} | {summary.processed} | {seconds_of_call / 60:.0f} | {work:.1f} | "
          f"{summary.startup_s:.1f} | {rate:.2f} | {work / seconds_of_call:.3f} | "
          f"{peak_mb:.0f} | {hours} |")  # fmt: skip


def load_models() -> float:
    """Load the analysis models as a run would (once per process); returns the seconds."""
    from callqa.pipelines.process import ProcessSettings
    from callqa.qa_rules.analysis import load_analyzer

    settings, started = ProcessSettings(), time.perf_counter()
    load_analyzer(settings.nlp_pipeline, settings.encoder_path, settings.detector_thresholds)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=40, help="text calls")
    parser.add_argument("--minutes", type=float, default=None, help="per call (default 5-8)")
    parser.add_argument("--audio", type=int, default=0, help="audio calls (needs --data)")
    parser.add_argument("--data", type=Path, help="the harper_valley folder, for --audio")
    args = parser.parse_args()
    if args.audio and not args.data:
        parser.error("--audio needs --data (the harper_valley folder)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        configure_prefect(root / "prefect")
        print("| calls | n | minutes of call | run s | start-up s | calls/s | real-time factor "
              "| peak MB | " + " | ".join(f"h for 10k, {w} worker{'s' * (w > 1)}" for w in WORKERS)
              + " |")  # fmt: skip
        print("|---" * (8 + len(WORKERS)) + "|")
        seconds = text_calls(root / "text", args.calls, args.minutes)
        models_s = load_models()
        night(root / "text", root / "text.db", seconds, "text")
        if args.audio:
            seconds = audio_calls(root / "audio", args.data, args.audio, args.minutes or 6)
            night(root / "audio", root / "audio.db", seconds, "audio")
        print(
            f"\nThe analysis models were loaded first, once for the process, in {models_s:.1f} s "
            "(not in the run seconds: a worker loads them once a night)."
        )


if __name__ == "__main__":
    main()
