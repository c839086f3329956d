"""Benchmark the review workspace: how long its pages take with a large store.

Fills a SQLite store with generated calls (rows of calls, scores and findings written in bulk,
as many runs would leave them: 40 agents in 5 teams over 26 weeks, each call with a score and
four findings, a third of them unresolved), then times the pages a QA team opens most, through
the app as a browser would reach it (signed in, over HTTP in process), and prints the median
and the slowest of ``--repeats`` requests per page. The generated rows carry no transcript or
finding bodies, so call pages and the review queue (which read them) are not timed here.

    python -m callqa.evaluation.bench_workspace --calls 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from callqa.pipelines import store as tables
from callqa.pipelines.records import PIPELINE_VERSION
from callqa.pipelines.store import Store, db_url
from callqa.pipelines.web.app import create_app
from callqa.pipelines.web.auth import add_user
from callqa.qa_rules.flags import FlagRules

PAGES = {
    "calls, newest first": "/",
    "calls of one team": "/?team=team-2",
    "calls by score, lowest first": "/?sort=total&order=asc",
    "unresolved calls": "/?outcome=unresolved",
    "page 100": "/?page=100",
    "export of one agent (CSV)": "/export.csv?agent=a-07",
}
PASSWORD = "benchmark-password"


def fill(store: Store, n: int, seed: int = 7) -> None:
    """``n`` generated calls, written in bulk."""
    draw = random.Random(seed)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    for first in range(0, n, 5000):
        calls, scores, findings = [], [], []
        for i in range(first, min(n, first + 5000)):
            call_id, agent = f"c-{i:06d}", draw.randrange(40)
            total = round(draw.uniform(30, 100), 1)
            outcome = "unresolved" if draw.random() < 0.33 else "resolved"
            calls.append({
                "call_id": call_id, "content_hash": f"{i:064d}",
                "pipeline_version": PIPELINE_VERSION,
                "path": f"/calls/{call_id}.json", "source_format": "callqa-json",
                "agent_id": f"a-{agent:02d}", "team": f"team-{agent % 5}", "queue": "billing",
                "customer_id": f"cust-{draw.randrange(n)}", "direction": "inbound",
                "started_at": start + timedelta(minutes=draw.randrange(26 * 7 * 24 * 60)),
                "duration_s": draw.uniform(60, 600), "turns": 30, "metadata": {},
                "run_id": "bench", "processed_at": start,
            })  # fmt: skip
            scores.append({"call_id": call_id, "scorecard_id": "voice-support",
                           "scorecard_version": "1", "total": total, "auto_failed": False,
                           "flags": [], "score": "{}"})  # fmt: skip
            for label, polarity in ((outcome, "negative" if outcome == "unresolved" else
                                     "positive"), ("greeting", "positive"),
                                    ("acknowledgement", "positive"),
                                    ("no_closing", "negative")):  # fmt: skip
                findings.append({"call_id": call_id, "key": f"{i:012d}"[:12], "detector": "bench",
                                 "behaviour": "b", "label": label, "polarity": polarity,
                                 "confidence": 0.9, "turn": 1, "start_s": 1.0, "quote": "q",
                                 "why": "w", "finding": "{}"})  # fmt: skip
        with store.engine.begin() as db:
            db.execute(insert(tables.calls), calls)
            db.execute(insert(tables.scores), scores)
            db.execute(insert(tables.findings), findings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(db_url(Path(folder) / "callqa.db"))
        began = time.perf_counter()
        fill(store, args.calls)
        print(f"store of {args.calls} calls filled in {time.perf_counter() - began:.1f} s")
        add_user(store, "lead", "admin", PASSWORD, "bench")
        browser = TestClient(create_app(store, "b" * 40, "voice-support", FlagRules()))
        browser.post("/login", data={"name": "lead", "password": PASSWORD})
        print(f"{'page':32s} {'median ms':>10s} {'slowest ms':>11s}")
        for name, url in PAGES.items():
            times = []
            for _ in range(args.repeats):
                began = time.perf_counter()
                response = browser.get(url)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(f"{name:32s} {statistics.median(times):10.0f} {max(times):11.0f}")


if __name__ == "__main__":
    main()
