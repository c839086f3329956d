"""Static HTML reports (no server, charts inline as SVG): one page per call, a run summary.

Pages are rendered from what the store holds, with Jinja2 templates in ``pipelines/templates``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from pipelines.batch import RunSummary
from pipelines.render import clock
from qa_rules.analysis import EmotionPoint
from qa_rules.behaviours.problem_solving import OUTCOMES
from qa_rules.flags import FlagRules, flag_call
from qa_rules.scorecard import Scorecard

ANSWER_TEXT = {"yes": "yes", "no": "no", "na": "n/a", "unsure": "unsure"}
POLARITY_RANK = {"negative": 3, "positive": 2, "neutral": 1}


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipelines", "templates"), autoescape=select_autoescape(["j2"])
    )
    env.globals.update(clock=clock, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    return env


def call_page(call: dict[str, Any], card: Scorecard, rules: FlagRules | None = None) -> str:
    """The report of one stored call (as returned by ``Store.get_call``)."""
    row, transcript, score = call["call"], call["transcript"], call["score"]
    findings = call["findings"]
    outcome = next((f.label for f in findings if f.label in OUTCOMES), None)
    return (
        environment()
        .get_template("call.html.j2")
        .render(
            call=row,
            started=f"{row['started_at']:%Y-%m-%d %H:%M}" if row["started_at"] else "undated",
            duration=clock(row["duration_s"]),
            turns=len(transcript.turns),
            outcome=outcome,
            score=score,
            total="-" if not score or score.total is None else f"{score.total:.0f}",
            flags=flag_call(score, tuple(findings), rules),
            sections=_sections(score, card) if score else [],
            emotion_chart=emotion_svg(call["customer_emotion"]),
            transcript=[
                {"start": t.start, "speaker": t.speaker, "html": highlight(t.text, i, findings)}
                for i, t in enumerate(transcript.turns)
            ],
        )
    )


def write_call_pages(
    calls: list[dict[str, Any]], card: Scorecard, folder: Path, rules: FlagRules | None = None
) -> list[Path]:
    """Write ``<call_id>.html`` for each call into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for call in calls:
        path = folder / f"{call['call']['call_id']}.html"
        path.write_text(call_page(call, card, rules), encoding="utf-8")
        written.append(path)
    return written


def highlight(text: str, turn: int, findings: list[Any]) -> str:
    """The turn's text as HTML, with every quoted span marked by its finding's polarity."""
    marks: list[tuple[int, str, str]] = [(0, "", "")] * len(text)  # (rank, polarity, labels)
    for f in findings:
        for ev in f.evidence:
            if ev.turn != turn:
                continue
            for i in range(ev.char_start, min(ev.char_end, len(text))):
                rank, polarity, labels = marks[i]
                new = POLARITY_RANK[f.polarity]
                label = f"{labels}, {f.label}" if labels and f.label not in labels else f.label
                marks[i] = (new, f.polarity, label) if new > rank else (rank, polarity, label)
    html, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        piece = escape(text[i:j])
        _, polarity, labels = marks[i]
        html.append(
            f'<mark class="{polarity}" title="{escape(labels)}">{piece}</mark>'
            if polarity
            else piece
        )
        i = j
    return "".join(html)


def emotion_svg(points: list[EmotionPoint], width: int = 1000, height: int = 140) -> str:
    """Two lines, negative and positive emotion per customer sentence, as inline SVG."""
    if len(points) < 2:
        return ""
    pad, last = 24, len(points) - 1

    def x(i: int) -> float:
        return pad + i * (width - 2 * pad) / last

    def line(values: list[float], colour: str) -> str:
        xy = " ".join(
            f"{x(i):.1f},{height - pad - v * (height - 2 * pad):.1f}" for i, v in enumerate(values)
        )
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{xy}"/>'

    ticks = "".join(
        f'<text x="{x(i):.0f}" y="{height - 6}">{clock(p.start)}</text>'
        for i, p in enumerate(points)
        if i % max(1, len(points) // 8) == 0
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="customer emotion over the call">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#d0d7de"/>'
        f'<text x="2" y="{pad}">1.0</text><text x="2" y="{height - pad}">0</text>'
        + line([p.negative for p in points], "#cf222e")
        + line([p.positive for p in points], "#1a7f37")
        + ticks
        + "</svg>"
    )


def _sections(score: Any, card: Scorecard) -> list[dict[str, Any]]:
    answers = {a.criterion_id: a for a in score.criteria}
    sections = []
    for section in card.sections:
        rows = [_row(c.label, answers[c.id]) for c in section.criteria if c.id in answers]
        if rows:
            sections.append({"label": section.label, "weight": section.weight, "rows": rows})
    known = {c.id for c in card.criteria()}
    other = [_row(a.criterion_id, a) for a in score.criteria if a.criterion_id not in known]
    if other:
        sections.append({"label": "Other criteria", "weight": 0, "rows": other})
    return sections


def _row(label: str, answer: Any) -> dict[str, Any]:
    kind = str(answer.answer)
    points = "" if answer.score is None else f"{answer.score:.1f} / {answer.potential:.1f}"
    return {
        "label": label,
        "answer": kind,
        "answer_text": ANSWER_TEXT.get(kind, kind),
        "points": points,
        "reason": answer.reason,
        "evidence": answer.evidence[:2],
    }


def run_page(
    summary: RunSummary, calls: list[dict[str, Any]], rules: FlagRules | None = None
) -> str:
    """The morning summary of one run: counts, score distribution, flags, teams, calls."""
    flags = {
        c["call"]["call_id"]: flag_call(c["score"], tuple(c["findings"]), rules) for c in calls
    }
    reasons = Counter(reason for fs in flags.values() for reason in {f.reason for f in fs})
    totals = [c["score"].total for c in calls if c["score"] and c["score"].total is not None]
    teams: dict[str, list[dict[str, Any]]] = {}
    for c in calls:
        teams.setdefault(c["call"]["team"] or "-", []).append(c)
    team_rows = []
    for team, own in sorted(teams.items()):
        scored = [c["score"].total for c in own if c["score"] and c["score"].total is not None]
        team_rows.append({
            "team": team, "calls": len(own),
            "mean": f"{sum(scored) / len(scored):.0f}" if scored else "-",
            "flagged": sum(bool(flags[c["call"]["call_id"]]) for c in own),
        })  # fmt: skip
    return (
        environment()
        .get_template("summary.html.j2")
        .render(
            run_id=summary.run_id,
            source=summary.source,
            version=summary.pipeline_version,
            seconds=f"{summary.seconds:.1f}",
            processed=summary.processed,
            unchanged=summary.unchanged,
            quarantined=len(summary.quarantined),
            flagged=sum(bool(f) for f in flags.values()),
            histogram=histogram_svg(totals),
            flag_reasons=reasons.most_common(),
            teams=team_rows,
            quarantine=summary.quarantined,
            calls=[
                {
                    "call_id": c["call"]["call_id"],
                    "agent_id": c["call"]["agent_id"],
                    "total": "-"
                    if not c["score"] or c["score"].total is None
                    else f"{c['score'].total:.0f}",
                    "flags": ", ".join(
                        dict.fromkeys(f.reason for f in flags[c["call"]["call_id"]])
                    ),
                }
                for c in calls
            ],
        )  # fmt: skip
    )


def histogram_svg(totals: list[float], width: int = 1000, height: int = 160) -> str:
    """Calls per 10-point score band, as inline SVG bars."""
    if not totals:
        return '<p class="muted">No scored calls.</p>'
    bands = Counter(min(int(t // 10), 9) for t in totals)
    top, pad, step = max(bands.values()), 24, (width - 48) / 10
    bars = []
    for band in range(10):
        n = bands.get(band, 0)
        h = (height - 2 * pad) * n / top
        x = pad + band * step
        bars.append(
            f'<rect class="bar" x="{x + 4:.0f}" y="{height - pad - h:.0f}" width="{step - 8:.0f}" '
            f'height="{h:.0f}"/><text x="{x + step / 2 - 10:.0f}" y="{height - 6}">'
            f"{band * 10}-{band * 10 + 9 if band < 9 else 100}</text>"
            + (
                f'<text x="{x + step / 2 - 3:.0f}" y="{height - pad - h - 4:.0f}">{n}</text>'
                if n
                else ""
            )
        )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="score distribution">{"".join(bars)}</svg>'
    )


def write_run_reports(
    summary: RunSummary, calls: list[dict[str, Any]], card: Scorecard, folder: Path
) -> Path:
    """Write the run's call pages, ``runs/<run_id>.html`` and ``index.html`` (the latest run)."""
    write_call_pages(calls, card, folder / "calls")
    page = run_page(summary, calls)
    (folder / "runs").mkdir(parents=True, exist_ok=True)
    (folder / "runs" / f"{summary.run_id}.html").write_text(
        page.replace('href="calls/', 'href="../calls/'), encoding="utf-8"
    )
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
