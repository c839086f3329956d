"""Accounts and sessions of the review workspace: argon2id password hashes kept in the store,
signed session cookies (HttpOnly, SameSite=Strict) that carry the user's name and a CSRF token,
and what each role may do."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from callqa.pipelines.paths import SAFE_ID
from callqa.pipelines.records import Role, User
from callqa.pipelines.store import Store

SESSION_COOKIE = "callqa_session"
SESSION_HOURS = 12
MIN_PASSWORD = 10  # characters
MAY_REVIEW: frozenset[Role] = frozenset({"admin", "reviewer"})
MAY_SEE_ALL: frozenset[Role] = frozenset({"admin", "reviewer", "coach"})
MAY_COACH: frozenset[Role] = frozenset({"admin", "coach"})

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AccountError(ValueError):
    """An account that cannot be made as asked (the message says why)."""


def add_user(
    store: Store, name: str, role: Role, password: str, actor: str, agent_id: str | None = None
) -> User:
    """Create or replace the account ``name``; an agent account must name its agent id."""
    if not SAFE_ID.fullmatch(name):
        raise AccountError(f"{name!r}: a user name is letters, digits, '.', '_' or '-'")
    if len(password.strip()) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters besides spaces")
    if (role == "agent") != (agent_id is not None):
        raise AccountError("--agent-id is given for, and only for, an agent account")
    if agent_id is not None and not SAFE_ID.fullmatch(agent_id):
        raise AccountError(f"{agent_id!r}: an agent id is letters, digits, '.', '_' or '-'")
    user = User(name=name, role=role, agent_id=agent_id, created_at=datetime.now(UTC))
    store.save_user(user, _hasher.hash(password), actor)
    return user


def check_password(store: Store, name: str, password: str) -> User | None:
    """The user, when ``password`` is theirs; None otherwise (also for unknown names, after the
    same work, so timing does not tell which names exist)."""
    found = store.user(name)
    stored = found[1] if found else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return found[0] if found else None


_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    key: str  # the account's session key when it was issued


class Sessions:
    """Signed, expiring session cookies; the secret signs them, so a server restarted with
    another secret logs everyone out."""

    def __init__(self, secret: str) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="callqa-session")

    def issue(self, user: str, key: str) -> str:
        return self._signer.dumps({"user": user, "csrf": secrets.token_urlsafe(24), "key": key})

    def read(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        return Session(user=str(data["user"]), csrf=str(data["csrf"]), key=str(data.get("key")))


class Throttle:
    """Sign-in attempts per account name: at most ``limit`` unsuccessful ones within
    ``window_s`` (in this process; enough for one server). An attempt counts from the moment
    it is let through, so attempts made at once cannot pass the limit together."""

    def __init__(self, limit: int = 5, window_s: float = 900.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._tried: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def attempt(self, name: str, now: float) -> bool:
        """Whether ``name`` may try a password now; if so, the try is counted."""
        with self._lock:
            recent = [t for t in self._tried.get(name, []) if now - t < self.window_s]
            if len(recent) >= self.limit:
                self._tried[name] = recent
                return False
            self._tried[name] = [*recent, now]
            return True

    def passed(self, name: str) -> None:
        """The password was right: the name's tries are forgotten."""
        with self._lock:
            self._tried.pop(name, None)


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given, expected)
