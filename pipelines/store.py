"""The results store: calls, transcripts, metrics, findings, scores, reviews, runs, quarantine.

SQLAlchemy Core over SQLite by default (``callqa.db``); any SQLAlchemy URL works, so a server
database can replace it. A call is stored once per (content hash, pipeline version); each call is
written in its own transaction, so a run killed halfway keeps every call it finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import tempfile
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sqlalchemy import (
    Select,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, RowMapping, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

from callqa.models.transcript import Transcript
from callqa.pipelines import migrate
from callqa.pipelines.records import (
    AuditEntry,
    CallFilter,
    CallResult,
    CallRow,
    ListedCall,
    Quarantined,
    QuarantineEntry,
    Review,
    RunSummary,
    StoredCall,
    StoredCase,
    StoredRun,
    User,
)
from callqa.pipelines.schema import (
    audit,
    calibration_answers,
    calibration_calls,
    calls,
    cases,
    emotion_tracks,
    findings,
    metrics,
    quarantine,
    queue_claims,
    reviews,
    runs,
    scorecards,
    scores,
    tombstones,
    transcripts,
    users,
    work_claims,
)
from callqa.qa_rules.analysis import EmotionPoint
from callqa.qa_rules.cases import Case
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.precision import unproven
from callqa.qa_rules.scorecard import Scorecard
from callqa.qa_rules.scores import InteractionScore, ScoredCall


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for a server or in-memory database)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def without_password(url: str) -> tuple[str, str | None]:
    """A server URL without its password, and the password (None when it has none); pass the
    password to workers as ``PGPASSWORD`` (or a ``.pgpass`` file), never in parameters that
    Prefect keeps or logs that people read."""
    if "://" not in url or sqlite_path(url) is not None:
        return url, None
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url, None
    if parsed.password is None:
        return url, None
    plain = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                       parsed.database, parsed.query)  # fmt: skip
    return plain.render_as_string(hide_password=False), str(parsed.password)


def db_url(db: str | Path) -> str:
    """A SQLAlchemy URL: given as is when it has a scheme (a plain PostgreSQL one gets the
    psycopg driver callqa ships with), else a SQLite file path."""
    text = str(db)
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            return "postgresql+psycopg://" + text.removeprefix(plain)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser().resolve()}"


class StoreError(Exception):
    """The store cannot be opened or used; the message says what to do."""


class Store:
    """Reads and writes callqa results. Creates tables on first use, unless ``create`` is False
    (read-only commands never create an empty database)."""

    def __init__(self, url: str, create: bool = True) -> None:
        self.url = url
        path = sqlite_path(url)
        if path is not None and not create and not path.exists():
            raise StoreError(f"no store at {path}: run `callqa run FOLDER --db {path}` first")
        if path is not None and not path.parent.is_dir():
            raise StoreError(f"{path.parent}: no such folder for the store")
        try:
            self.engine: Engine = create_engine(url)
        except (ArgumentError, ImportError, ValueError) as exc:  # malformed, or no driver
            raise _not_a_url(url, exc) from None
        if path is not None:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            migrate.upgrade(self.engine)
        except DatabaseError as exc:
            raise StoreError(_database_problem(url, exc)) from None
        except ValueError as exc:  # a URL the driver cannot read ("port notaport")
            raise _not_a_url(url, exc) from None

    # --- writing -------------------------------------------------------------------------

    def start_run(
        self, run_id: str, source: str, pipeline_version: str, alive_s: float = 60.0
    ) -> None:
        """Record a new run, alive for ``alive_s`` unless renewed, after marking dead runs
        interrupted (:meth:`interrupt_dead_runs`)."""
        self.interrupt_dead_runs()
        now = self.clock()
        with self.engine.begin() as db:
            other = db.execute(
                select(runs.c.pipeline_version).where(
                    (runs.c.status == "running") & (runs.c.pipeline_version != pipeline_version)
                )
            ).first()
            if other is not None:
                raise StoreError(
                    f"a run of another pipeline version ({other[0]}) is working on this store; "
                    "runs on one store at once must share their settings and callqa version"
                )
            db.execute(
                insert(runs).values(
                    run_id=run_id,
                    started_at=now,
                    source=source,
                    pipeline_version=pipeline_version,
                    status="running",
                    alive_until=now + timedelta(seconds=alive_s),
                    worker=worker(),
                )
            )

    def interrupt_dead_runs(self) -> list[str]:
        """Runs marked running that are dead: past their time, or on this machine with their
        process gone. They are marked interrupted (their finished calls are kept) and their
        claims given up for other runs to take. Returns their ids."""
        now, here = self.clock(), worker().rsplit(":", 1)[0]
        with self.engine.begin() as db:
            running = db.execute(
                select(runs.c.run_id, runs.c.alive_until, runs.c.worker).where(
                    runs.c.status == "running"
                )
            ).all()
            dead = [
                run_id
                for run_id, alive_until, where in running
                if alive_until is None
                or _aware(alive_until) < now
                or (where or "").rsplit(":", 1)[0] == here
                and not _process_alive(where)
            ]
            if dead:
                db.execute(
                    runs.update()
                    .where(runs.c.run_id.in_(dead))
                    .values(finished_at=now, status="interrupted")
                )
                theirs = work_claims.c.run_id.in_(dead)
                held = select(work_claims.c.content_hash).where(theirs)
                db.execute(held.order_by(work_claims.c.content_hash).with_for_update()).all()
                db.execute(delete(work_claims).where(theirs))  # locked in claims' order
        return dead

    def clock(self) -> datetime:
        """Now, by the database's clock on a server (workers on several machines agree on
        leases however their own clocks drift), by this machine's for SQLite."""
        if self.engine.dialect.name != "postgresql":
            return _now()
        with self.engine.connect() as db:
            return _aware(db.execute(select(func.now())).scalar_one())

    def complete_run(self, summary: RunSummary) -> None:
        self._finish_run(summary.run_id, "completed", summary.model_dump(mode="json"))

    def fail_run(self, run_id: str, error: str) -> None:
        self._finish_run(run_id, "failed", {"error": error})

    def _finish_run(self, run_id: str, status: str, summary: dict[str, str]) -> None:
        with self.engine.begin() as db:
            db.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(finished_at=_now(), status=status, summary=summary)
            )

    def save_call(self, result: CallResult, run_id: str) -> bool:
        """Store one call's results, replacing any older version of the same call. False (and
        nothing stored) when another worker holds the call now or has stored it meanwhile:
        this run's claim lapsed while it worked (a stall longer than the lease)."""
        md = result.metadata
        with self.engine.begin() as db:
            if not _still_ours(db, result.call_id, result.content_hash, result.pipeline_version,
                               run_id):  # fmt: skip
                return False
            _delete_call(db, result.call_id)
            db.execute(
                insert(calls).values(
                    call_id=result.call_id,
                    content_hash=result.content_hash,
                    pipeline_version=result.pipeline_version,
                    path=result.path,
                    source_format=result.transcript.source,
                    agent_id=md.agent_id,
                    team=md.team,
                    queue=md.queue,
                    customer_id=md.customer_id,
                    direction=md.direction,
                    started_at=md.started_at,
                    duration_s=result.metrics.duration_s,
                    turns=len(result.transcript.turns),
                    metadata=md.model_dump(mode="json"),
                    run_id=run_id,
                    processed_at=_now(),
                )
            )
            db.execute(
                insert(transcripts).values(
                    call_id=result.call_id, transcript=result.transcript.to_json()
                )
            )
            values = [
                {"call_id": result.call_id, "name": name, "value": float(value)}
                for name, value in result.metrics.model_dump().items()
                if value is not None
            ]
            if values:
                db.execute(insert(metrics), values)
            rows = [_finding_row(result.call_id, f) for f in result.findings]
            if rows:
                db.execute(insert(findings), rows)
            if result.score is not None:
                db.execute(insert(scores).values(**_score_row(result.score)))
            track = [p.model_dump(mode="json") for p in result.customer_emotion]
            db.execute(insert(emotion_tracks).values(call_id=result.call_id, track=track))
            if result.case is not None:
                db.execute(insert(cases).values(**_case_row(result.call_id, result.case)))
            db.execute(delete(quarantine).where(quarantine.c.call_id == result.call_id))
            _release_claim(db, result.content_hash)
        return True

    def save_quarantine(self, item: Quarantined, run_id: str) -> bool:
        """Quarantine a file version; False (nothing written) when another worker holds the
        call now (see :meth:`save_call`)."""
        with self.engine.begin() as db:
            if not _still_ours(db, item.call_id, item.content_hash, None, run_id):
                return False
            _release_claim(db, item.content_hash)
            db.execute(
                delete(quarantine).where(
                    (quarantine.c.path == item.path)
                    & (quarantine.c.content_hash == item.content_hash)
                )
            )
            db.execute(
                insert(quarantine).values(
                    call_id=item.call_id,
                    path=item.path,
                    content_hash=item.content_hash,
                    stage=item.stage,
                    reason=item.reason,
                    run_id=run_id,
                    at=_now(),
                    kind=item.kind,
                    pipeline_version=item.pipeline_version,
                )
            )
        return True

    def forget(self, call_ids: Iterable[str], actor: str = "callqa") -> list[str]:
        """Erase stored calls: their rows in every table (results, case, reviews, calibration
        answers, queue and work claims, quarantine, the words of audit entries about it),
        leaving a tombstone (content hash and id) so the call is not ingested again, and an audit
        entry naming ``actor``. Returns the ids that were stored; unknown ids are left alone."""
        erased = []
        with self.engine.begin() as db:
            for call_id in call_ids:
                known = db.execute(
                    select(calls.c.content_hash).where(calls.c.call_id == call_id)
                ).scalar_one_or_none()
                db.execute(delete(quarantine).where(quarantine.c.call_id == call_id))
                if known is None:
                    continue
                erased.append(call_id)
                db.execute(delete(tombstones).where(tombstones.c.content_hash == known))
                db.execute(
                    insert(tombstones).values(content_hash=known, call_id=call_id, at=_now())
                )
                _delete_call(db, call_id)
                for table in (reviews, calibration_answers, calibration_calls, queue_claims,
                              work_claims):  # fmt: skip
                    db.execute(delete(table).where(table.c.call_id == call_id))
                said_of_it = (audit.c.target == call_id) | audit.c.target.startswith(
                    f"{call_id}/", autoescape=True
                )  # a reviewer's comment may quote the call: who did what stays, not the words
                db.execute(audit.update().where(said_of_it).values(detail=""))
                _audit(db, actor, "erase", call_id)
        if erased and sqlite_path(self.url) is not None:
            with self.engine.connect() as db:  # the erased pages leave the write-ahead log now
                db.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return erased

    def purge_text(self, before: datetime) -> list[str]:
        """Retention: for calls that started (or, undated, were processed) before ``before``,
        drop the transcript, the quotes in their findings and in their score's evidence, and
        their case; scores, metrics and findings stay. Returns the ids purged now."""
        when = func.coalesce(calls.c.started_at, calls.c.processed_at)
        with self.engine.begin() as db:
            ids = list(
                db.execute(
                    select(calls.c.call_id)
                    .join(transcripts, transcripts.c.call_id == calls.c.call_id)
                    .where(when < before)
                ).scalars()
            )
            for call_id in ids:
                rows = db.execute(
                    select(findings.c.id, findings.c.finding).where(findings.c.call_id == call_id)
                )
                for row_id, body in list(rows):
                    unquoted = _without_quotes(Finding.from_json(body))
                    db.execute(
                        findings.update()
                        .where(findings.c.id == row_id)
                        .values(quote="", finding=unquoted.to_json())
                    )
                body = db.execute(
                    select(scores.c.score).where(scores.c.call_id == call_id)
                ).scalar_one_or_none()
                if body is not None:
                    plain = _score_without_quotes(InteractionScore.from_json(body))
                    db.execute(
                        scores.update()
                        .where(scores.c.call_id == call_id)
                        .values(score=plain.to_json())
                    )
                for table in (transcripts, cases):
                    db.execute(delete(table).where(table.c.call_id == call_id))
        return ids

    # --- reading -------------------------------------------------------------------------

    def processed_hashes(self, pipeline_version: str) -> set[str]:
        """Content hashes already stored by this pipeline version."""
        with self.engine.connect() as db:
            return set(db.execute(_stored_by(pipeline_version)).scalars())

    def quarantined_hashes(self, pipeline_version: str) -> set[str]:
        """Content hashes not to retry: bad input, and our own failures under this version
        (a new version retries those)."""
        with self.engine.connect() as db:
            return {h for h in db.execute(_not_to_retry(pipeline_version)).scalars() if h}

    def finished_hashes(self, pipeline_version: str, among: Collection[str]) -> set[str]:
        """Of the content hashes ``among``, those stored by this version or not to retry (by
        this run or by another worker on the store)."""
        wanted, done = sorted(among), set[str]()
        with self.engine.connect() as db:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                for query, column in (
                    (_stored_by(pipeline_version), calls.c.content_hash),
                    (_not_to_retry(pipeline_version), quarantine.c.content_hash),
                ):
                    done.update(db.execute(query.where(column.in_(chunk))).scalars())
        return done

    def erased(self) -> tuple[set[str], set[str]]:
        """Content hashes and call ids of erased calls (tombstones)."""
        with self.engine.connect() as db:
            rows = db.execute(select(tombstones.c.content_hash, tombstones.c.call_id)).all()
        return {r[0] for r in rows}, {r[1] for r in rows}

    def check_writable(self) -> None:
        """StoreError, in one line, when a SQLite store or its folder cannot be written."""
        path = sqlite_path(self.url)
        if path is None:
            return
        try:
            if path.exists():
                os.close(os.open(path, os.O_RDWR))
            with tempfile.TemporaryFile(dir=path.parent):
                pass  # SQLite writes its journal beside the file
        except OSError as exc:
            where = path if path.exists() and not os.access(path, os.W_OK) else path.parent
            message = f"{where}: read-only ({exc.strerror}); the store cannot be written"
            raise StoreError(message) from None

    def stored_hash(self, call_id: str) -> str | None:
        with self.engine.connect() as db:
            return db.execute(
                select(calls.c.content_hash).where(calls.c.call_id == call_id)
            ).scalar_one_or_none()

    def list_calls(self, where: CallFilter | None = None) -> list[ListedCall]:
        """Stored calls (newest first unless ``where`` sorts otherwise) with their score and
        the negative findings that count."""
        where = where or CallFilter()
        query = _filtered(
            select(calls, scores.c.total, scores.c.auto_failed).outerjoin(
                scores, scores.c.call_id == calls.c.call_id
            ),
            where,
        )
        column = scores.c.total if where.sort == "total" else calls.c[where.sort]
        query = query.order_by(
            column.desc().nulls_last() if where.descending else column.asc().nulls_last(),
            calls.c.call_id,
        ).offset(where.offset)
        if where.limit is not None:
            query = query.limit(where.limit)
        with self.engine.connect() as db:
            rows = db.execute(query).all()
            counts = _negative_counts(db, [r.call_id for r in rows])
        return [ListedCall(**r._mapping, negative_findings=counts.get(r.call_id, 0)) for r in rows]

    def version(self) -> tuple[int, Any]:
        """Changes whenever calls are stored or erased: (how many, the latest processed)."""
        with self.engine.connect() as db:
            n, latest = db.execute(select(func.count(), func.max(calls.c.processed_at))).one()
        return int(n), latest

    def count_calls(self, where: CallFilter | None = None) -> int:
        """How many stored calls ``where`` selects (paging and sorting aside)."""
        query = _filtered(
            select(func.count())
            .select_from(calls)
            .outerjoin(scores, scores.c.call_id == calls.c.call_id),
            where or CallFilter(),
        )
        with self.engine.connect() as db:
            return int(db.execute(query).scalar_one())

    def daily_scores(
        self, where: CallFilter | None = None, by: Literal["team", "agent_id"] = "team"
    ) -> list[tuple[str, date, float, int]]:
        """(team or agent, day, sum of totals, calls) of the scored, dated calls ``where``
        selects, summed in the database: what a trend chart needs and no more."""
        day = func.date(calls.c.started_at).label("day")
        line = calls.c[by].label("line")
        query = _filtered(
            select(line, day, func.sum(scores.c.total), func.count())
            .select_from(calls)
            .join(scores, scores.c.call_id == calls.c.call_id),
            (where or CallFilter()).model_copy(update={"limit": None, "offset": 0}),
        ).where(scores.c.total.is_not(None), calls.c.started_at.is_not(None))
        with self.engine.connect() as db:
            rows = db.execute(query.group_by(line, day)).all()
        return [(name or "-", _day(d), float(total), int(n)) for name, d, total, n in rows]

    def save_user(self, user: User, password_hash: str, actor: str) -> None:
        """Add an account, or replace its role and password (ending its sessions)."""
        with self.engine.begin() as db:
            db.execute(delete(users).where(users.c.name == user.name))
            db.execute(insert(users).values(
                **user.model_dump(), password_hash=password_hash, session_key=_new_key(),
            ))  # fmt: skip
            _audit(db, actor, "user_add", user.name, user.role)

    def end_sessions(self, name: str) -> None:
        """Sign the account out everywhere: its session cookies stop working."""
        with self.engine.begin() as db:
            db.execute(users.update().where(users.c.name == name).values(session_key=_new_key()))

    def remove_user(self, name: str, actor: str) -> bool:
        with self.engine.begin() as db:
            gone = db.execute(delete(users).where(users.c.name == name)).rowcount > 0
            if gone:
                _audit(db, actor, "user_remove", name)
        return gone

    def user(self, name: str) -> tuple[User, str, str] | None:
        """The account called ``name`` with its password hash and session key, or None."""
        with self.engine.connect() as db:
            row = db.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            return None
        fields = {k: v for k, v in row._mapping.items() if k not in SECRETS}
        return User(**fields), row.password_hash, row.session_key

    def list_users(self) -> list[User]:
        with self.engine.connect() as db:
            rows = db.execute(select(users).order_by(users.c.name))
            return [User(**{k: v for k, v in r._mapping.items() if k not in SECRETS})
                    for r in rows]  # fmt: skip

    def list_audit(self, limit: int = 200) -> list[AuditEntry]:
        """The latest audit entries, newest first."""
        with self.engine.connect() as db:
            rows = db.execute(select(audit).order_by(audit.c.id.desc()).limit(limit))
            return [AuditEntry(**{k: v for k, v in r._mapping.items() if k != "id"}) for r in rows]

    def get_call(self, call_id: str) -> StoredCall | None:
        """One call: its row, transcript, metrics, findings, score and reviews; None if not
        stored."""
        with self.engine.connect() as db:
            row = db.execute(select(calls).where(calls.c.call_id == call_id)).first()
            if row is None:
                return None
            text = db.execute(
                select(transcripts.c.transcript).where(transcripts.c.call_id == call_id)
            ).scalar_one_or_none()
            metric_rows = db.execute(select(metrics).where(metrics.c.call_id == call_id))
            finding_rows = db.execute(
                select(findings.c.finding)
                .where(findings.c.call_id == call_id)
                .order_by(findings.c.start_s, findings.c.turn)
            )
            score = db.execute(
                select(scores.c.score).where(scores.c.call_id == call_id)
            ).scalar_one_or_none()
            track = db.execute(
                select(emotion_tracks.c.track).where(emotion_tracks.c.call_id == call_id)
            ).scalar_one_or_none()
            return StoredCall(
                row=CallRow(**row._mapping),
                transcript=Transcript.from_json(text) if text else _purged(call_id),
                metrics={r.name: r.value for r in metric_rows},
                findings=tuple(Finding.from_json(r[0]) for r in finding_rows),
                score=InteractionScore.from_json(score) if score else None,
                customer_emotion=tuple(EmotionPoint(**p) for p in track or []),
                reviews=tuple(self.list_reviews(call_id, db)),
            )

    def scored_calls(self, since: datetime | None = None) -> list[ScoredCall]:
        """Every stored call with its agent, team, start, findings, metrics and score."""
        query = select(
            calls.c.call_id, calls.c.agent_id, calls.c.team, calls.c.started_at, scores.c.score
        ).outerjoin(scores, scores.c.call_id == calls.c.call_id)
        if since is not None:
            query = query.where(calls.c.started_at >= since)
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(calls.c.call_id)).all()
            found: dict[str, list[Finding]] = {r.call_id: [] for r in rows}
            measured: dict[str, dict[str, float]] = {r.call_id: {} for r in rows}
            for call_id, name, value in db.execute(select(metrics)):
                if call_id in measured:
                    measured[call_id][name] = value
            for call_id, text in db.execute(
                select(findings.c.call_id, findings.c.finding).order_by(findings.c.id)
            ):
                if call_id in found:
                    found[call_id].append(Finding.from_json(text))
        return [
            ScoredCall(
                call_id=r.call_id,
                agent_id=r.agent_id,
                team=r.team,
                started_at=r.started_at,
                findings=tuple(found[r.call_id]),
                metrics=measured[r.call_id],
                score=InteractionScore.from_json(r.score) if r.score else None,
            )
            for r in rows
        ]

    def freeze_scorecard(self, card: Scorecard) -> None:
        """Record the scorecard version in use; a changed definition under a used version is an
        error, so stored results always mean what their version says."""
        definition = card.model_dump(mode="json")
        digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
        recorded = select(scorecards.c.digest).where(
            (scorecards.c.scorecard_id == card.id) & (scorecards.c.version == card.version)
        )
        try:
            with self.engine.begin() as db:
                used = db.execute(recorded).scalar_one_or_none()
                if used is None:
                    db.execute(insert(scorecards).values(
                        scorecard_id=card.id, version=card.version, digest=digest,
                        definition=definition, first_used=_now(),
                    ))  # fmt: skip
                    return
        except IntegrityError:  # another worker recorded it between our read and our write
            with self.engine.connect() as db:
                used = db.execute(recorded).scalar_one()
        if used != digest:
            raise ValueError(
                f"scorecard {card.id} v{card.version} changed since calls were scored with "
                "it; give the changed scorecard a new version"
            )

    def list_scorecards(self) -> list[tuple[str, str, datetime]]:
        """(id, version, first used) of every scorecard version calls were scored with."""
        query = select(scorecards.c.scorecard_id, scorecards.c.version, scorecards.c.first_used)
        with self.engine.connect() as db:
            return [tuple(r) for r in db.execute(query.order_by(scorecards.c.first_used.desc()))]

    def save_review(
        self,
        call_id: str,
        criterion_id: str,
        answer: str,
        comment: str,
        reviewer: str,
        actor: str | None = None,
    ) -> Review:
        """Record a reviewer's answer to one criterion of a stored, scored call.

        Raises KeyError when the call or criterion is unknown. Reviews are kept after the call
        is re-processed: they are the reviewer's word on that call. The audit log names
        ``actor`` (who recorded it, when not the reviewer's own account).
        """
        call = self.get_call(call_id)
        if call is None or call.score is None:
            raise KeyError(f"no scored call {call_id!r}")
        system = {str(a.criterion_id): str(a.answer) for a in call.score.criteria}
        if criterion_id not in system:
            raise KeyError(f"call {call_id!r} has no criterion {criterion_id!r}")
        review = Review(
            call_id=call_id, criterion_id=criterion_id, system_answer=system[criterion_id],
            answer=answer, comment=comment, reviewer=reviewer, at=_now(),
        )  # fmt: skip
        with self.engine.begin() as db:
            db.execute(insert(reviews).values(**review.model_dump()))
            change = f"{review.system_answer} -> {answer}" + (f": {comment}" if comment else "")
            if actor is not None:
                change += f" (recorded as {reviewer})"
            _audit(db, actor or reviewer, "override", f"{call_id}/{criterion_id}", change)
        return review

    def list_reviews(
        self, call_id: str | None = None, db: Connection | None = None
    ) -> list[Review]:
        """Reviews, oldest first (the latest per call and criterion is the one that counts)."""
        query = select(reviews).order_by(reviews.c.at, reviews.c.id)
        if call_id is not None:
            query = query.where(reviews.c.call_id == call_id)
        if db is None:
            with self.engine.connect() as db:
                return self.list_reviews(call_id, db)
        return [
            Review(**{k: v for k, v in r._mapping.items() if k != "id"}) for r in db.execute(query)
        ]

    def reviewed_calls(self, call_ids: Iterable[str]) -> set[str]:
        """Those of ``call_ids`` a reviewer has answered for."""
        with self.engine.connect() as db:
            query = select(reviews.c.call_id).where(reviews.c.call_id.in_(list(call_ids)))
            return {r[0] for r in db.execute(query.distinct())}

    def case_vectors(self, case_ids: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Case ids and their vectors (every case, or those in ``case_ids``), in id order."""
        query = select(cases.c.case_id, cases.c.vector).order_by(cases.c.case_id)
        if case_ids is not None:
            query = query.where(cases.c.case_id.in_([int(i) for i in case_ids]))
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = [np.frombuffer(r[1], dtype=np.float32) for r in rows]
        return ids, (np.stack(vectors) if vectors else np.zeros((0, 0), np.float32))

    def calls_of_customer(self, customer_id: str) -> list[str]:
        with self.engine.connect() as db:
            query = select(calls.c.call_id).where(calls.c.customer_id == customer_id)
            return [r[0] for r in db.execute(query)]

    def case_ids(self) -> set[int]:
        with self.engine.connect() as db:
            return {r[0] for r in db.execute(select(cases.c.case_id))}

    def cases_where(
        self, case_ids: Iterable[int] | None = None, agent_id: str | None = None
    ) -> dict[int, StoredCase]:
        """Cases by id, with their call's agent, team, queue, customer, start and QA score:
        those in ``case_ids`` or of ``agent_id``."""
        query = (
            select(
                cases.c.case_id,
                cases.c.call_id,
                cases.c.outcome,
                cases.c.issue,
                cases.c.resolution,
                calls.c.agent_id,
                calls.c.team,
                calls.c.queue,
                calls.c.customer_id,
                calls.c.started_at,
                scores.c.total,
                scores.c.auto_failed,
            )  # fmt: skip
            .join(calls, calls.c.call_id == cases.c.call_id)
            .outerjoin(scores, scores.c.call_id == cases.c.call_id)
        )
        if case_ids is not None:
            query = query.where(cases.c.case_id.in_([int(i) for i in case_ids]))
        if agent_id is not None:
            query = query.where(calls.c.agent_id == agent_id)
        with self.engine.connect() as db:
            return {r.case_id: StoredCase(**r._mapping) for r in db.execute(query)}

    def case_of_call(self, call_id: str) -> StoredCase | None:
        """The call's case, or None."""
        with self.engine.connect() as db:
            case_id = db.execute(
                select(cases.c.case_id).where(cases.c.call_id == call_id)
            ).scalar_one_or_none()
        return None if case_id is None else self.cases_where([case_id]).get(case_id)

    def list_quarantine(self) -> list[QuarantineEntry]:
        with self.engine.connect() as db:
            rows = db.execute(select(quarantine).order_by(quarantine.c.at.desc()))
            return [
                QuarantineEntry(**{k: v for k, v in r._mapping.items() if k != "id"}) for r in rows
            ]

    def list_runs(self, limit: int = 20) -> list[StoredRun]:
        """The latest runs, newest first."""
        with self.engine.connect() as db:
            rows = db.execute(select(runs).order_by(runs.c.started_at.desc()).limit(limit))
            return [_stored_run(r._mapping) for r in rows]


def _filtered(query: Select[Any], where: CallFilter) -> Select[Any]:
    """``query`` over calls (joined with scores) narrowed to what ``where`` selects."""
    for column, value in (
        (calls.c.agent_id, where.agent_id),
        (calls.c.team, where.team),
        (calls.c.queue, where.queue),
        (calls.c.run_id, where.run_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.call_ids is not None:
        query = query.where(calls.c.call_id.in_(sorted(where.call_ids)))
    if where.since is not None:
        query = query.where(calls.c.started_at >= where.since)
    if where.until is not None:
        query = query.where(calls.c.started_at < where.until)
    if where.min_total is not None:
        query = query.where(scores.c.total >= where.min_total)
    if where.max_total is not None:
        query = query.where(scores.c.total <= where.max_total)
    if where.outcome is not None:
        query = query.where(
            select(findings.c.id)
            .where((findings.c.call_id == calls.c.call_id) & (findings.c.label == where.outcome))
            .exists()
        )
    if where.reviewed is not None:
        reviewed = select(reviews.c.id).where(reviews.c.call_id == calls.c.call_id).exists()
        query = query.where(reviewed if where.reviewed else ~reviewed)
    return query


SECRETS = ("password_hash", "session_key")


def _new_key() -> str:
    return secrets.token_urlsafe(16)


def _day(value: date | str) -> date:
    """A day from the database: SQLite gives text, others a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _audit(db: Connection, actor: str, action: str, target: str, detail: str = "") -> None:
    db.execute(
        insert(audit).values(at=_now(), actor=actor, action=action, target=target, detail=detail)
    )


def _stored_run(row: RowMapping) -> StoredRun:
    saved = row["summary"] or {}
    done = row["status"] == "completed" and "run_id" in saved
    return StoredRun(
        **{k: v for k, v in row.items() if k not in ("summary", "alive_until", "worker")},
        summary=RunSummary.model_validate(saved) if done else None,
        error=saved.get("error"),
    )


def _purged(call_id: str) -> Transcript:
    """What stands for a transcript removed under the retention policy."""
    return Transcript(call_id=call_id, turns=(), source="purged", speaker_method="purged")


def _score_without_quotes(score: InteractionScore) -> InteractionScore:
    criteria = tuple(
        c.model_copy(
            update={"evidence": tuple(e.model_copy(update={"quote": ""}) for e in c.evidence)}
        )
        for c in score.criteria
    )
    return score.model_copy(update={"criteria": criteria})


def _without_quotes(finding: Finding) -> Finding:
    evidence = tuple(e.model_copy(update={"quote": ""}) for e in finding.evidence)
    return finding.model_copy(update={"evidence": evidence})


def worker() -> str:
    """This process as runs record it: host, PID namespace and pid, so that a run is judged
    dead by its pid only where that pid means the same process (containers sharing the host's
    name have their own PID namespaces)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        namespace = "0"
    return f"{socket.gethostname()}:{namespace}:{os.getpid()}"


def _still_ours(db: Connection, call_id: str, content_hash: str, version: str | None,
               run_id: str) -> bool:  # fmt: skip
    """Whether this run may store the call: its claim is this run's, or there is none and no
    other run stored these bytes (under ``version``) meanwhile. Starts with a write, so the
    transaction holds the write lock (SQLite) or the claim's row (PostgreSQL) from here on."""
    touch = (
        update(work_claims)
        .where((work_claims.c.content_hash == content_hash) & (work_claims.c.run_id == run_id))
        .values(lease_until=work_claims.c.lease_until)
    )
    if db.execute(touch).rowcount:
        return True
    held = select(work_claims.c.run_id).where(work_claims.c.content_hash == content_hash)
    if db.execute(held).first() is not None:
        return False  # another worker holds it now
    row = db.execute(
        select(calls.c.content_hash, calls.c.pipeline_version, calls.c.run_id).where(
            calls.c.call_id == call_id
        )
    ).first()
    return not (
        row is not None
        and row.content_hash == content_hash
        and row.pipeline_version == version
        and row.run_id != run_id
    )


def _process_alive(worker: str) -> bool:
    try:
        os.kill(int(worker.rsplit(":", 1)[1]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, IndexError):
        return True  # another user's process, or not ours to judge: trust its lease
    return True


def _aware(moment: datetime) -> datetime:
    """SQLite gives back datetimes without their zone; callqa writes UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stored_by(pipeline_version: str) -> Select[Any]:
    return select(calls.c.content_hash).where(calls.c.pipeline_version == pipeline_version)


def _not_to_retry(pipeline_version: str) -> Select[Any]:
    return select(quarantine.c.content_hash).where(
        (quarantine.c.kind == "input") | (quarantine.c.pipeline_version == pipeline_version)
    )


def _release_claim(db: Connection, content_hash: str) -> None:
    """A call is done (stored or quarantined): no worker needs to hold it any more."""
    db.execute(delete(work_claims).where(work_claims.c.content_hash == content_hash))


def _delete_call(db: Any, call_id: str) -> None:
    for table in (cases, emotion_tracks, scores, findings, metrics, transcripts, calls):
        db.execute(delete(table).where(table.c.call_id == call_id))


def _finding_row(call_id: str, f: Finding) -> dict[str, Any]:
    first = f.evidence[0]
    return {
        "call_id": call_id,
        "key": f.key,
        "detector": f.detector,
        "behaviour": f.behaviour,
        "label": f.label,
        "polarity": f.polarity,
        "confidence": f.confidence,
        "turn": first.turn,
        "start_s": first.start,
        "quote": first.quote,
        "why": f.why,
        "finding": f.to_json(),
    }


def _case_row(call_id: str, case: Case) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "outcome": case.outcome,
        "issue": [e.model_dump(mode="json") for e in case.issue],
        "resolution": [e.model_dump(mode="json") for e in case.resolution],
        "vector": case.as_array().tobytes(),
    }


def _score_row(score: InteractionScore) -> dict[str, Any]:
    return {
        "call_id": score.call_id,
        "scorecard_id": score.scorecard_id,
        "scorecard_version": score.scorecard_version,
        "total": score.total,
        "auto_failed": score.auto_failed,
        "flags": list(score.flags),
        "score": score.to_json(),
    }


def _negative_counts(db: Any, call_ids: Iterable[str]) -> dict[str, int]:
    """Negative findings per call that count (observations of unproven precision do not)."""
    query = (
        select(findings.c.call_id, findings.c.label, findings.c.detector, func.count())
        .where(findings.c.polarity == "negative", findings.c.call_id.in_(list(call_ids)))
        .group_by(findings.c.call_id, findings.c.label, findings.c.detector)
    )
    counts: dict[str, int] = {}
    for call_id, label, detector, n in db.execute(query):
        if not unproven(label, detector):
            counts[call_id] = counts.get(call_id, 0) + n
    return counts


def _database_problem(url: str, exc: DatabaseError) -> str:
    """One line: what is wrong with the database and what to do."""
    where = sqlite_path(url) or url.split("@")[-1]
    detail = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
    if "readonly" in detail or "read-only" in detail:
        return f"{where}: the store is read-only ({detail}); check the file's permissions"
    if "not a database" in detail or "malformed" in detail:
        return f"{where}: not a callqa store or damaged ({detail}); restore it from a backup"
    return f"{where}: cannot use the store ({detail})"


def _not_a_url(url: str, exc: Exception) -> StoreError:
    where = url.split("@")[-1]  # never the password
    return StoreError(f"{where}: not a database URL callqa can use ({exc})")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # erased words are overwritten, not left behind
    cursor.close()


def _now() -> datetime:
    return datetime.now(UTC)
