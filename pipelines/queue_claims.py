"""Who works on which flagged call: a reviewer claims a call of the review queue (or a lead
assigns it), so two reviewers never review the same call; a call is done once reviewed.

The claims live in the store's database (table ``queue_claims``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from callqa.pipelines.schema import queue_claims as claims
from callqa.pipelines.store import Store


def claim(store: Store, call_id: str, reviewer: str, by: str, replace: bool = False) -> str:
    """Give ``call_id`` to ``reviewer``; returns who holds it (another reviewer, when it was
    claimed already and ``replace`` is off: a lead's assignment replaces, a claim does not)."""
    row = {"call_id": call_id, "reviewer": reviewer, "by": by, "at": datetime.now(UTC)}
    try:
        with store.engine.begin() as db:
            if replace:
                db.execute(delete(claims).where(claims.c.call_id == call_id))
            db.execute(insert(claims).values(**row))  # one row per call: the first claim wins
    except IntegrityError:
        with store.engine.connect() as db:
            held = db.execute(select(claims.c.reviewer).where(claims.c.call_id == call_id))
            return str(held.scalar_one_or_none() or reviewer)
    return reviewer


def release(store: Store, call_id: str) -> None:
    with store.engine.begin() as db:
        db.execute(delete(claims).where(claims.c.call_id == call_id))


def holders(store: Store) -> dict[str, str]:
    """Call id -> the reviewer working on it."""
    with store.engine.connect() as db:
        return {r.call_id: r.reviewer for r in db.execute(select(claims))}
