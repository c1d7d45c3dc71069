"""Alembic environment for Flask-Migrate: `flask db upgrade` runs the revisions.

Two deploys may run `flask db upgrade` at once (two hosts, or a retry while the first is
still running): a lock held for the whole run makes the second wait, then find nothing to do.
"""

import contextlib
import fcntl
import logging
from logging.config import fileConfig
from pathlib import Path

import sqlalchemy as sa
from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
MIGRATION_LOCK_ID = 0x436F6E67  # any constant shared by every process of this app


@contextlib.contextmanager
def migration_lock(connection):
    """One migrating process at a time: a PostgreSQL advisory lock or a file lock for SQLite."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
    elif connection.dialect.name == "sqlite" and db.engine.url.database:
        with open(Path(db.engine.url.database).with_suffix(".migrate-lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    else:
        yield


def run_migrations_offline():
    """Print the SQL instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_revision(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_revision)
    with db.engine.connect() as connection, migration_lock(connection):
        context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
