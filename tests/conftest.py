"""Fixtures: a fresh app and database per test, on SQLite and on PostgreSQL.

Every test that asks for `app` (or `client`, `db_session`, a factory) runs twice: once on
an SQLite file, once on the PostgreSQL database named by TEST_DATABASE_URL. Without that
variable the PostgreSQL runs are skipped, except in CI (CI=true) where that is a failure.

A factory per model builds a row with sensible defaults, commits it and returns it; pass only
what the test is about: make_agency, make_hotline, make_announcement, make_sector,
make_procedure, make_decision, make_plan, make_inspection, make_finding, make_follow_up,
make_letter and make_feedback. For what a visitor reads on a page, use `visible_text` from
tests/pagetext.py.
"""

import email
import os
import re
import shutil
import socket
from datetime import date
from email import policy

import flask_migrate
import pyotp
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import g

from portal import create_app
from portal.indexing import sync
from portal.models import (
    Agency,
    Announcement,
    AnnouncementStatus,
    Decision,
    Feedback,
    FeedbackEvent,
    Finding,
    FollowUp,
    FollowUpLetter,
    Hotline,
    InspectedUnit,
    Inspection,
    InspectionPlan,
    Level,
    Procedure,
    Sector,
    Topic,
    db,
    utcnow,
)
from portal.text import fold
from portal.users import accounts

DATABASES = ("sqlite", "postgresql")


def _settings(uri, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": uri,
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "PAGE_CACHE_DIR": str(tmp_path / "page_cache"),
        "SEARCH_ERRORS": "raise",  # a failing index falls back in production; here, it shows
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


def _saved(row):
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def make_sector(app):
    """Factory: a field of procedures (lĩnh vực)."""
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        values.setdefault("slug", f"linh-vuc-{n}")
        values.setdefault("name_vi", f"Lĩnh vực thử nghiệm {n}")
        return _saved(Sector(**values))

    return make


@pytest.fixture
def make_procedure(app):
    """Factory: a procedure in force, coded 1.000001, 1.000002 …; in a sector only if given.

    `name_folded` (what the finder's box matches) follows from the code and names, as the
    importer sets it, so it cannot be passed.
    """
    counter = iter(range(1, 10_000))

    def make(**values):
        if "name_folded" in values:
            raise TypeError("name_folded follows from the code and the names")
        n = next(counter)
        values.setdefault("code", f"1.{n:06d}")
        values.setdefault("name_vi", f"Thủ tục thử nghiệm {n}")
        values["name_folded"] = fold(
            f"{values['code']} {values['name_vi']} {values.get('name_en') or ''}"
        )
        return _saved(Procedure(**values))

    return make


@pytest.fixture
def make_decision(app):
    """Factory: a publishing decision (quyết định công bố)."""
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        values.setdefault("number", f"{n}/QĐ-UBND")
        values.setdefault("signed_on", date(2017, 11, 23))
        values.setdefault("title_vi", f"Quyết định công bố thủ tục hành chính số {n}")
        return _saved(Decision(**values))

    return make


@pytest.fixture
def make_plan(app):
    """Factory: an inspection plan (kế hoạch kiểm tra) for 2017."""
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        values.setdefault("number", f"{n}/KH-UBND")
        values.setdefault("year", 2017)
        values.setdefault("signed_on", date(values["year"] - 1, 12, 20))
        values.setdefault("title_vi", f"Kế hoạch kiểm tra cải cách hành chính năm {values['year']}")
        return _saved(InspectionPlan(**values))

    return make


@pytest.fixture
def make_inspection(app):
    """Factory: an inspection of September–October 2017, its year that of its start, with no
    plan, unit or conclusion unless given."""
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        values.setdefault("slug", f"kiem-tra-{n}")
        values.setdefault("title_vi", f"Kiểm tra cải cách hành chính đợt {n}")
        values.setdefault("started_on", date(2017, 9, 11))
        values.setdefault("ended_on", date(2017, 10, 20))
        values.setdefault("year", values["started_on"].year)
        return _saved(Inspection(**values))

    return make


@pytest.fixture
def make_finding(app, make_inspection, make_agency):
    """Factory: an open finding about procedures, with no deadline, of a new inspection and a
    new agency unless given. As the importer requires, the agency becomes one of the
    inspection's units (if it is not already) and is responsible unless told otherwise."""
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        if "inspection" not in values:
            values["inspection"] = make_inspection()
        if "agency" not in values:
            values["agency"] = make_agency()
        inspection, agency = values["inspection"], values["agency"]
        if all(unit.agency_id != agency.id for unit in inspection.units):
            inspection.units.append(InspectedUnit(agency=agency, position=len(inspection.units)))
        values.setdefault("ref", f"finding-{n}")
        values.setdefault("position", len(inspection.findings))
        values.setdefault("topic", Topic.PROCEDURES)
        values.setdefault("text_vi", f"Chưa niêm yết đầy đủ thủ tục hành chính ({n}).")
        values.setdefault("recommendation_vi", "Niêm yết đầy đủ thủ tục hành chính.")
        values.setdefault("responsible", agency)
        return _saved(Finding(**values))

    return make


@pytest.fixture
def make_follow_up(app, make_finding):
    """Factory: a remediation report of 20 Dec 2017, on a new finding unless given."""

    def make(**values):
        if "finding" not in values:
            values["finding"] = make_finding()
        finding = values["finding"]
        values.setdefault("position", len(finding.follow_ups))
        values.setdefault("reported_on", date(2017, 12, 20))
        values.setdefault("text_vi", "Đã ban hành kế hoạch khắc phục.")
        return _saved(FollowUp(**values))

    return make


@pytest.fixture
def make_letter(app):
    """Factory: a follow-up letter (công văn) of 15 Jan 2018; about the findings given."""
    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        values.setdefault("number", f"{n}/UBND-NC")
        values.setdefault("signed_on", date(2018, 1, 15))
        values.setdefault("title_vi", "Về việc khắc phục hạn chế sau kiểm tra")
        return _saved(FollowUpLetter(**values))

    return make


@pytest.fixture
def make_feedback(app):
    """Factory: a feedback from a (made-up) citizen, received on 30/11/2026. With
    `published=True`, its answer published by `agency` (or a new one) on 02/12/2026, under
    the public title and question given (or made up)."""
    counter = iter(range(1, 10_000))

    def make(published=False, agency=None, **values):
        n = next(counter)
        values.setdefault("code_hash", f"{n:064x}")
        values.setdefault("sender_type", "citizen")
        values.setdefault("sender_name", "Lê Văn Riêng")
        values.setdefault("sender_phone", "0911 222 333")
        values.setdefault("sender_email", "rieng.le@example.com")
        values.setdefault("channel", "portal")
        values.setdefault("received_on", date(2026, 11, 30))
        values.setdefault("title", f"Phản ánh thử nghiệm {n}")
        values.setdefault("content", "Nội dung phản ánh, có tên Lê Văn Riêng.")
        if published:
            agency = agency or Agency(slug=f"co-quan-tra-loi-{n}", name_vi=f"Sở trả lời {n}",
                                      level=Level.PROVINCE)  # fmt: skip
            values.update(assigned_agency=agency, answer_agency=agency)
            values.setdefault("status", "published")
            values.setdefault("answered_on", date(2026, 12, 1))
            values.setdefault("published_on", date(2026, 12, 2))
            values.setdefault("public_title", f"Câu hỏi đã trả lời {n}")
            values.setdefault("public_question", "Câu hỏi đã lược bỏ dữ liệu cá nhân.")
            values.setdefault("answer_vi", "Câu trả lời của cơ quan.")
        item = Feedback(**values)
        item.events.append(FeedbackEvent(actor="sender", to_status="received"))
        return _saved(item)

    return make


STAFF_PASSWORD = "mưa phùn trên sông Gành Hào"


def csrf_token(client, url):
    """The CSRF token of the form on `url`, as a new request renders it (the tests' app
    context outlives requests, so Flask-WTF's per-request copy is dropped first)."""
    g.pop("csrf_token", None)
    page = client.get(url).text
    return re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page).group(1)


@pytest.fixture
def sign_in(app, client):
    """`sign_in("officer", agency)`: a new account of that role, signed in on `client`
    through the real form (an admin with a second factor, which admins must have)."""
    counter = iter(range(1, 10_000))

    def sign_in(role="editor", agency=None):
        email = f"{role}{next(counter)}@camau.gov.vn"
        user = accounts.create(email, role, STAFF_PASSWORD, agency.slug if agency else None)
        if role == "admin":
            user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.add(user)
        db.session.commit()
        token = csrf_token(client, "/vi/account/login")
        answer = client.post(
            "/vi/account/login",
            data={"email": email, "password": STAFF_PASSWORD, "csrf_token": token},
        )
        if role == "admin":
            token = csrf_token(client, "/vi/account/login/code")
            code = pyotp.TOTP(user.totp_secret).now()
            answer = client.post("/vi/account/login/code", data={"code": code, "csrf_token": token})
        assert answer.status_code == 303, answer.text
        return user

    return sign_in


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def inbox(app):
    """A real SMTP server (aiosmtpd) on this machine, set as MAIL_SERVER: the list of the
    messages it took."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    app.config["MAIL_SERVER"] = f"127.0.0.1:{port}"
    yield handler.messages
    server.stop()
