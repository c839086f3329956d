"""A store's schema, created and upgraded by Alembic on SQLite and PostgreSQL alike.

Opening a store upgrades it to the newest revision, one process at a time (an advisory lock on
PostgreSQL, the database's write lock on SQLite), so workers started together do not race.
Stores made before migrations (by ``create_all``) are brought to the baseline and stamped.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from callqa.pipelines.schema import findings, metadata

SCRIPTS = Path(__file__).with_name("migrations")
BASELINE = "0001"
AFTER_BASELINE = {"work_claims"}  # tables a baseline store lacks; their migrations add them
SCHEMA_LOCK = 0x63616C6C  # the advisory lock key on PostgreSQL ("call")


def upgrade(engine: Engine) -> None:
    """Bring the store's schema to the newest revision (nothing to do when it is there)."""
    with engine.connect() as db:
        if revision(db) == head():
            return
    with engine.connect() as db:
        _lock(db)
        if revision(db) != head():  # another process may have done it while we waited
            tables = set(inspect(db).get_table_names())
            if "calls" in tables and "alembic_version" not in tables:
                _to_baseline(db, tables)
                command.stamp(_config(db), BASELINE)
            command.upgrade(_config(db), "head")
        db.commit()


def revision(db: Connection) -> str | None:
    """The store's schema revision (None for an empty or pre-migration store)."""
    return MigrationContext.configure(db).get_current_revision()


@cache
def head() -> str:
    head = ScriptDirectory.from_config(_config(None)).get_current_head()
    assert head is not None, f"no migrations in {SCRIPTS}"
    return head


def _config(db: Connection | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = db
    return config


def _lock(db: Connection) -> None:
    """Hold the schema lock until the connection's transaction ends."""
    if db.dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
    elif db.dialect.name == "sqlite":
        db.exec_driver_sql("BEGIN IMMEDIATE")  # waits for other writers (busy_timeout)


def _to_baseline(db: Connection, tables: set[str]) -> None:
    """A store made by ``create_all`` before migrations: the tables, columns and indexes the
    baseline has and an older callqa did not make yet."""
    missing = [t for t in metadata.sorted_tables if t.name not in tables | AFTER_BASELINE]
    metadata.create_all(db, tables=missing)
    for index in findings.indexes:
        index.create(db, checkfirst=True)
    present = {c["name"] for c in inspect(db).get_columns("quarantine")}
    for column, default in (("kind", "input"), ("pipeline_version", "")):
        if column not in present:
            db.execute(
                text(f"ALTER TABLE quarantine ADD COLUMN {column} VARCHAR "
                     f"NOT NULL DEFAULT '{default}'")
            )  # fmt: skip
