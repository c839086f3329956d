"""Plain-text views for the console: run summary, call list, one call, quarantine.

Plain aligned text (no box drawing) so output pipes well into ``grep``, ``less`` and files.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from callqa.models.transcript import Transcript
from callqa.pipelines.records import ListedCall, QuarantineEntry, RunSummary, StoredCall
from callqa.pipelines.similar import SimilarCase
from callqa.pipelines.store import without_password
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.flags import flag_call
from callqa.qa_rules.precision import is_observation, precision_note
from callqa.qa_rules.scorecard import Scorecard
from callqa.qa_rules.scores import InteractionScore


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float, float], None]]:
    """A progress bar on stderr (only when it is a terminal); yields ``update(done, total)``."""
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    task = progress.add_task(label, total=None)

    def update(done: float, total: float) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield update


def clock(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a time in the call; ``--:--`` when untimed."""
    if seconds is None:
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


def table(rows: list[list[str]], header: list[str]) -> str:
    """Left-aligned columns separated by two spaces."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)


def run_summary(s: RunSummary, db: str) -> str:
    if s.did_nothing:
        return (
            f"Nothing to do: {s.discovered} call file(s) found, {s.unchanged} unchanged since "
            f"their last run, {s.already_quarantined} already quarantined"
            + (
                f", {s.by_other_workers} processed by other workers on this store"
                if s.by_other_workers
                else ""
            )  # fmt: skip
            + f". ({s.seconds:.1f} s)"
        ) + _skipped(s)
    stages = ", ".join(f"{n} at {stage}" for stage, n in s.quarantined_by_stage.items())
    lines = [
        f"Run {s.run_id} ({s.seconds:.1f} s): {s.discovered} call file(s) found",
        f"  processed    {s.processed} ({s.calls_per_second:.2f} calls/s)",
        f"  unchanged    {s.unchanged}",
        *(
            [f"  by others    {s.by_other_workers} (other workers on this store)"]
            if s.by_other_workers
            else []
        ),
        f"  quarantined  {len(s.quarantined)}"
        + (f" ({stages})" if stages else "")
        + (f" (+{s.already_quarantined} from earlier runs)" if s.already_quarantined else ""),
        f"  skipped      {len(s.skipped)}",
        f"  findings     {s.findings}",
    ]
    if s.startup_s >= 1:
        lines.append(f"  start-up     {s.startup_s:.1f} s (Prefect's server; see PREFECT_API_URL)")
    if s.real_time_factor is not None:
        lines.append(
            f"  audio        {s.audio_seconds / 60:.1f} min, run time / audio time "
            f"{s.real_time_factor:.2f}"
        )
    if s.findings_by_label:
        lines.append(
            "  top findings "
            + ", ".join(f"{k} {v}" for k, v in list(s.findings_by_label.items())[:6])
        )
    if s.quarantined:
        lines += ["", "Quarantined:"]
        lines += [f"  {q.call_id}  {printable(q.path)}\n    {printable(q.reason)}"
                  for q in s.quarantined]  # fmt: skip
    lines += ["", _skipped(s).strip("\n")] if s.skipped else []
    if s.processed or s.unchanged or s.by_other_workers:
        lines += [
            "",
            f"Results are in {without_password(db)[0]}: `callqa calls` lists them, "
            "`callqa show CALL_ID` shows one.",
        ]
    return "\n".join(lines)


def _skipped(s: RunSummary) -> str:
    """The files a run did not read, with why (empty when there are none)."""
    if not s.skipped:
        return ""
    return "\n\nSkipped:\n" + "\n".join(f"  {printable(k.path)}\n    {k.reason}" for k in s.skipped)


def calls_table(rows: Sequence[ListedCall]) -> str:
    if not rows:
        return "No calls stored yet. Run `callqa run PATH` first."
    body = [
        [
            r.call_id,
            r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "-",
            r.agent_id or "-",
            r.team or "-",
            r.queue or "-",
            clock(r.duration_s),
            str(r.turns),
            _total(r.total, r.auto_failed),
            str(r.negative_findings),
        ]
        for r in rows
    ]
    header = ["CALL", "STARTED", "AGENT", "TEAM", "QUEUE", "LENGTH", "TURNS", "SCORE", "ISSUES"]
    return table(body, header)


def call_detail(call: StoredCall) -> str:
    row, transcript = call.row, call.transcript
    started = row.started_at.strftime("%Y-%m-%d %H:%M") if row.started_at else "-"
    lines = [
        f"Call {row.call_id}  ({_made_by(transcript)}, speakers by {transcript.speaker_method})",
        f"  agent {row.agent_id or '-'}  team {row.team or '-'}  queue "
        f"{row.queue or '-'}  started {started}  length {clock(row.duration_s)}",
        "",
        "Metrics:",
    ]
    lines += [f"  {name:<24} {_metric(name, v)}" for name, v in sorted(call.metrics.items())]
    if call.score is not None:
        lines += ["", *_scorecard(call.score)]
    if call.reviews:
        lines += ["", "Reviews:"]
        lines += [
            f"  {r.at:%Y-%m-%d %H:%M} {r.reviewer}: {r.criterion_id} {r.system_answer}"
            f" -> {r.answer}" + (f" ({r.comment})" if r.comment else "")
            for r in call.reviews
        ]
    met = flag_call(call.score, call.findings)
    if met:
        lines += ["", "Flag rules met (the review queue takes the highest, up to its budget):"]
        lines += [f"  {f.priority:>3} {f.reason}: {f.why}" for f in met]
    lines += ["", f"Findings ({len(call.findings)}):"]
    lines += [_finding(f) for f in call.findings] or ["  none"]
    lines += ["", "Transcript:"]
    lines += [f"  [{clock(t.start)}] {t.speaker:<8} {t.text}" for t in transcript.turns]
    if transcript.source == "purged":
        lines.append("  (purged under the retention policy: scores and findings are kept)")
    return "\n".join(lines)


def _made_by(transcript: Transcript) -> str:
    """Where the words came from: the reader, or the recogniser and its settings."""
    r = transcript.recognition
    if r is None:
        return transcript.source
    batch = f", batches of {r.batch_size}" if r.batch_size > 1 else ""
    return f"{transcript.source} {r.model} {r.compute_type} beam {r.beam_size}{batch} on {r.device}"


def _total(total: float | None, auto_failed: bool | None) -> str:
    if auto_failed:
        return "0 (fail)"
    return "-" if total is None else f"{total:.0f}"


def _scorecard(score: InteractionScore) -> list[str]:
    marks = {"yes": "yes", "no": "NO", "na": "n/a", "unsure": "?"}
    lines = [
        f"Score {_total(score.total, score.auto_failed)} / 100  "
        f"(scorecard {score.scorecard_id} v{score.scorecard_version})"
        + (f"  scorecard flags: {', '.join(score.flags)}" if score.flags else "")
    ]
    for answer in score.criteria:
        mark = marks.get(str(answer.answer), str(answer.answer))
        points = "" if answer.score is None else f"{answer.score:.1f}/{answer.potential:.1f}"
        if answer.score is not None and not answer.potential:  # a bonus: never a failure
            points, mark = f"+{answer.score:.1f} bonus", mark.lower()
        lines.append(f"  {mark:<4} {answer.criterion_id:<20} {points:>9}  {answer.reason}")
        for ev in answer.evidence[:1]:
            lines.append(
                f'  {"":<4} {"":<20} {"":>9}  [{clock(ev.start)}] {ev.speaker}: "{ev.quote}"'
            )
    return lines


def _metric(name: str, value: float) -> str:
    if name.endswith("_share"):
        return f"{value:.0%}"
    if name.endswith("_s"):
        return f"{value:.1f} s"
    return f"{value:g}"


def _finding(f: Finding) -> str:
    sign = {"positive": "+", "negative": "-", "neutral": "·"}[f.polarity]
    if is_observation(f):
        sign = f"? observation ({precision_note(f.label)}):"
    ev = f.evidence[0]
    return f"  {sign} {f.behaviour}/{f.label} [{clock(ev.start)}] {f.why}\n" + (
        f'      {ev.speaker}: "{ev.quote}"' if ev.quote else "      (words purged)"
    )


def printable(text: str) -> str:
    """``text`` with control characters escaped, so a file name cannot drive the terminal."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def quarantine_table(rows: Sequence[QuarantineEntry]) -> str:
    if not rows:
        return "Quarantine is empty."
    return "\n".join(
        f"{r.call_id}  {r.stage}  {r.at:%Y-%m-%d %H:%M}  "
        f"{printable(r.path)}\n    {printable(r.reason)}"
        for r in rows
    )


def evaluation(result: dict[str, Any]) -> str:
    """An evaluation result: our metrics with the published baseline (and gap) beside each."""
    published = {b["metric"]: b for b in result["baselines"]}
    rows = []
    for metric, value in result["metrics"].items():
        base = published.get(metric)
        mark = " *" if metric == result["primary"] else ""
        rows.append(
            [
                metric + mark,
                f"{value:.3f}",
                f"{base['value']:.3f}" if base else "",
                f"{value - base['value']:+.3f}" if base else "",
            ]
        )
    sources = sorted({b["source"] for b in result["baselines"]})
    head = f"{result['task']} on {result['data']}: n = {result['n']:,}, {result['seconds']} s"
    notes = "\n".join(["* primary metric", *(f"published: {s}" for s in sources)])
    return "\n".join([head, "", table(rows, ["metric", "ours", "published", "gap"]), "", notes])


def scorecard_outline(card: Scorecard) -> str:
    """A scorecard's sections and criteria with their weights and flags."""
    lines = [f"{card.name} ({card.id} v{card.version}): valid"]
    for section in card.sections:
        lines.append(f"  {section.weight:>5g}%  {section.label} ({section.id})")
        for c in section.criteria:
            marks = " ".join(m for m, on in (("critical", c.critical), ("bonus", c.bonus)) if on)
            lines.append(f"          {c.weight:>3g}  {c.id:<22} {c.label}  {marks}".rstrip())
    return "\n".join(lines)


def backtest_report(result: dict[str, Any]) -> str:
    """Totals, flags and agent ranks, now and under the tried scorecard."""

    def total(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    calls = [
        [c["call_id"], c["agent_id"], total(c["old_total"]), total(c["new_total"]),
         _change(c["old_total"], c["new_total"]), str(len(c["new_flags"]))]
        for c in result["calls"]
    ]  # fmt: skip
    agents = [
        [a["agent_id"], str(a["calls"]), total(a["old_mean"]), total(a["new_mean"]),
         str(a.get("old_rank", "-")), str(a.get("new_rank", "-"))]
        for a in result["agents"]
    ]  # fmt: skip
    flagged, queued = result["flagged"], result["queued"]
    budget = "no budget" if queued["budget"] is None else f"budget {queued['budget']:.0%} of calls"
    return "\n".join([
        f"Backtest of {result['scorecard']} on {len(calls)} stored call(s)",
        f"  calls with flags: {flagged['old']} now, {flagged['new']} with this scorecard",
        f"  in the review queue ({budget}): {queued['old']} now, {queued['new']} with this"
        " scorecard",
        "",
        table(calls, ["CALL", "AGENT", "NOW", "NEW", "CHANGE", "FLAGS"]),
        "",
        table(agents, ["AGENT", "CALLS", "MEAN NOW", "MEAN NEW", "RANK NOW", "RANK NEW"]),
    ])  # fmt: skip


def _change(old: float | None, new: float | None) -> str:
    return "" if old is None or new is None else f"{new - old:+.0f}"


def review_queue(result: dict[str, Any]) -> str:
    """Flagged calls with their reasons and first quote, then the random sample's estimate."""
    held = result.get("held_back") or []
    budget = (
        f" (budget {result['budget']:.0%} of calls; {len(held)} more held back)" if held else ""
    )
    lines = [
        f"Review queue: {len(result['flagged'])} flagged call(s), highest priority first{budget}",
        "",
    ]
    for q in result["flagged"]:
        total = "-" if q["total"] is None else f"{q['total']:.0f}"
        lines.append(
            f"{q['priority']:>3}  {q['call_id']}  agent {q['agent_id'] or '-'}  score {total}"
        )
        for flag in q["flags"]:
            lines.append(f"       {flag['reason']}: {flag['why']}")
            for ev in flag["evidence"][:1]:
                lines.append(f'         [{clock(ev["start"])}] {ev["speaker"]}: "{ev["quote"]}"')
    est = result["sample_estimate"]
    rate = f"{result['sample_rate']:.0%}"
    sampled = ", ".join(s["call_id"] for s in result["sample"]) or "none"
    mean = "-" if est["mean"] is None else f"{est['mean']:.1f}"
    ci = _interval(est)
    lines += [
        "",
        f"Random sample ({rate} of calls, {len(result['sample'])} of them, spread over agents "
        "and weeks; for unbiased averages, not a review priority):",
        f"  {sampled}",
        f"  mean score {mean}{ci}, n = {est['n']}",
    ]
    for team, team_est in result["sample_by_team"].items():
        half = _interval(team_est)
        lines.append(f"  team {team}: {team_est['mean']:.1f}{half}, n = {team_est['n']}")
    return "\n".join(lines)


def _interval(est: dict[str, Any]) -> str:
    """The 95% interval of a mean score, within the scale (0 to 100): a sample of two can
    be anywhere."""
    if est["ci95"] is None:
        return ""
    low, high = max(0.0, est["mean"] - est["ci95"]), min(100.0, est["mean"] + est["ci95"])
    return f" (95% CI {low:.1f} to {high:.1f})"


def queue_csv(flagged: list[dict[str, Any]]) -> str:
    """The flagged calls as CSV: one row per call, reasons joined by ';'."""
    return csv_text(
        ["priority", "call_id", "agent_id", "team", "total", "reasons", "why"],
        [[q["priority"], q["call_id"], q["agent_id"] or "", q["team"] or "",
          "" if q["total"] is None else q["total"],
          ";".join(f["reason"] for f in q["flags"]), " | ".join(f["why"] for f in q["flags"])]
         for q in flagged],
    )  # fmt: skip


def csv_text(header: list[str], rows: Iterable[list[Any]]) -> str:
    """Rows as CSV, every text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return first) led by an apostrophe; numbers stay numbers."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_inert(cell) for cell in row] for row in rows])
    return out.getvalue()


def _inert(cell: Any) -> Any:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def similar_row(found: SimilarCase, reports: Path) -> dict[str, Any]:
    """One similar past case as plain data: who, score, outcome, issue, resolution, and its
    report page in the ``reports`` folder if there is one."""
    case = found.case
    page = reports / "calls" / f"{case.call_id}.html"
    return {
        "call_id": case.call_id,
        "agent_id": case.agent_id,
        "queue": case.queue,
        "score": case.total,
        "outcome": case.outcome,
        "similarity": found.similarity,
        "issue": " ".join(e.quote for e in case.issue),
        "resolution": [
            {"start": e.start, "turn": e.turn, "quote": e.quote} for e in case.resolution
        ],
        "report": str(page) if page.exists() else None,
    }


def similar(issue: str, rows: list[dict[str, Any]]) -> str:
    """Similar past cases as text, best first."""
    lines = [f'Issue: "{issue}"', ""]
    if not rows:
        return "\n".join([*lines, "No similar case resolved well yet."])
    for n, r in enumerate(rows, start=1):
        score = "-" if r["score"] is None else f"{r['score']:.0f}"
        lines.append(
            f"{n}. {r['call_id']}  agent {r['agent_id'] or '-'}  score {score}  "
            f"{r['outcome'] or 'outcome unknown'}  similarity {r['similarity']:.2f}"
        )
        lines.append(f'   customer: "{r["issue"]}"')
        lines += [f'   agent [{clock(e["start"])}]: "{e["quote"]}"' for e in r["resolution"]]
        if r["report"]:
            lines.append(f"   report: {r['report']}")
    return "\n".join(lines)


def transcript_as(transcript: Transcript, kind: str) -> str:
    """A transcript as callqa JSON, WebVTT (voice tags) or text (``[m:ss] Agent: ...``)."""
    if kind == "json":
        return transcript.model_dump_json(indent=1)
    if kind == "txt":
        return (
            "\n".join(f"[{clock(t.start)}] {t.speaker.title()}: {t.text}" for t in transcript.turns)
            + "\n"
        )
    cues = [
        f"{_vtt_time(t.start)} --> {_vtt_time(t.end)}\n<v {t.speaker.title()}>{t.text}"
        for t in transcript.turns
    ]
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def _vtt_time(seconds: float | None) -> str:
    s = seconds or 0.0
    return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}"
