"""The workspace's team work: the review queue and its claims, calibration sessions, coaching
plans with their notes, scorecards and their backtests, and the audit log."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import (
    HTMLResponse,
    RedirectResponse,
    Response,
)

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
from callqa.pipelines.queue_claims import claim, holders, release
from callqa.pipelines.records import CallFilter, User
from callqa.pipelines.reports import (
    coaching_page,
)
from callqa.pipelines.review import review_day
from callqa.pipelines.similar import open_synced_index, peer_cases
from callqa.pipelines.web.auth import (
    MAY_COACH,
    MAY_REVIEW,
    MAY_SEE_ALL,
)
from callqa.pipelines.web.common import (
    ANSWERS,
    Csrf,
    Viewer,
    Workspace,
    check_csrf,
    form_poster,
    labels,
    parse_day,
    with_nav,
)
from callqa.pipelines.workspace import load_calibration
from callqa.qa_rules.coaching import coaching_plan
from callqa.qa_rules.scorecard import ScorecardError, load_scorecard

MAX_CARD_CHARS = 200_000


def add_team_routes(app: FastAPI, ws: Workspace) -> None:
    """The review queue, claims, calibration, coaching, scorecards and the audit log."""
    store, card, rules = ws.store, ws.card, ws.rules
    page, visible, env, sample_rate = ws.page, ws.visible, ws.env, ws.sample_rate

    @app.get("/queue", response_class=HTMLResponse)
    def queue(viewer: Viewer, since: str | None = None) -> HTMLResponse:
        user, session = viewer
        if user.role not in MAY_SEE_ALL:
            raise HTTPException(403, "the review queue is for reviewers")
        day = review_day(store.scored_calls(parse_day(since)), rules, sample_rate)
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
        user = form_poster(viewer, csrf, MAY_REVIEW, "reviewers claim calls")
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

    @app.get("/agents/{agent_id}.html", response_class=HTMLResponse)
    def coaching(agent_id: str, viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        if not visible(user, agent_id):
            raise HTTPException(404, f"no agent {agent_id!r}")
        calls = store.scored_calls()
        try:
            plan = coaching_plan(agent_id, calls, card)
        except KeyError:
            raise HTTPException(404, f"no scored calls of agent {agent_id!r}") from None
        index = open_synced_index(store)
        peers = peer_cases(store, index, agent_id) if index else []
        notes = env.get_template("app_coach_notes.html.j2").render(
            checks=[follow_up(n, calls) for n in notes_of(store, agent_id)],
            may_note=user.role in MAY_COACH,
            csrf=session.csrf,
            agent_id=agent_id,
            default_follow_up=plan.follow_up,
        )
        html = coaching_page(plan, peers).replace("</body>", notes + "\n</body>", 1)
        return HTMLResponse(with_nav(html, user, session))

    @app.post("/agents/{agent_id}/notes")
    def coaching_note(
        agent_id: str,
        viewer: Viewer,
        note: Annotated[str, Form(min_length=1, max_length=2000)],
        follow_up_on: Annotated[date, Form(alias="follow_up")],
        csrf: Csrf = "",
    ) -> Response:
        user = form_poster(viewer, csrf, MAY_COACH, "coaches and admins write coaching notes")
        if not store.list_calls(CallFilter(agent_id=agent_id, limit=1)):
            raise HTTPException(404, f"no agent {agent_id!r}")
        if not note.strip():
            raise HTTPException(422, "a note needs words")
        add_note(store, agent_id, user.name, note.strip(), follow_up_on)
        return RedirectResponse(f"/agents/{agent_id}.html#notes", status_code=303)

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
        user = form_poster(viewer, csrf, ("admin",), "a lead (admin) starts calibration sessions")
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
                    mine=mine, results=results, labels=labels(card))  # fmt: skip

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
                    session=found, call=stored, own=own, labels=labels(card))  # fmt: skip

    @app.post("/calibration/{session_id}/calls/{call_id}")
    async def calibration_answer(
        session_id: int, call_id: str, request: Request, viewer: Viewer
    ) -> Response:
        user, session = viewer
        form = await request.form()
        check_csrf(session, str(form.get("csrf", "")))
        if user.role != "reviewer":  # a lead sees every answer: theirs would not be blind
            raise HTTPException(403, "reviewers answer calibration calls")
        found = _calibration(session_id, user, call_id)
        before = {a.call_id for a in session_answers(store, session_id) if a.reviewer == user.name}
        if set(found.call_ids) <= before:
            raise HTTPException(409, "your answers are in and the results shown: they stay")
        given = {c: str(form.get(c)) for c in labels(card) if form.get(c) in ANSWERS}
        missing = [label for c, label in labels(card).items() if c not in given]
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
        user = form_poster(viewer, csrf, MAY_SEE_ALL, "scorecards are for the QA team")
        session = viewer[1]
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
                result = backtest(proposed, store.scored_calls(), rules, fitted)
        return page("app_scorecards.html.j2", user=user, csrf=session.csrf, card=card,
                    versions=store.list_scorecards(), result=result, problem=problem,
                    definition=definition)  # fmt: skip

    @app.get("/audit", response_class=HTMLResponse)
    def audit_log(viewer: Viewer) -> HTMLResponse:
        user, session = viewer
        if user.role != "admin":
            raise HTTPException(403, "the audit log is for admins")
        return page("app_audit.html.j2", user=user, csrf=session.csrf, entries=store.list_audit())
