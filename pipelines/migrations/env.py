"""Alembic's entry point for callqa's store: upgrades the connection callqa hands it.

callqa runs this itself when it opens a store (:func:`callqa.pipelines.migrate.upgrade`). To write
a new migration after changing :mod:`callqa.pipelines.schema`::

    alembic -c pipelines/migrations/alembic.ini -x db=sqlite:///scratch.db revision \\
        --autogenerate -m "what changed"
"""

from alembic import context
from sqlalchemy import Connection, create_engine

from callqa.pipelines.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def run(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; Alembic copies the table instead.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:  # the alembic command line, for writing migrations
    url = context.get_x_argument(as_dictionary=True).get("db", "sqlite:///callqa.db")
    with create_engine(url).connect() as own:
        run(own)
