"""Backups of the database that can be restored: `flask backup PATH`, `flask restore PATH`.

SQLite: the backup API gives a consistent copy while the portal keeps writing (copying the
file does not). PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`. The
search index is not backed up: it is rebuilt from the restored database.
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from portal.models import db


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why."""


def backup(path):
    """Write a copy of the whole database to `path`; returns what was written, in bytes."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already: give a new file name")
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _copy(_sqlite(url), sqlite3.connect(path))
    else:
        _run("pg_dump", "--format=custom", f"--file={path}", _libpq(url))
    return path.stat().st_size


def restore(path):
    """Load a backup into the configured database, which must hold no tables yet."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    tables = sa.inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables): restore into a new one"
        )
    url = db.engine.url
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _copy(sqlite3.connect(path), _sqlite(url))
    else:
        _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(url)}", str(path))


def _copy(source, target):
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _sqlite(url):
    if not url.database:
        raise BackupError("an in-memory database cannot be backed up")
    return sqlite3.connect(url.database)


def _libpq(url):
    """The URL as pg_dump and pg_restore take it (without SQLAlchemy's driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(program, *args):
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (Debian: apt install postgresql-client)")
    done = subprocess.run([program, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()[:500]}")
