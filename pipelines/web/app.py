"""The review workspace (``callqa serve``): server-rendered pages over the store, for a team on
one machine or a server. Pages are rendered by the same functions as the static reports and
read and write through the same store and records as the commands; nothing is computed twice.

Every page needs a signed-in account; every form carries the session's CSRF token; an agent
account sees only its own calls.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from callqa.pipelines import console
from callqa.pipelines.backtest import backtest
from callqa.pipelines.calibration_sessions import (
    CalibrationSession,
    agreement_by_criterion,
    create_session,
    get_session,
    list_sessions,
    save_answers,
    session_answers,
)
from callqa.pipelines.coaching_notes import add_note, follow_up, notes_of
from callqa.pipelines.erasure import forget_calls
from callqa.pipelines.paths import SAFE_ID, UnsafeId, file_in
from callqa.pipelines.queue_claims import claim, holders, release
from callqa.pipelines.records import CallFilter, ListedCall, SortKey, User
from callqa.pipelines.reports import (
    ReviewPanel,
    call_page,
    coaching_page,
    environment,
    run_page,
    trend_svg,
)
from callqa.pipelines.review import review_day, review_queue
from callqa.pipelines.similar import open_synced_index, peer_cases, similar_to_call
from callqa.pipelines.store import Store
from callqa.pipelines.web.auth import (
    MAY_COACH,
    MAY_REVIEW,
    MAY_SEE_ALL,
    SESSION_COOKIE,
    SESSION_HOURS,
    Session,
    Sessions,
    Throttle,
    check_password,
    same_token,
)
from callqa.pipelines.workspace import Folders, RunLocked, load_calibration, run_lock
from callqa.qa_rules.coaching import coaching_plan
from callqa.qa_rules.flags import REASONS, FlagRules
from callqa.qa_rules.scorecard import Scorecard, ScorecardError, load_scorecard
from callqa.qa_rules.structure import OUTCOMES

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
}
PAGE_SIZE = 50
MAX_CARD_CHARS = 200_000
EXPORT_LIMIT = 100_000
ANSWERS = ("yes", "no", "na")


class SignIn(Exception):
    """No valid session: the browser is sent to the sign-in page."""


def signed_in(request: Request) -> tuple[User, Session]:
    """The signed-in user and their session; SignIn when there is none."""
    store: Store = request.app.state.store
    session = request.app.state.sessions.read(request.cookies.get(SESSION_COOKIE))
    found = store.user(session.user) if session else None
    if session is None or found is None or not same_token(session.key, found[2]):
        raise SignIn()  # no session, or one the account has ended (sign-out, new password)
    return found[0], session


Viewer = Annotated[tuple[User, Session], Depends(signed_in)]
Csrf = Annotated[str, Form()]  # every form's token; missing, it is refused as a stale form


def create_app(
    store: Store,
    secret: str,
    scorecard: str,
    rules: FlagRules,
    folders: Folders | None = None,
    sample_rate: float = 0.1,
) -> FastAPI:
    """The workspace over ``store``, with the ``scorecard`` (an id or YAML file) its calls were
    scored with and the flag ``rules``; ``folders``: what an erasure removes besides the store
    (default: those beside it)."""
    folders = folders or Folders.beside(store.url)
    card = load_scorecard(scorecard)
    app = FastAPI(title="callqa", docs_url=None, redoc_url=None, openapi_url=None)
    sessions = Sessions(secret)
    app.state.store, app.state.sessions = store, sessions
    env = environment()

    def page(template: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(root="/", **context))

    def visible(user: User, agent_id: str | None) -> bool:
        return user.role in MAY_SEE_ALL or (agent_id is not None and agent_id == user.agent_id)

    throttle = Throttle()
    flagged = FlagReasons(store, rules)

    @app.middleware("http")
    async def guarded(request: Request, call_next: Any) -> Response:
        """A form posted from another site is refused (the Origin names another host), and
        every page says: no framing, no caching, scripts only our own."""
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and urlsplit(origin).netloc != request.url.netloc:
            response: Response = HTMLResponse("a form from another site", status_code=403)
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def error_page(request: Request, exc: StarletteHTTPException) -> Response:
        """Errors as a page for a browser, as JSON for a script."""
        if "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, exc.status_code)
        shown = page("app_error.html.j2", user=None, status=exc.status_code, detail=exc.detail)
        shown.status_code = exc.status_code
        return shown

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return await error_page(request, StarletteHTTPException(422, problems))

    @app.exception_handler(SignIn)
    async def to_sign_in(request: Request, _exc: SignIn) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, failed: bool = False) -> HTMLResponse:
        return page("app_login.html.j2", failed=failed, user=None)

    @app.post("/login")
    def login(
        request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        if not throttle.attempt(name, time.monotonic()):
            raise HTTPException(429, "too many failed sign-ins for this name: try in 15 minutes")
        user = check_password(store, name, password)
        if user is None:
            return RedirectResponse("/login?failed=1", status_code=303)
        throttle.passed(name)
        found = store.user(user.name)
        back = RedirectResponse("/", status_code=303)
        back.set_cookie(
            SESSION_COOKIE, sessions.issue(user.name, found[2] if found else ""),
            max_age=SESSION_HOURS * 3600,
            httponly=True, samesite="strict", secure=request.url.scheme == "https",
        )  # fmt: skip
        return back

    @app.post("/logout")
    def logout(viewer: Viewer, csrf: Csrf = "") -> Response:
        _check_csrf(viewer[1], csrf)
        store.end_sessions(viewer[0].name)
        back = RedirectResponse("/login", status_code=303)
        back.delete_cookie(SESSION_COOKIE)
        return back

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

    @app.get("/queue", response_class=HTMLResponse)
    def queue(viewer: Viewer, since: str | None = None) -> HTMLResponse:
        user, session = viewer
        if user.role not in MAY_SEE_ALL:
            raise HTTPException(403, "the review queue is for reviewers")
        day = review_day(store.scored_calls(_day(since)), rules, sample_rate)
        ids = [q["call_id"] for q in day["flagged"]] + [s["call_id"] for s in day["sample"]]
        return page(
            "app_queue.html.j2", user=user, csrf=session.csrf, day=day, since=since,
            reviewed=store.reviewed_calls(ids), holders=holders(store),
            reviewers=[u.name for u in store.list_users() if u.role in MAY_REVIEW],
        )  # fmt: skip

    @app.post("/queue/{call_id}/claim")
    def queue_claim(
        call_id: str,
        viewer: Viewer,
        reviewer: Annotated[str | None, Form()] = None,
        release_it: Annotated[bool, Form(alias="release")] = False,
        csrf: Csrf = "",
    ) -> Response:
        """Claim a flagged call; a lead assigns it to ``reviewer`` or releases it."""
        user, session = viewer
        _check_csrf(session, csrf)
        if user.role not in MAY_REVIEW:
            raise HTTPException(403, "reviewers claim calls")
        if store.get_call(call_id) is None:
            raise HTTPException(404, f"no call {call_id!r}")
        lead = user.role == "admin"
        if release_it and (lead or holders(store).get(call_id) == user.name):
            release(store, call_id)
        elif reviewer and lead:
            if reviewer not in {u.name for u in store.list_users() if u.role in MAY_REVIEW}:
                raise HTTPException(422, f"{reviewer!r} is not a reviewer")
            claim(store, call_id, reviewer, user.name, replace=True)
        elif claim(store, call_id, user.name, user.name) != user.name:
            raise HTTPException(409, f"{call_id} is already claimed")
        return RedirectResponse("/queue", status_code=303)

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
        return HTMLResponse(_with_nav(html, user, session))

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
        user, session = viewer
        _check_csrf(session, csrf)
        if user.role not in MAY_REVIEW:
            raise HTTPException(403, "only reviewers and admins override")
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
        user, session = viewer
        _check_csrf(session, csrf)
        if user.role != "admin":
            raise HTTPException(403, "only admins erase calls")
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

    @app.get("/agents/{agent_id}.html", response_class=HTMLResponse)
    def coaching(agent_id: str, viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        if not visible(user, agent_id):
            raise HTTPException(404, f"no agent {agent_id!r}")
        try:
            plan = coaching_plan(agent_id, store.scored_calls(), card)
        except KeyError:
            raise HTTPException(404, f"no scored calls of agent {agent_id!r}") from None
        index = open_synced_index(store)
        peers = peer_cases(store, index, agent_id) if index else []
        calls = store.scored_calls()
        notes = env.get_template("app_coach_notes.html.j2").render(
            checks=[follow_up(n, calls) for n in notes_of(store, agent_id)],
            may_note=user.role in MAY_COACH,
            csrf=session.csrf,
            agent_id=agent_id,
            default_follow_up=plan.follow_up,
        )
        html = coaching_page(plan, peers).replace("</body>", notes + "\n</body>", 1)
        return HTMLResponse(_with_nav(html, user, session))

    @app.post("/agents/{agent_id}/notes")
    def coaching_note(
        agent_id: str,
        viewer: Viewer,
        note: Annotated[str, Form(min_length=1, max_length=2000)],
        follow_up_on: Annotated[date, Form(alias="follow_up")],
        csrf: Csrf = "",
    ) -> Response:
        user, session = viewer
        _check_csrf(session, csrf)
        if user.role not in MAY_COACH:
            raise HTTPException(403, "coaches and admins write coaching notes")
        if not store.list_calls(CallFilter(agent_id=agent_id, limit=1)):
            raise HTTPException(404, f"no agent {agent_id!r}")
        if not note.strip():
            raise HTTPException(422, "a note needs words")
        add_note(store, agent_id, user.name, note.strip(), follow_up_on)
        return RedirectResponse(f"/agents/{agent_id}.html#notes", status_code=303)

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
        return HTMLResponse(_with_nav(html, user, session))

    @app.get("/calibration", response_class=HTMLResponse)
    def calibration_list(viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        if user.role not in MAY_SEE_ALL:
            raise HTTPException(403, "calibration is for the QA team")
        return page("app_calibration_list.html.j2", user=user, csrf=session.csrf,
                    sessions=list_sessions(store))  # fmt: skip

    @app.post("/calibration")
    def calibration_create(
        viewer: Viewer,
        name: Annotated[str, Form(min_length=1, max_length=200)],
        calls: Annotated[str, Form(max_length=20_000)],
        csrf: Csrf = "",
    ) -> Response:
        user, session = viewer
        _check_csrf(session, csrf)
        if user.role != "admin":
            raise HTTPException(403, "a lead (admin) starts calibration sessions")
        try:
            made = create_session(store, name, calls.replace(",", " ").split(), user.name)
        except KeyError as exc:
            raise HTTPException(422, str(exc.args[0])) from None
        return RedirectResponse(f"/calibration/{made}", status_code=303)

    @app.get("/calibration/{session_id}", response_class=HTMLResponse)
    def calibration_session(session_id: int, viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        found = _calibration(session_id, user)
        given = session_answers(store, session_id)
        mine = {a.call_id for a in given if a.reviewer == user.name}
        done = set(found.call_ids) <= mine
        results: dict[str, Any] | None = None
        if user.role in ("admin", "coach") or done:  # a reviewer: once all their answers are in
            system = {(c, a.criterion_id): str(a.answer) for c in found.call_ids
                      if (stored := store.get_call(c)) and stored.score
                      for a in stored.score.criteria}  # fmt: skip
            results = {
                "criteria": agreement_by_criterion(given, system), "system": system,
                "given": given, "reviewers": sorted({a.reviewer for a in given}),
            }  # fmt: skip
        return page("app_calibration.html.j2", user=user, csrf=session.csrf, session=found,
                    mine=mine, results=results, labels=_labels(card))  # fmt: skip

    @app.get("/calibration/{session_id}/calls/{call_id}", response_class=HTMLResponse)
    def calibration_call(session_id: int, call_id: str, viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        found = _calibration(session_id, user, call_id)
        stored = store.get_call(call_id)
        if stored is None:
            raise HTTPException(404, f"no call {call_id!r} (erased since?)")
        own = {a.criterion_id: a.answer for a in session_answers(store, session_id)
               if a.call_id == call_id and a.reviewer == user.name}  # fmt: skip
        return page("app_calibration_call.html.j2", user=user, csrf=session.csrf,
                    session=found, call=stored, own=own, labels=_labels(card))  # fmt: skip

    @app.post("/calibration/{session_id}/calls/{call_id}")
    async def calibration_answer(
        session_id: int, call_id: str, request: Request, viewer: Viewer
    ) -> Response:
        user, session = viewer
        form = await request.form()
        _check_csrf(session, str(form.get("csrf", "")))
        if user.role != "reviewer":  # a lead sees every answer: theirs would not be blind
            raise HTTPException(403, "reviewers answer calibration calls")
        found = _calibration(session_id, user, call_id)
        before = {a.call_id for a in session_answers(store, session_id) if a.reviewer == user.name}
        if set(found.call_ids) <= before:
            raise HTTPException(409, "your answers are in and the results shown: they stay")
        given = {c: str(form.get(c)) for c in _labels(card) if form.get(c) in ANSWERS}
        missing = [label for c, label in _labels(card).items() if c not in given]
        if missing:
            raise HTTPException(422, f"answer every criterion (yes, no or n/a): {missing[0]}")
        save_answers(store, session_id, call_id, user.name, given)
        answered = {
            a.call_id for a in session_answers(store, session_id) if a.reviewer == user.name
        }
        left = [c for c in found.call_ids if c not in answered]
        target = (
            f"/calibration/{session_id}/calls/{left[0]}" if left else f"/calibration/{session_id}"
        )
        return RedirectResponse(target, status_code=303)

    def _calibration(session_id: int, user: User, call_id: str | None = None) -> CalibrationSession:
        if user.role not in MAY_SEE_ALL:
            raise HTTPException(403, "calibration is for the QA team")
        found = get_session(store, session_id)
        if found is None or (call_id is not None and call_id not in found.call_ids):
            raise HTTPException(404, "no such calibration session or call in it")
        return found

    @app.get("/scorecards", response_class=HTMLResponse)
    def scorecard_versions(viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        if user.role not in MAY_SEE_ALL:
            raise HTTPException(403, "scorecards are for the QA team")
        return page("app_scorecards.html.j2", user=user, csrf=session.csrf, card=card,
                    versions=store.list_scorecards(), result=None, problem=None)  # fmt: skip

    @app.post("/scorecards/backtest", response_class=HTMLResponse)
    def scorecard_backtest(
        viewer: Viewer,
        definition: Annotated[str, Form(min_length=1, max_length=MAX_CARD_CHARS)],
        csrf: Csrf = "",
    ) -> HTMLResponse:
        """What a new scorecard version would do to the stored calls, before it is used."""
        user, session = viewer
        _check_csrf(session, csrf)
        if user.role not in MAY_SEE_ALL:
            raise HTTPException(403, "scorecards are for the QA team")
        result, problem = None, None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "proposed.yaml"
            path.write_text(definition, encoding="utf-8")
            try:
                proposed = load_scorecard(path)
            except ScorecardError as exc:
                problem = str(exc).replace(str(path), "the proposed scorecard")
            else:
                fitted = load_calibration(store.url)
                result = backtest(proposed, store.scored_calls(), fitted)
        return page("app_scorecards.html.j2", user=user, csrf=session.csrf, card=card,
                    versions=store.list_scorecards(), result=result, problem=problem,
                    definition=definition)  # fmt: skip

    @app.get("/audit", response_class=HTMLResponse)
    def audit_log(viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        if user.role != "admin":
            raise HTTPException(403, "the audit log is for admins")
        return page("app_audit.html.j2", user=user, csrf=session.csrf, entries=store.list_audit())

    return app


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
            since=_day(self.since), until=_day(self.until, next_day=True),
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


def _day(text: str | None, next_day: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise HTTPException(422, f"{text!r}: a date is YYYY-MM-DD") from None
    try:
        return day + timedelta(days=1) if next_day else day
    except OverflowError:
        raise HTTPException(422, f"{text!r}: a date before the year 9999") from None


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


def _labels(card: Scorecard) -> dict[str, str]:
    """Criterion id -> label, for the criteria reviewers answer (bonus ones aside)."""
    return {c.id: c.label for c in card.criteria() if not c.bonus}


def _check_csrf(session: Session, given: str | None) -> None:
    if not same_token(given, session.csrf):
        raise HTTPException(403, "the form is stale or not ours: reload the page and try again")


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


def _with_nav(html: str, user: User, session: Session) -> str:
    """A report page with the workspace's navigation bar at the top of its body."""
    nav = environment().get_template("app_nav.html.j2").render(user=user, csrf=session.csrf)
    return html.replace("<body>", "<body>\n" + nav, 1)
