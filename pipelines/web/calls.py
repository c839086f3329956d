"""The workspace's calls: the list with its filters, trend and export, a call's page with its
player, overrides and erasure, and run pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from callqa.pipelines import console
from callqa.pipelines.erasure import forget_calls
from callqa.pipelines.locks import RunLocked, run_lock
from callqa.pipelines.paths import SAFE_ID, UnsafeId, file_in
from callqa.pipelines.records import CallFilter, ListedCall, SortKey, User
from callqa.pipelines.reports import (
    ReviewPanel,
    call_page,
    run_page,
    trend_svg,
)
from callqa.pipelines.review import review_queue
from callqa.pipelines.similar import open_synced_index, similar_to_call
from callqa.pipelines.store import Store
from callqa.pipelines.web.auth import (
    MAY_REVIEW,
    MAY_SEE_ALL,
)
from callqa.pipelines.web.common import (
    ANSWERS,
    EXPORT_LIMIT,
    PAGE_SIZE,
    Csrf,
    Viewer,
    Workspace,
    form_poster,
    parse_day,
    with_nav,
)
from callqa.pipelines.workspace import Folders
from callqa.qa_rules.flags import REASONS, FlagRules
from callqa.qa_rules.structure import OUTCOMES


def add_call_routes(app: FastAPI, ws: Workspace) -> None:
    """The calls list, export, call pages, audio, overrides, erasure and run pages."""
    store, card, rules, folders = ws.store, ws.card, ws.rules, ws.folders
    scorecard = ws.scorecard
    page, visible = ws.page, ws.visible
    flagged = FlagReasons(store, rules)

    @app.get("/", response_class=HTMLResponse)
    @app.get("/index.html", response_class=HTMLResponse)
    def dashboard(request: Request, viewer: Viewer, where: Annotated[Filters, Depends()]) -> Any:
        user, session = viewer
        wanted = where.call_filter(user)
        if where.flag:
            wanted = wanted.model_copy(update={"call_ids": flagged.calls(where.flag)})
        total = store.count_calls(wanted)
        rows = store.list_calls(wanted.model_copy(update={"limit": PAGE_SIZE}))
        reviewed = store.reviewed_calls([r.call_id for r in rows])
        asked = dict(request.query_params)

        def query_with(**changed: Any) -> str:
            return urlencode({**asked, **changed})

        return page(
            "app_calls.html.j2", user=user, csrf=session.csrf, rows=rows, total=total,
            flag_reasons=REASONS,
            query_with=query_with,
            reviewed=reviewed, where=where, outcomes=OUTCOMES, page_size=PAGE_SIZE,
            query=str(request.query_params), trend=trend_svg(_weekly(store, wanted)),
            runs=[r for r in store.list_runs(limit=50) if r.summary is not None]
            if user.role in MAY_SEE_ALL else [],
        )  # fmt: skip

    @app.get("/export.{kind}")
    def export(kind: str, viewer: Viewer, where: Annotated[Filters, Depends()]) -> Response:
        wanted = where.call_filter(viewer[0]).model_copy(
            update={"limit": EXPORT_LIMIT, "offset": 0}  # every matching call, not a page
        )
        if where.flag:
            wanted = wanted.model_copy(update={"call_ids": flagged.calls(where.flag)})
        rows = store.list_calls(wanted)
        if kind == "csv":
            return StreamingResponse(
                _csv(rows), media_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="calls.csv"'},
            )  # fmt: skip
        if kind == "jsonl":
            hidden = {"path", "content_hash"} if viewer[0].role == "agent" else set()
            lines = (r.model_dump_json(exclude=hidden) + "\n" for r in rows)
            return StreamingResponse(lines, media_type="application/x-ndjson")
        raise HTTPException(404)

    @app.get("/calls/{call_id}.html", response_class=HTMLResponse)
    def call(call_id: str, viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        stored = store.get_call(call_id)
        if stored is None or not visible(user, stored.row.agent_id):
            raise HTTPException(404, f"no call {call_id!r}")
        may_review = user.role in MAY_REVIEW
        panel = ReviewPanel(
            latest={r.criterion_id: r for r in stored.reviews},
            history=tuple(reversed(stored.reviews)),
            action=f"/calls/{call_id}/review",
            csrf=session.csrf if may_review else None,
            erase=f"/calls/{call_id}/forget" if user.role == "admin" else None,
        )
        similar = similar_to_call(store, open_synced_index(store), call_id)
        audio = f"/audio/{call_id}.wav" if _audio(folders, call_id) else None
        html = call_page(stored, card, rules, similar, panel, audio)
        return HTMLResponse(with_nav(html, user, session))

    @app.get("/audio/{call_id}.wav")
    def audio(call_id: str, viewer: Viewer) -> FileResponse:
        """The call's audio with personal data silenced (``--muted-audio``), never the original."""
        stored = store.get_call(call_id)
        if stored is None or not visible(viewer[0], stored.row.agent_id):
            raise HTTPException(404, f"no audio for {call_id!r}")
        path = _audio(folders, call_id)
        if path is None:
            raise HTTPException(404, f"no audio for {call_id!r}")
        return FileResponse(path, media_type="audio/wav")

    @app.post("/calls/{call_id}/review")
    def override(
        call_id: str,
        viewer: Viewer,
        criterion: Annotated[str, Form()],
        answer: Annotated[str, Form()],
        comment: Annotated[str, Form(max_length=500)] = "",
        csrf: Csrf = "",
    ) -> Response:
        user = form_poster(viewer, csrf, MAY_REVIEW, "only reviewers and admins override")
        if answer not in ANSWERS:
            raise HTTPException(422, f"an answer is one of {', '.join(ANSWERS)}")
        try:
            store.save_review(call_id, criterion, answer, comment.strip(), user.name)
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        return RedirectResponse(f"/calls/{call_id}.html#review-{criterion}", status_code=303)

    @app.post("/calls/{call_id}/forget")
    def forget(
        call_id: str, viewer: Viewer, confirm: Annotated[str, Form()], csrf: Csrf = ""
    ) -> Response:
        """Erase the call everywhere, as ``callqa forget`` does (admins; type the id to confirm)."""
        user = form_poster(viewer, csrf, ("admin",), "only admins erase calls")
        if confirm != call_id:
            raise HTTPException(422, "type the call's id to confirm its erasure")
        try:
            with run_lock(store.url):
                erased = forget_calls(store, [call_id], folders, scorecard, actor=user.name)
        except RunLocked as exc:
            raise HTTPException(409, f"{exc}; try again when it has finished") from None
        if not erased.calls:
            raise HTTPException(404, f"no call {call_id!r}")
        return RedirectResponse("/", status_code=303)

    @app.get("/runs/{run_id}.html", response_class=HTMLResponse)
    def run(run_id: str, viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        if user.role not in MAY_SEE_ALL:
            raise HTTPException(403, "run summaries are for reviewers")
        found = [r.summary for r in store.list_runs(limit=10_000) if r.run_id == run_id]
        if not found or found[0] is None:
            raise HTTPException(404, f"no completed run {run_id!r}")
        calls = [c for c in map(store.get_call, _ids(store, run_id)) if c]
        agents = sorted({c.row.agent_id for c in calls if c.row.agent_id})
        html = run_page(found[0], calls, agents, rules, root="../")
        return HTMLResponse(with_nav(html, user, session))


class Filters:
    """The dashboard's filters, from the query string (also the export's)."""

    def __init__(
        self,
        since: str | None = None,
        until: str | None = None,
        team: str | None = None,
        agent: str | None = None,
        queue: str | None = None,
        outcome: str | None = None,
        min_score: str | None = None,
        max_score: str | None = None,
        reviewed: Literal["", "yes", "no"] | None = None,
        flag: str | None = None,
        sort: SortKey = "started_at",
        order: Literal["asc", "desc"] = "desc",
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> None:
        self.since, self.until = since or None, until or None
        self.team, self.agent, self.queue = team or None, agent or None, queue or None
        if outcome and outcome not in OUTCOMES:
            raise HTTPException(422, f"{outcome!r}: an outcome is one of {', '.join(OUTCOMES)}")
        self.outcome = outcome or None
        self.min_score, self.max_score = _score(min_score), _score(max_score)
        self.reviewed = reviewed or None
        self.flag = flag or None
        self.sort, self.order, self.page = sort, order, page

    def call_filter(self, user: User) -> CallFilter:
        """The store's filter; an agent account is held to its own calls."""
        agent = user.agent_id if user.role == "agent" else self.agent
        return CallFilter(
            agent_id=agent, team=self.team, queue=self.queue, outcome=self.outcome,
            since=parse_day(self.since), until=parse_day(self.until, next_day=True),
            min_total=self.min_score, max_total=self.max_score,
            reviewed={"yes": True, "no": False}.get(self.reviewed or ""),
            sort=self.sort, descending=self.order != "asc", offset=(self.page - 1) * PAGE_SIZE,
        )  # fmt: skip


def _score(text: str | None) -> float | None:
    """A score bound from a form (empty: none)."""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise HTTPException(422, f"{text!r}: a score is a number from 0 to 100")
    return value


class FlagReasons:
    """Which stored calls meet each flag rule (whatever the budget), worked out from every
    call's score and findings once, and again only when calls were stored or erased since."""

    def __init__(self, store: Store, rules: FlagRules) -> None:
        self.store, self.rules = store, rules
        self._seen: tuple[int, Any] | None = None
        self._calls: dict[str, frozenset[str]] = {}

    def calls(self, reason: str) -> frozenset[str]:
        return self._by_reason().get(reason, frozenset())

    def _by_reason(self) -> dict[str, frozenset[str]]:
        version = self.store.version()
        if version != self._seen:
            found: dict[str, set[str]] = {}
            for q in review_queue(self.store.scored_calls(), self.rules):
                for f in q["flags"]:
                    found.setdefault(f["reason"], set()).add(q["call_id"])
            self._calls = {reason: frozenset(ids) for reason, ids in found.items()}
            self._seen = version
        return self._calls


def _audio(folders: Folders, call_id: str) -> Path | None:
    """The call's muted audio copy, when there is one."""
    if folders.muted_audio is None or not SAFE_ID.fullmatch(call_id):
        return None
    try:
        path = file_in(folders.muted_audio, call_id, ".wav")
    except UnsafeId:  # a link out of the folder, say
        return None
    return path if path.is_file() else None


def _ids(store: Store, run_id: str) -> list[str]:
    return [r.call_id for r in store.list_calls(CallFilter(run_id=run_id))]


def _csv(rows: list[ListedCall]) -> Iterator[str]:
    yield console.csv_text(
        ["call_id", "started_at", "agent_id", "team", "queue", "duration_s", "total",
         "auto_failed", "negative_findings"],
        [[r.call_id, r.started_at.isoformat() if r.started_at else "", r.agent_id, r.team,
          r.queue, r.duration_s, r.total, r.auto_failed, r.negative_findings] for r in rows],
    )  # fmt: skip


def _weekly(store: Store, where: CallFilter) -> dict[str, list[tuple[str, float]]]:
    """Mean total per ISO week over the filtered calls, a line per team, or per agent when
    the calls are one agent's or one team's (the trend chart's lines)."""
    by_agent = where.agent_id is not None or where.team is not None
    sums: dict[str, dict[str, list[float]]] = {}
    for line, day, total, n in store.daily_scores(where, "agent_id" if by_agent else "team"):
        week = sums.setdefault(line, {}).setdefault(day.strftime("%G-W%V"), [0.0, 0])
        week[0], week[1] = week[0] + total, week[1] + n
    return {
        line: [(week, round(total / n, 1)) for week, (total, n) in sorted(weeks.items())]
        for line, weeks in sorted(sums.items())
    }
