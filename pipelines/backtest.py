"""Backtest a scorecard: re-score stored calls from their stored findings (no re-reading, no
re-encoding) and compare totals, flags and agent rankings with the scores they have now."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean
from typing import Any

from callqa.pipelines.review import budgeted_queue
from callqa.qa_rules.flags import FlagRules
from callqa.qa_rules.scorecard import Scorecard
from callqa.qa_rules.scores import ScoredCall
from callqa.qa_rules.scoring import score_call


def backtest(
    card: Scorecard,
    rows: Sequence[ScoredCall],
    rules: FlagRules,
    fitted: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Per-call old and new totals, flag counts, the review queue's size within ``rules``'
    budget, and per-agent means and ranks, old and new (scored with the store's ``fitted``
    label thresholds, as runs are)."""
    calls = []
    rescored = []
    for row in rows:
        new = score_call(card, row.call_id, row.findings, row.metrics, fitted)
        rescored.append(row.model_copy(update={"score": new}))
        old = row.score
        calls.append({
            "call_id": row.call_id,
            "agent_id": row.agent_id or "-",
            "old_total": old.total if old else None,
            "new_total": new.total,
            "old_flags": list(old.flags) if old else [],
            "new_flags": list(new.flags),
        })  # fmt: skip
    return {
        "scorecard": f"{card.id} v{card.version}",
        "calls": calls,
        "flagged": {
            "old": sum(bool(c["old_flags"]) for c in calls),
            "new": sum(bool(c["new_flags"]) for c in calls),
        },
        "queued": {
            "old": len(budgeted_queue(rows, rules)[0]),
            "new": len(budgeted_queue(rescored, rules)[0]),
            "budget": rules.budget,
        },
        "agents": _agents(calls),
    }


def _agents(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_agent: dict[str, list[dict[str, Any]]] = {}
    for call in calls:
        by_agent.setdefault(call["agent_id"], []).append(call)
    agents: list[dict[str, Any]] = []
    for agent, own in by_agent.items():
        old = [c["old_total"] for c in own if c["old_total"] is not None]
        new = [c["new_total"] for c in own if c["new_total"] is not None]
        agents.append({
            "agent_id": agent, "calls": len(own),
            "old_mean": round(mean(old), 1) if old else None,
            "new_mean": round(mean(new), 1) if new else None,
        })  # fmt: skip
    for key in ("old", "new"):
        ranked = sorted(
            (a for a in agents if a[f"{key}_mean"] is not None),
            key=lambda a: -a[f"{key}_mean"],
        )
        for rank, a in enumerate(ranked, start=1):
            a[f"{key}_rank"] = rank
    return sorted(agents, key=lambda a: a.get("new_rank", len(agents) + 1))
