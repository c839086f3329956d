"""Benchmark scale-out: the nightly flow over the same calls in-process (the default) and on a
local Dask cluster of 1 and 2 worker processes; prints calls/s and the speed-up.

The calls are the sample's plain-text transcripts, copied under new names with a reference
number that makes each copy distinct (so none is skipped as already done).

    python -m callqa.evaluation.bench_scaleout [--copies 12] [--batch-size 16]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from callqa.pipelines.runtime import configure_prefect

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def make_calls(folder: Path, copies: int) -> int:
    """``copies`` distinct copies of each plain-text sample call; returns how many."""
    folder.mkdir()
    originals = sorted(SAMPLES.glob("*.txt"))
    for n in range(copies):
        for original in originals:
            first, rest = original.read_text(encoding="utf-8").split("\n", 1)
            (folder / f"{original.stem}-{n:03d}.txt").write_text(
                f"{first} (Reference {n}.)\n{rest}", encoding="utf-8"
            )
    return copies * len(originals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=12, help="copies of each sample call")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        configure_prefect(Path(tmp) / "prefect")
        from callqa.pipelines.flow import nightly, with_dask
        from callqa.pipelines.store import db_url

        calls = make_calls(Path(tmp) / "calls", args.copies)
        print(f"{calls} calls, batches of {args.batch_size}")
        print("| runner | seconds | calls/s | speed-up |\n|---|---|---|---|")
        base = None
        for name in ("in-process", "local:1", "local:2"):
            flow = nightly if name == "in-process" else with_dask(name)
            db = db_url(Path(tmp) / f"{name.replace(':', '-')}.db")
            started = time.perf_counter()
            summary = flow(str(Path(tmp) / "calls"), db, batch_size=args.batch_size)
            seconds = time.perf_counter() - started
            if summary.processed != calls:
                raise SystemExit(f"{name}: processed {summary.processed} of {calls}")
            base = base or seconds
            print(f"| {name} | {seconds:.1f} | {calls / seconds:.2f} | {base / seconds:.2f}x |")


if __name__ == "__main__":
    main()
