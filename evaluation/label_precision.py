"""Measure each finding label's precision per call on the gold set and write
``qa_rules/label_precision.json``, which decides which negative findings count.

Each label gets its precision on all the gold calls, and apart on the held-out sets (calls no
rule was tuned on): a label must clear the threshold on both (on the held-out ones once raised
in enough of them to judge), so one tuned to the calls it was written against does not count on
the strength of them.

    python -m callqa.evaluation.label_precision [--harper-valley ../shared/datasets/harper_valley]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from callqa.evaluation.call_qa import (
    HELDOUT_SETS,
    GoldCall,
    assess,
    call_level_agreement,
    gold_qa_calls,
    harper_valley_qa_calls,
)
from callqa.pipelines.records import PIPELINE_VERSION
from callqa.qa_rules.precision import TABLE


def label_precision(calls: list[GoldCall]) -> dict[str, dict[str, float | int]]:
    """label -> precision per call and the number of calls it was raised in."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for gold, (result, _) in zip(calls, assess(calls), strict=True):
        for label, right in call_level_agreement(gold, result.findings):
            counts[label][right] += 1
    return {
        label: {"precision": round(c[True] / (c[True] + c[False]), 3), "calls": c[True] + c[False]}
        for label, c in sorted(counts.items())
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m callqa.evaluation.label_precision",
        description="Measure each finding label's precision per call on the gold set (all of "
        f"it, and its held-out sets apart) and rewrite {TABLE} (the table that decides which "
        "negative findings count).",
    )
    parser.add_argument(
        "--harper-valley",
        type=Path,
        metavar="FOLDER",
        default=Path("../shared/datasets/harper_valley"),
        help="the Harper Valley corpus (its calls are part of the tuning set)",
    )
    args = parser.parse_args(argv)
    if not (args.harper_valley / "data").is_dir():
        parser.error(f"{args.harper_valley}: not the Harper Valley corpus (no data/ folder)")
    calls = gold_qa_calls() + harper_valley_qa_calls(args.harper_valley)
    held_out = [c for c in calls if c.set_name in HELDOUT_SETS]
    labels = label_precision(calls)
    for label, figures in label_precision(held_out).items():
        labels[label] |= {"held_out_precision": figures["precision"],
                          "held_out_calls": figures["calls"]}  # fmt: skip
    table: dict[str, Any] = {
        "pipeline_version": PIPELINE_VERSION.split("/labels-")[0],  # what was measured
        "measured_on": sorted({c.set_name for c in calls}),
        "held_out": sorted({c.set_name for c in held_out}),
        "calls": len(calls),
        "labels": labels,
    }
    TABLE.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    for label, f in table["labels"].items():
        apart = (f"  held out {f['held_out_precision']:.2f} on {f['held_out_calls']:3d}"
                 if "held_out_calls" in f else "")  # fmt: skip
        print(f"{label:28} {f['precision']:.2f}  {f['calls']:3d} calls{apart}")
    print(f"written {TABLE}")


if __name__ == "__main__":
    main()
