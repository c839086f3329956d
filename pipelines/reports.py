"""Static HTML reports (no server, charts inline as SVG): one page per call, a run summary, and
coaching plans (also as Markdown).

Pages are rendered from what the store holds, with Jinja2 templates in ``pipelines/templates``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from callqa.pipelines.console import clock
from callqa.pipelines.paths import file_in
from callqa.pipelines.records import Review, RunSummary, StoredCall, StoredCase
from callqa.pipelines.review import budgeted_queue
from callqa.pipelines.similar import SimilarCase, SimilarCases
from callqa.qa_rules.analysis import EmotionPoint
from callqa.qa_rules.coaching import CoachingPlan, coaching_plan
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.flags import FlagRules, flag_call
from callqa.qa_rules.precision import is_observation, precision_note
from callqa.qa_rules.scorecard import Scorecard
from callqa.qa_rules.scores import ScoredCall
from callqa.qa_rules.structure import OUTCOMES

PeerCase = tuple[StoredCase, SimilarCase]  # an agent's weak case, a peer's similar good one

ANSWER_TEXT = {"yes": "yes", "no": "no", "na": "n/a", "unsure": "unsure"}
POLARITY_RANK = {"negative": 3, "positive": 2, "neutral": 1}


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("callqa.pipelines", "templates"), autoescape=select_autoescape(["j2"])
    )
    env.globals.update(clock=clock, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    return env


@dataclass(frozen=True)
class ReviewPanel:
    """The reviewer's column of a call page in the workspace: the latest review per criterion,
    every review of the call, and where the override form posts (``csrf`` None: read only)."""

    latest: Mapping[str, Review]
    history: Sequence[Review]
    action: str
    csrf: str | None
    erase: str | None = None  # where an admin's erasure form posts


def call_page(
    call: StoredCall,
    card: Scorecard,
    rules: FlagRules | None = None,
    similar: SimilarCases | None = None,
    review: ReviewPanel | None = None,
    audio: str | None = None,
) -> str:
    """The report of one stored call, with its ``similar`` past cases (None: the call states
    no problem) and, in the workspace, the reviewers' answers and override forms and a player
    for the call's ``audio`` (its muted copy's address)."""
    row, transcript, score, findings = call.row, call.transcript, call.score, call.findings
    outcome = next((f.label for f in findings if f.label in OUTCOMES), None)
    return (
        environment()
        .get_template("call.html.j2")
        .render(
            call=row,
            started=f"{row.started_at:%Y-%m-%d %H:%M}" if row.started_at else "undated",
            duration=clock(row.duration_s),
            turns=len(transcript.turns),
            outcome=outcome,
            score=score,
            total="-" if not score or score.total is None else f"{score.total:.0f}",
            flags=flag_call(score, findings, rules),
            sections=_sections(score, card) if score else [],
            observations=[
                {"finding": f, "note": precision_note(f.label)}
                for f in findings
                if is_observation(f)
            ],  # fmt: skip
            emotion_chart=emotion_svg(call.customer_emotion),
            similar=similar,
            review=review,
            audio=audio,
            root="../",
            transcript=[
                {"start": t.start, "speaker": t.speaker, "html": highlight(t.text, i, findings)}
                for i, t in enumerate(transcript.turns)
            ],
        )
    )


def write_call_pages(
    calls: Sequence[StoredCall],
    card: Scorecard,
    folder: Path,
    rules: FlagRules | None = None,
    similar: Mapping[str, SimilarCases | None] | None = None,
) -> list[Path]:
    """Write ``<call_id>.html`` for each call into ``folder`` (``similar`` cases by call id)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for call in calls:
        call_id = call.call_id
        path = file_in(folder, call_id, ".html")
        found = (similar or {}).get(call_id)
        path.write_text(call_page(call, card, rules, found), encoding="utf-8")
        written.append(path)
    return written


def highlight(text: str, turn: int, findings: Sequence[Finding]) -> str:
    """The turn's text as HTML, with every quoted span marked by its finding's polarity
    (observations as neutral: they are not counted as failures)."""
    marks: list[tuple[int, str, str]] = [(0, "", "")] * len(text)  # (rank, polarity, labels)
    for f in findings:
        quoted = [ev for ev in f.evidence if ev.turn == turn]
        kind = "neutral" if quoted and is_observation(f) else f.polarity  # not a counted failure
        new = POLARITY_RANK[kind]
        for ev in quoted:
            for i in range(ev.char_start, min(ev.char_end, len(text))):
                rank, polarity, labels = marks[i]
                label = f"{labels}, {f.label}" if labels and f.label not in labels else f.label
                marks[i] = (new, kind, label) if new > rank else (rank, polarity, label)
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


def emotion_svg(points: Sequence[EmotionPoint], width: int = 1000, height: int = 140) -> str:
    """Two lines, negative and positive emotion per customer sentence, as inline SVG; the axis
    is the call's time in seconds when every sentence has one, else the sentences in order."""
    if len(points) < 2:
        return ""
    pad, last = 24, len(points) - 1
    known = [p.start for p in points if p.start is not None]
    timed = len(known) == len(points) and known[-1] > known[0]
    t0, t1 = (known[0], known[-1]) if timed else (0.0, 1.0)

    def x(i: int) -> float:
        share = (known[i] - t0) / (t1 - t0) if timed else i / last
        return pad + share * (width - 2 * pad)

    def line(values: list[float], colour: str) -> str:
        xy = " ".join(
            f"{x(i):.1f},{height - pad - v * (height - 2 * pad):.1f}" for i, v in enumerate(values)
        )
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{xy}"/>'

    marks: list[tuple[float, float | None]]
    if timed:  # the call's time in eight even steps
        marks = [(pad + k * (width - 2 * pad) / 8, t0 + k * (t1 - t0) / 8) for k in range(9)]
    else:
        marks = [(x(i), p.start) for i, p in enumerate(points) if i % max(1, len(points) // 8) == 0]
    ticks = "".join(f'<text x="{at:.0f}" y="{height - 6}">{clock(t)}</text>' for at, t in marks)
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
        "criterion_id": answer.criterion_id,
        "label": label,
        "answer": kind,
        "answer_text": ANSWER_TEXT.get(kind, kind),
        "points": points,
        "reason": answer.reason,
        "evidence": answer.evidence[:2],
    }


def run_page(
    summary: RunSummary,
    calls: Sequence[StoredCall],
    agents: Sequence[str] = (),
    rules: FlagRules | None = None,
    root: str = "",
) -> str:
    """The morning summary of one run: counts, score distribution, flags, teams, calls.

    ``root`` is the path from the page to the reports folder (links to calls and agents)."""
    return (
        environment()
        .get_template("summary.html.j2")
        .render(
            run_id=summary.run_id,
            source=summary.source,
            version=summary.pipeline_version,
            seconds=f"{summary.seconds:.1f}",
            throughput=f"{summary.calls_per_second:.2f}",
            rtf=None if summary.real_time_factor is None else f"{summary.real_time_factor:.2f}",
            audio_minutes=f"{summary.audio_seconds / 60:.1f}",
            processed=summary.processed,
            unchanged=summary.unchanged,
            quarantined=len(summary.quarantined),
            quarantine=summary.quarantined,
            skipped=summary.skipped,
            agents=agents,
            root=root,
            **_overview([c.scored() for c in calls], rules),
        )
    )


def index_page(
    calls: Sequence[ScoredCall],
    runs: Sequence[RunSummary],
    agents: Sequence[str] = (),
    rules: FlagRules | None = None,
    shown: int = 500,
) -> str:
    """``index.html``: every stored call (the review queue over all of them, scores, teams),
    the most recent ``shown`` listed, and every run linked."""
    overview = _overview(calls, rules)
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            stored=len(calls),
            runs=runs,
            agents=agents,
            root="",
            **overview | {"calls": overview["calls"][:shown]},
            more=max(0, len(calls) - shown),
        )
    )


def _overview(calls: Sequence[ScoredCall], rules: FlagRules | None) -> dict[str, Any]:
    """The review queue within its budget over ``calls``, the score histogram, teams and the
    call rows (most recent first, as the store lists them)."""
    rules = rules or FlagRules()
    queued, held = budgeted_queue(calls, rules)
    flags = {q["call_id"]: [f["reason"] for f in q["flags"]] for q in queued}
    reasons = Counter(reason for fs in flags.values() for reason in set(fs))
    totals = [c.score.total for c in calls if c.score and c.score.total is not None]
    teams: dict[str, list[ScoredCall]] = {}
    for c in calls:
        teams.setdefault(c.team or "-", []).append(c)
    team_rows = []
    for team, own in sorted(teams.items()):
        scored = [c.score.total for c in own if c.score and c.score.total is not None]
        team_rows.append({
            "team": team, "calls": len(own),
            "mean": f"{sum(scored) / len(scored):.0f}" if scored else "-",
            "flagged": sum(c.call_id in flags for c in own),
        })  # fmt: skip
    return {
        "flagged": len(queued),
        "held_back": len(held),
        "histogram": histogram_svg(totals),
        "flag_reasons": reasons.most_common(),
        "teams": team_rows,
        "calls": [
            {
                "call_id": c.call_id,
                "agent_id": c.agent_id,
                "total": "-" if not c.score or c.score.total is None else f"{c.score.total:.0f}",
                "flags": ", ".join(dict.fromkeys(flags.get(c.call_id, []))),
            }
            for c in calls
        ],
    }  # fmt: skip


TREND_COLOURS = ("#0969da", "#1a7f37", "#8250df", "#bf3989", "#9a6700", "#cf222e")


def trend_svg(
    lines: Mapping[str, Sequence[tuple[str, float]]], width: int = 1000, height: int = 180
) -> str:
    """Mean score per week, one line per team (``lines``: team -> (week, mean)), as inline SVG."""
    weeks = sorted({week for points in lines.values() for week, _ in points})
    if len(weeks) < 2:
        return '<p class="muted">A trend needs calls from two weeks or more.</p>'
    pad, step = 40, (width - 80) / (len(weeks) - 1)
    every = len(weeks) // 12 + 1  # at most a dozen week labels

    def at(week: str, mean: float) -> tuple[float, float]:
        return pad + weeks.index(week) * step, height - pad - (height - 2 * pad) * mean / 100

    parts = [f'<text x="{pad + i * step:.0f}" y="{height - 6}" text-anchor="middle">{w}</text>'
             for i, w in enumerate(weeks) if i % every == 0]  # fmt: skip
    parts += [f'<text x="4" y="{at(weeks[0], score)[1] + 4:.0f}">{score}</text>'
              f'<line x1="{pad}" x2="{width - pad}" y1="{at(weeks[0], score)[1]:.0f}" '
              f'y2="{at(weeks[0], score)[1]:.0f}" stroke="#eaeef2"/>'
              for score in (0, 50, 100)]  # fmt: skip
    legend = []
    for n, (team, points) in enumerate(sorted(lines.items())):
        colour, name = TREND_COLOURS[n % len(TREND_COLOURS)], escape(team)
        spots = [(at(w, m), w, m) for w, m in points]
        path = " ".join(f"{x:.0f},{y:.0f}" for (x, y), _, _ in spots)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts += [
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="3" fill="{colour}">'
            f"<title>{name} {w}: {m:.0f}</title></circle>"
            for (x, y), w, m in spots
        ]
        legend.append(f'<span style="color:{colour}">■ {name}</span>')
    return (
        f'<div class="legend">{"".join(legend)}</div><svg viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="mean score per week and team">{"".join(parts)}</svg>'
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


def write_run_page(
    summary: RunSummary, calls: Sequence[StoredCall], agents: list[str], folder: Path
) -> Path:
    """``runs/<run_id>.html``: the summary of one run."""
    (folder / "runs").mkdir(parents=True, exist_ok=True)
    page = file_in(folder / "runs", summary.run_id, ".html")
    page.write_text(run_page(summary, calls, agents, root="../"), encoding="utf-8")
    return page


def write_index(
    calls: Sequence[ScoredCall], runs: Sequence[RunSummary], agents: list[str], folder: Path
) -> Path:
    """``index.html``: every stored call and every run (see :func:`index_page`)."""
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.html"
    index.write_text(index_page(calls, runs, agents), encoding="utf-8")
    return index


def coaching_page(plan: CoachingPlan, peer_cases: Sequence[PeerCase] = ()) -> str:
    """A coaching plan as HTML, with peers' resolutions of the agent's weakest calls."""
    env = environment()
    env.globals.update(pct=_pct, rate=_rate)
    return env.get_template("coach.html.j2").render(plan=plan, peer_cases=peer_cases)


def coaching_markdown(plan: CoachingPlan, peer_cases: Sequence[PeerCase] = ()) -> str:
    """A coaching plan as Markdown, for notes and tickets; quoted words are HTML-escaped, so a
    Markdown viewer never renders markup a caller said or typed."""
    lines = [
        f"# Coaching plan: {plan.agent_id}",
        "",
        f"Team {_md(plan.team or '-')} · {plan.calls} scored call(s) · mean score "
        f"{_pct(plan.mean_total)} (team {_pct(plan.team_mean_total)}) · "
        f"follow up on {plan.follow_up}",
    ]
    for number, area in enumerate(plan.focus, start=1):
        s = area.stats
        interval = f" (95% CI {_rate(s.interval[0])}-{_rate(s.interval[1])})" if s.interval else ""
        lines += [
            "",
            f"## {number}. {s.label}",
            "",
            f"Passed {_rate(s.pass_rate)} of {s.n}{interval}; team {_rate(s.team_pass_rate)} "
            f"of {s.team_n}. Worth {s.gain} points per call.",
        ]
        lines += [f'- yours: {m.call_id} [{clock(m.evidence.start)}] "{_md(m.evidence.quote)}"'
                  for m in area.own_moments]  # fmt: skip
        lines += [f'- {m.agent_id}: {m.call_id} [{clock(m.evidence.start)}] '
                  f'"{_md(m.evidence.quote)}"' for m in area.peer_moments]  # fmt: skip
        lines += [f"- practice, {p.title}: {p.practice}" for p in area.practice]
    if peer_cases:
        lines += ["", "## How peers solved the same problems"]
    for own, peer in peer_cases:
        issue = _md(" ".join(e.quote for e in own.issue))
        lines += ["", f'- yours: {own.call_id} "{issue}"',
                  f'- {peer.case.agent_id}: {peer.case.call_id} (score '
                  f'{peer.case.total or 0:.0f}, similarity {peer.similarity:.2f})']  # fmt: skip
        lines += [f'  - [{clock(e.start)}] "{_md(e.quote)}"'
                  for e in peer.case.resolution]  # fmt: skip
    return "\n".join(lines) + "\n"


def write_coaching_plans(
    agents: list[str],
    rows: Sequence[ScoredCall],
    card: Scorecard,
    folder: Path,
    peer_cases: Mapping[str, list[PeerCase]] | None = None,
) -> list[Path]:
    """``<agent>.html`` and ``<agent>.md`` in ``folder`` for each agent with scored calls."""
    written = []
    for agent in agents:
        try:
            plan = coaching_plan(agent, rows, card)
        except KeyError:
            continue  # no scored calls for this agent
        write_coaching_plan(plan, folder, (peer_cases or {}).get(agent, []))
        written.append(file_in(folder, agent, ".html"))
    return written


def write_coaching_plan(plan: CoachingPlan, folder: Path, peer_cases: Sequence[PeerCase]) -> str:
    """``<agent>.html`` and ``<agent>.md`` in ``folder``; returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    markdown = coaching_markdown(plan, peer_cases)
    file_in(folder, plan.agent_id, ".html").write_text(
        coaching_page(plan, peer_cases), encoding="utf-8"
    )
    file_in(folder, plan.agent_id, ".md").write_text(markdown, encoding="utf-8")
    return markdown


def _md(text: str) -> str:
    """Quoted words for Markdown: HTML escaped, no line breaks."""
    return escape(" ".join(text.split()), quote=False)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
