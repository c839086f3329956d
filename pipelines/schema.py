"""The store's schema: every table callqa keeps, in one place.

:mod:`callqa.pipelines.store` reads and writes them; the Alembic migrations beside this module
(``migrations/``) create and change them on SQLite and PostgreSQL alike.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

calls = Table(
    "calls",
    metadata,
    Column("call_id", String, primary_key=True),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("pipeline_version", String, nullable=False),
    Column("path", Text, nullable=False),
    Column("source_format", String, nullable=False),
    Column("agent_id", String, index=True),
    Column("team", String, index=True),
    Column("queue", String),
    Column("customer_id", String, index=True),
    Column("direction", String),
    Column("started_at", DateTime(timezone=True), index=True),
    Column("duration_s", Float),
    Column("turns", Integer, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("run_id", String, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

transcripts = Table(
    "transcripts",
    metadata,
    Column("call_id", String, primary_key=True),
    Column("transcript", Text, nullable=False),
)

metrics = Table(
    "metrics",
    metadata,
    Column("call_id", String, primary_key=True),
    Column("name", String, primary_key=True),
    Column("value", Float, nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String, nullable=False, index=True),
    Column("key", String(12), nullable=False),
    Column("detector", String, nullable=False),
    Column("behaviour", String, nullable=False, index=True),
    Column("label", String, nullable=False),
    Column("polarity", String, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("turn", Integer, nullable=False),
    Column("start_s", Float),
    Column("quote", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("finding", Text, nullable=False),
    Index("ix_findings_call_label", "call_id", "label"),  # "the calls with this outcome"
)

scores = Table(
    "scores",
    metadata,
    Column("call_id", String, primary_key=True),
    Column("scorecard_id", String, nullable=False),
    Column("scorecard_version", String, nullable=False),
    Column("total", Float),
    Column("auto_failed", Boolean, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("score", Text, nullable=False),
)

emotion_tracks = Table(
    "emotion_tracks",
    metadata,
    Column("call_id", String, primary_key=True),
    Column("track", JSON, nullable=False),  # per customer sentence: turn, start, negative, positive
)

scorecards = Table(
    "scorecards",
    metadata,
    Column("scorecard_id", String, primary_key=True),
    Column("version", String, primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("definition", JSON, nullable=False),
    Column("first_used", DateTime(timezone=True), nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String, nullable=False, index=True),
    Column("criterion_id", String, nullable=False),
    Column("system_answer", String, nullable=False),
    Column("answer", String, nullable=False),
    Column("comment", Text, nullable=False),
    Column("reviewer", String, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=True),  # the index's id
    Column("call_id", String, nullable=False, unique=True),
    Column("outcome", String),
    Column("issue", JSON, nullable=False),  # evidence: the customer's problem statement
    Column("resolution", JSON, nullable=False),  # evidence: how the agent solved it
    Column("vector", LargeBinary, nullable=False),  # float32, unit length
    sqlite_autoincrement=True,  # never reuse an id: a stale index entry must not match a new case
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("source", Text, nullable=False),
    Column("pipeline_version", String, nullable=False),
    Column("status", String, nullable=False),
    Column("summary", JSON),
    # Renewed while the run works; a "running" run past it was killed (its claims lapse too).
    Column("alive_until", DateTime(timezone=True)),
    Column("worker", String),  # host:pid, so a run on this machine whose process died is seen
)

work_claims = Table(
    "work_claims",
    metadata,
    # A call a worker is processing now. Workers on one store take disjoint calls; a claim past
    # its lease (the worker died) may be taken by another. Removed when the call is stored.
    Column("content_hash", String(64), primary_key=True),
    Column("pipeline_version", String, primary_key=True),
    Column("call_id", String, nullable=False),
    Column("run_id", String, nullable=False, index=True),
    Column("lease_until", DateTime(timezone=True), nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String, nullable=False, index=True),
    Column("path", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("stage", String, nullable=False),
    Column("reason", Text, nullable=False),
    Column("run_id", String, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    # "input": the file is bad and stays quarantined until it changes; "internal": our failure,
    # retried by the next pipeline version.
    Column("kind", String, nullable=False, server_default="input"),
    Column("pipeline_version", String, nullable=False, server_default=""),
    UniqueConstraint("path", "content_hash", name="one_entry_per_file_version"),
)

users = Table(
    "users",
    metadata,
    Column("name", String, primary_key=True),
    Column("role", String, nullable=False),
    Column("agent_id", String),
    Column("password_hash", Text, nullable=False),  # argon2id, never the password
    # In every session cookie; a new one (sign-out, new password) ends the sessions before it.
    Column("session_key", String, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String, nullable=False),
    Column("action", String, nullable=False),
    Column("target", String, nullable=False),
    Column("detail", Text, nullable=False),
)

# The review workspace: calibration sessions, queue claims, coaching notes.
calibration_sessions = Table(
    "calibration_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False),
    Column("created_by", String, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

calibration_calls = Table(
    "calibration_calls",
    metadata,
    Column("session_id", Integer, primary_key=True),
    Column("call_id", String, primary_key=True),
)

calibration_answers = Table(
    "calibration_answers",
    metadata,
    Column("session_id", Integer, primary_key=True),
    Column("call_id", String, primary_key=True),
    Column("criterion_id", String, primary_key=True),
    Column("reviewer", String, primary_key=True),
    Column("answer", String, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

queue_claims = Table(
    "queue_claims",
    metadata,
    Column("call_id", String, primary_key=True),
    Column("reviewer", String, nullable=False),
    Column("by", String, nullable=False),  # who claimed or assigned it
    Column("at", DateTime(timezone=True), nullable=False),
)

coaching_notes = Table(
    "coaching_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agent_id", String, nullable=False, index=True),
    Column("coach", String, nullable=False),
    Column("note", Text, nullable=False),
    Column("follow_up", Date, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

tombstones = Table(
    "tombstones",
    metadata,
    # An erased call: its content hash and id, nothing else, so it is never ingested again.
    Column("content_hash", String(64), primary_key=True),
    Column("call_id", String, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
