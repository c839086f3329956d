"""The review queue: flagged calls by priority, and a random sample per agent and week.

The random sample is drawn apart from the flags (a stable hash of the call id decides), so team
and agent averages estimated from it are not biased towards bad calls.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from statistics import mean, stdev
from typing import TYPE_CHECKING, Any, Literal

from callqa.qa_rules.calibration import Reviewed
from callqa.qa_rules.flags import FlagRules, flag_call
from callqa.qa_rules.scores import ScoredCall

if TYPE_CHECKING:
    from callqa.pipelines.records import Review
    from callqa.pipelines.store import Store


def review_queue(rows: Sequence[ScoredCall], rules: FlagRules) -> list[dict[str, Any]]:
    """Flagged calls, highest priority first (then lowest total)."""
    queue = []
    for row in rows:
        flags = flag_call(row.score, row.findings, rules)
        if flags:
            total = row.score.total if row.score else None
            queue.append({
                "call_id": row.call_id, "agent_id": row.agent_id, "team": row.team,
                "started_at": row.started_at, "total": total, "priority": flags[0].priority,
                "flags": [f.model_dump(mode="json") for f in flags],
            })  # fmt: skip
    return sorted(
        queue, key=lambda q: (-q["priority"], q["total"] if q["total"] is not None else 0)
    )


def review_day(
    rows: Sequence[ScoredCall], rules: FlagRules, sample_rate: float, limit: int | None = None
) -> dict[str, Any]:
    """What reviewers get from ``rows`` (as ``Store.scored_calls`` returns them): the flagged
    calls within the budget (at most ``limit``), those the budget held back, and the random
    sample with its unbiased mean score, overall, per team and per agent."""
    flagged, held = budgeted_queue(rows, rules)
    sample = random_sample(rows, sample_rate)
    totals = [r.score.total for r in sample if r.score and r.score.total is not None]
    return {
        "flagged": flagged[:limit],
        "held_back": [{"call_id": q["call_id"], "priority": q["priority"]} for q in held],
        "budget": rules.budget,
        "sample": [{"call_id": r.call_id, "agent_id": r.agent_id, "team": r.team,
                    "total": r.score.total if r.score else None} for r in sample],
        "sample_rate": sample_rate,
        "sample_estimate": estimate(totals),
        "sample_by_team": sample_estimates(sample, "team"),
        "sample_by_agent": sample_estimates(sample, "agent_id"),
    }  # fmt: skip


def budgeted_queue(
    rows: Sequence[ScoredCall], rules: FlagRules
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The review queue over ``rows`` within ``rules``' budget, and what the budget held back."""
    return within_budget(review_queue(rows, rules), len(rows), rules.budget)


def within_budget(
    queue: list[dict[str, Any]], calls: int, budget: float | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The flagged calls a reviewer gets (auto-fails always, then by priority up to ``budget``
    of ``calls``, rounded down but at least one) and those held back by the budget."""
    if budget is None:
        return queue, []
    room = max(1, math.floor(budget * calls + 1e-9))
    kept = [q for q in queue if _auto_failed(q)]
    held: list[dict[str, Any]] = []
    for q in queue:
        if _auto_failed(q):
            continue
        (kept if len(kept) < room else held).append(q)
    order = {id(q): i for i, q in enumerate(queue)}
    return sorted(kept, key=lambda q: order[id(q)]), held


def _auto_failed(entry: dict[str, Any]) -> bool:
    return any(f["reason"] == "auto_fail" for f in entry["flags"])


def random_sample(rows: Sequence[ScoredCall], rate: float) -> list[ScoredCall]:
    """Exactly ``rate`` of the calls (rounded; at least one when there are calls), spread over
    agent-and-week strata in proportion to their size (largest remainders), each stratum's
    calls taken in a stable pseudo-random order (sha256 of the call id)."""
    if not rows or rate <= 0:
        return []
    wanted = min(len(rows), max(1, round(rate * len(rows))))
    strata: dict[tuple[str, str], list[ScoredCall]] = {}
    for r in rows:
        week = r.started_at.strftime("%G-W%V") if r.started_at else "undated"
        strata.setdefault((r.agent_id or "-", week), []).append(r)
    shares = {key: wanted * len(group) / len(rows) for key, group in strata.items()}
    quota = {key: int(share) for key, share in shares.items()}
    by_remainder = sorted(strata, key=lambda key: (quota[key] - shares[key], key))
    for key in by_remainder[: wanted - sum(quota.values())]:
        quota[key] += 1
    chosen = {
        r.call_id
        for key, group in strata.items()
        for r in sorted(group, key=lambda r: _draw(r.call_id))[: quota[key]]
    }
    return [r for r in rows if r.call_id in chosen]


def _draw(call_id: str) -> str:
    return hashlib.sha256(f"sample|{call_id}".encode()).hexdigest()


def sample_estimates(
    sample: Sequence[ScoredCall], key: Literal["team", "agent_id"]
) -> dict[str, dict[str, Any]]:
    """Mean score with a 95% interval per team or agent (``key``), from the random sample."""
    groups: dict[str, list[float]] = {}
    for r in sample:
        if r.score is not None and r.score.total is not None:
            groups.setdefault(getattr(r, key) or "-", []).append(r.score.total)
    return {name: estimate(values) for name, values in sorted(groups.items())}


def estimate(values: list[float]) -> dict[str, float | int | None]:
    """Mean with a 95% t-interval half-width (None below two values)."""
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "ci95": None}
    if n == 1:
        return {"n": 1, "mean": round(values[0], 1), "ci95": None}
    from scipy.stats import t as student

    half = float(student.ppf(0.975, n - 1)) * stdev(values) / math.sqrt(n)
    return {"n": n, "mean": round(mean(values), 1), "ci95": round(half, 1)}


def agreement(reviews: Sequence[Review]) -> list[dict[str, Any]]:
    """System-vs-reviewer agreement per criterion (latest review per call): n, the share that
    agree and Cohen's kappa (None for one review, or one answer on both sides)."""
    from sklearn.metrics import cohen_kappa_score

    latest = {(r.call_id, r.criterion_id): r for r in reviews}
    by_criterion: dict[str, list[Review]] = {}
    for review in latest.values():
        by_criterion.setdefault(review.criterion_id, []).append(review)
    rows = []
    for criterion, own in sorted(by_criterion.items()):
        system = [r.system_answer for r in own]
        human = [r.answer for r in own]
        agree = sum(s == h for s, h in zip(system, human, strict=True)) / len(own)
        varied = len(own) > 1 and len(set(system) | set(human)) > 1
        kappa = cohen_kappa_score(system, human) if varied else None
        rows.append({"criterion_id": criterion, "n": len(own), "agreement": round(agree, 3),
                     "kappa": None if kappa is None else round(float(kappa), 3)})  # fmt: skip
    return rows


def reviewed_calls(store: Store) -> list[Reviewed]:
    """The latest reviewer answer per call and criterion, with the call's stored findings
    (calls erased since are left out)."""
    latest = {(r.call_id, r.criterion_id): r for r in store.list_reviews()}
    found, findings = [], {}
    for (call_id, criterion), review in latest.items():
        if call_id not in findings:
            call = store.get_call(call_id)
            findings[call_id] = call.findings if call else None
        shown = findings[call_id]
        if shown is not None:
            found.append(Reviewed(criterion, review.answer, shown))
    return found
