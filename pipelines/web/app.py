"""The review workspace (``callqa serve``): server-rendered pages over the store, for a team on
one machine or a server. Pages are rendered by the same functions as the static reports and
read and write through the same store and records as the commands; nothing is computed twice.

Every page needs a signed-in account; every form carries the session's CSRF token; an agent
account sees only its own calls.
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from callqa.pipelines.store import Store
from callqa.pipelines.web.auth import (
    SESSION_COOKIE,
    SESSION_HOURS,
    Sessions,
    Throttle,
    check_password,
)
from callqa.pipelines.web.calls import add_call_routes
from callqa.pipelines.web.common import Csrf, SignIn, Viewer, Workspace, check_csrf
from callqa.pipelines.web.teamwork import add_team_routes
from callqa.pipelines.workspace import Folders
from callqa.qa_rules.flags import FlagRules
from callqa.qa_rules.scorecard import load_scorecard

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
}


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
    ws = Workspace(store, scorecard, card, rules, folders, sample_rate)
    page = ws.page
    throttle = Throttle()

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
        check_csrf(viewer[1], csrf)
        store.end_sessions(viewer[0].name)
        back = RedirectResponse("/login", status_code=303)
        back.delete_cookie(SESSION_COOKIE)
        return back

    add_call_routes(app, ws)
    add_team_routes(app, ws)
    return app
