"""Benchmark the read-back check: false alarms on Schema-Guided Dialogue, where the virtual
assistant's confirmations repeat what the user chose (offers taken, changes of mind and several
bookings in one dialogue included), so every mismatch it reports there is a false one; and
recall and precision on the read-backs annotated in the gold calls and on the read-back probes
(evaluation/readback-probes), tuning and held-out apart.

    python -m callqa.evaluation.bench_readback [--sgd ../shared/datasets/sgd] [--dialogues 600]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import Counter
from pathlib import Path

from callqa.evaluation import call_qa
from callqa.evaluation.call_qa import GoldCall
from callqa.models.transcript import Speaker, Transcript, Turn
from callqa.pipelines.readers import read_transcript

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "evaluation" / "gold"
PROBES = ROOT / "evaluation" / "readback-probes"
PROBES_TUNED_ON = 40  # rb-001 to rb-040; the rest are held out
WORDS_PER_SECOND = 2.5


def sgd_calls(path: Path, dialogues: int, seed: int) -> list[GoldCall]:
    """A seeded sample of SGD test dialogues as calls: the system the agent, the user the
    customer, timed at a speaking pace."""
    with gzip.open(path / "test.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    calls = []
    for row in random.Random(seed).sample(rows, min(dialogues, len(rows))):
        clock, turns = 0.0, []
        for turn in row["turns"]:
            if not turn["utterance"].strip():  # a few test turns are empty: no words, no turn
                continue
            length = len(turn["utterance"].split()) / WORDS_PER_SECOND
            speaker: Speaker = "agent" if turn["speaker"] == "SYSTEM" else "customer"
            turns.append(Turn(speaker=speaker, text=turn["utterance"], start=clock,
                              end=clock + length))  # fmt: skip
            clock += length + 0.5
        transcript = Transcript(call_id=row["dialogue_id"], source="sgd", turns=tuple(turns))
        calls.append(GoldCall(transcript, "sgd", "", {}, False))
    return calls


def sgd_false_alarms(path: Path, dialogues: int, seed: int) -> None:
    """Print the mismatches raised on a seeded sample of SGD dialogues: all false."""
    calls = sgd_calls(path, dialogues, seed)
    raised: Counter[str] = Counter()
    for result in call_qa.analysed(calls):
        raised.update(f.label for f in result.findings if f.label.startswith("readback"))
    per_100 = raised["readback_mismatch"] / len(calls) * 100
    print(f"SGD test, {len(calls)} dialogues (seed {seed}): {raised['readback_mismatch']} "
          f"uncorrected and {raised['readback_corrected']} corrected mismatches, all false "
          f"({per_100:.1f} false flags per 100)")  # fmt: skip


def wrong_read_backs(gold_dir: Path) -> dict[str, bool]:
    """Per annotated gold call: whether a detail was read back wrong and left uncorrected."""
    out = {}
    for path in sorted(gold_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "call_id" in row and "readback_mismatch" in row:
                marked = row["readback_mismatch"] or []
                out[row["call_id"]] = any(m.get("corrected_turn") is None for m in marked)
    return out


def probe_figures(folder: Path = PROBES) -> None:
    """Print the read-back check's figures on the probe calls, development and held-out
    halves apart."""
    labels = [json.loads(line) for line in (folder / "labels.jsonl").read_text().splitlines()]
    calls = []
    for label in labels:
        path = folder / "calls" / f"{label['call_id']}.txt"
        transcript, _ = read_transcript(path, path.read_bytes(), label["call_id"])
        calls.append(GoldCall(transcript, "probes", "", {}, False))
    tally: dict[str, Counter[str]] = {"development": Counter(), "held out": Counter()}
    for label, result in zip(labels, call_qa.analysed(calls), strict=True):
        part = "development" if int(label["call_id"][3:]) <= PROBES_TUNED_ON else "held out"
        raised = {f.label for f in result.findings}
        t = tally[part]
        t[label["kind"]] += 1
        t[f"{label['kind']} flagged"] += "readback_mismatch" in raised
        t[f"{label['kind']} corrected"] += "readback_corrected" in raised
    kinds = ("right", "wrong_uncorrected", "wrong_corrected")
    for part, t in tally.items():
        flagged = sum(t[f"{kind} flagged"] for kind in kinds)
        print(
            f"probes, {part} ({sum(t[k] for k in kinds)}): wrong read-backs left uncorrected "
            f"found {t['wrong_uncorrected flagged']}/{t['wrong_uncorrected']}; calls flagged "
            f"for one that have one {t['wrong_uncorrected flagged']}/{flagged}; corrected ones "
            f"seen as corrected {t['wrong_corrected corrected']}/{t['wrong_corrected']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sgd", type=Path, default=ROOT.parent / "shared" / "datasets" / "sgd")
    parser.add_argument("--dialogues", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    if (args.sgd / "test.jsonl.gz").exists():
        sgd_false_alarms(args.sgd, args.dialogues, args.seed)
    else:  # the data set lives beside the checkout, not in it
        print(f"SGD: skipped, no test.jsonl.gz in {args.sgd} (pass --sgd: the Schema-Guided "
              "Dialogue data set as JSON lines; see docs/evaluation.md)")  # fmt: skip

    truth = wrong_read_backs(GOLD)
    gold = [c for c in call_qa.gold_qa_calls() if c.transcript.call_id in truth]
    tally: dict[str, Counter[tuple[bool, bool]]] = {"tuning": Counter(), "held out": Counter()}
    for call, result in zip(gold, call_qa.analysed(gold), strict=True):
        part = "held out" if call.set_name in call_qa.HELDOUT_SETS else "tuning"
        wrong = truth[call.transcript.call_id]
        found = any(f.label == "readback_mismatch" for f in result.findings)
        tally[part][(wrong, found)] += 1
    for part, t in tally.items():
        flagged, missed = t[(True, True)] + t[(False, True)], t[(True, True)] + t[(True, False)]
        print(f"gold calls, {part} ({sum(t.values())}): calls with a wrong read-back left "
              f"uncorrected found {t[(True, True)]}/{missed}; calls flagged for one that have "
              f"one {t[(True, True)]}/{flagged}")  # fmt: skip
    probe_figures()


if __name__ == "__main__":
    main()
