"""What the workspace's pages share: the signed-in user, the form token, the workspace's
parts (store, scorecard, flag rules, folders, templates) and small helpers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from callqa.pipelines.records import User
from callqa.pipelines.reports import environment
from callqa.pipelines.store import Store
from callqa.pipelines.web.auth import (
    MAY_SEE_ALL,
    SESSION_COOKIE,
    Session,
    same_token,
)
from callqa.pipelines.workspace import Folders
from callqa.qa_rules.flags import FlagRules
from callqa.qa_rules.scorecard import Scorecard

PAGE_SIZE = 50
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


@dataclass
class Workspace:
    """What the routes work with: the store, the scorecard its calls were scored with (and
    where it came from), the flag rules, the folders beside the store, the sample rate."""

    store: Store
    scorecard: str
    card: Scorecard
    rules: FlagRules
    folders: Folders
    sample_rate: float
    env: Environment = field(default_factory=environment)

    def page(self, template: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(template).render(root="/", **context))

    def visible(self, user: User, agent_id: str | None) -> bool:
        """Whether ``user`` may see a call of ``agent_id``."""
        return user.role in MAY_SEE_ALL or (agent_id is not None and agent_id == user.agent_id)


def parse_day(text: str | None, next_day: bool = False) -> datetime | None:
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


def check_csrf(session: Session, given: str | None) -> None:
    if not same_token(given, session.csrf):
        raise HTTPException(403, "the form is stale or not ours: reload the page and try again")


def form_poster(
    viewer: tuple[User, Session], csrf: str | None, roles: Collection[str], refusal: str
) -> User:
    """Who posts a form: the form's token checked first, then the role (403 ``refusal``)."""
    user, session = viewer
    check_csrf(session, csrf)
    if user.role not in roles:
        raise HTTPException(403, refusal)
    return user


def labels(card: Scorecard) -> dict[str, str]:
    """Criterion id -> label, for the criteria reviewers answer (bonus ones aside)."""
    return {c.id: c.label for c in card.criteria() if not c.bonus}


def with_nav(html: str, user: User, session: Session) -> str:
    """A report page with the workspace's navigation bar at the top of its body."""
    nav = environment().get_template("app_nav.html.j2").render(user=user, csrf=session.csrf)
    return html.replace("<body>", "<body>\n" + nav, 1)
