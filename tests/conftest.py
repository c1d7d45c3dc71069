"""Fixtures: a fresh app and database per test, on SQLite and on PostgreSQL.

Every test that asks for `app` (or `client`, `db_session`, a factory) runs twice: once on
an SQLite file, once on the PostgreSQL database named by TEST_DATABASE_URL. Without that
variable the PostgreSQL runs are skipped, except in CI (CI=true) where that is a failure.
"""

import os
import shutil
from datetime import date

import flask_migrate
import pytest
import sqlalchemy as sa

from portal import create_app
from portal.indexing import sync
from portal.models import Agency, Announcement, AnnouncementStatus, Hotline, Level, db

DATABASES = ("sqlite", "postgresql")


def _settings(uri, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": uri,
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
    }


def migrate(uri, tmp_path):
    """Build the schema the way production does: `flask db upgrade`."""
    app = create_app(_settings(uri, tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def postgres_url():
    """The PostgreSQL test database, or a skip (a failure in CI) when there is none."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        message = "TEST_DATABASE_URL is not set: PostgreSQL runs skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file, copied for each test (much faster than migrating each)."""
    path = tmp_path_factory.mktemp("template") / "portal.db"
    migrate(f"sqlite:///{path}", path.parent)
    return path


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory):
    """The PostgreSQL test database, emptied and migrated once per session."""
    url = postgres_url()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    migrate(url, tmp_path_factory.mktemp("pg"))
    return url


def _database_uri(kind, request, tmp_path):
    if kind == "sqlite":
        path = tmp_path / "portal.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_database")


def _empty_postgres_tables():
    tables = [t.name for t in db.metadata.sorted_tables]
    if tables:
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    uri = _database_uri(request.param, request, tmp_path)
    app = create_app(_settings(uri, tmp_path))
    with app.app_context():
        yield app
        app.extensions["search_index"].close()
        db.session.remove()
        if request.param == "postgresql":
            _empty_postgres_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def index(app):
    """The app's search index, created empty in this test's own directory: commits now
    reach it. (tests/test_search_engine.py has its own: a bare engine index.)"""
    search_index = sync.get_index()
    search_index.create()
    return search_index


@pytest.fixture
def make_agency(app):
    """Factory: an agency with sensible defaults; pass what the test cares about."""
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        values.setdefault("slug", f"agency-{n}")
        values.setdefault("name_vi", f"Sở thử nghiệm {n}")
        values.setdefault("level", Level.PROVINCE)
        agency = Agency(**values)
        db.session.add(agency)
        db.session.commit()
        return agency

    return make


@pytest.fixture
def make_hotline(app, make_agency):
    def make(**values):
        if "agency" not in values:
            values["agency"] = make_agency()
        values.setdefault("purpose_vi", "Tiếp nhận phản ánh về thủ tục hành chính")
        values.setdefault("phone", "0290 3831 000")
        hotline = Hotline(**values)
        db.session.add(hotline)
        db.session.commit()
        return hotline

    return make


@pytest.fixture
def make_announcement(app):
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        values.setdefault("slug", f"thong-bao-{n}")
        values.setdefault("title_vi", f"Thông báo số {n}")
        values.setdefault("body_vi", "Nội dung thông báo.")
        values.setdefault("published_on", date(2017, 11, 23))
        values.setdefault("status", AnnouncementStatus.PUBLISHED)
        announcement = Announcement(**values)
        db.session.add(announcement)
        db.session.commit()
        return announcement

    return make
