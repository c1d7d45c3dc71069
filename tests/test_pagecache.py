"""Public pages come from the cache until a commit changes content; never a signed-in
page, a form's token or a stale page after a change, on any worker. (The `index` fixture: a
page is kept only while the search index is in step with the database.)"""

import http.client
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from flask import g
from pagetext import visible_text

from portal import workdays
from portal.models import Announcement, AuditEvent, Hotline, PageGeneration, db, utcnow

ROOT = Path(__file__).resolve().parent.parent


def test_a_visitor_s_second_look_is_served_from_the_cache(client, make_hotline, index):
    make_hotline(phone="0290 3822 111")
    first = client.get("/vi/hotlines")
    second = client.get("/vi/hotlines")
    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
    assert second.data == first.data and "0290 3822 111" in second.text
    assert second.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Cookie" not in second.headers.get("Vary", "")
    assert second.headers["Cache-Control"] == "public, max-age=60"
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_each_host_name_has_its_own_kept_page_with_its_own_links(client, make_hotline, index):
    # A page names its host (its canonical address, a feed's links): what was kept for one
    # of the portal's names is never served under another.
    make_hotline()
    first = client.get("/vi/hotlines", base_url="http://congkhai.example")
    other = client.get("/vi/hotlines", base_url="http://localhost")
    again = client.get("/vi/hotlines", base_url="http://congkhai.example")
    assert [r.headers["X-Page-Cache"] for r in (first, other, again)] == ["miss", "miss", "hit"]
    assert 'href="http://localhost/vi/hotlines"' in other.text
    assert 'href="http://congkhai.example/vi/hotlines"' in again.text


def test_a_commit_makes_the_next_look_fresh(client, make_hotline, index):
    hotline = make_hotline(phone="0290 3822 111")
    client.get("/vi/hotlines")
    hotline.phone = "0290 3822 999"
    db.session.commit()
    fresh = client.get("/vi/hotlines")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "0290 3822 999" in fresh.text and "0290 3822 111" not in fresh.text


def test_a_bulk_update_behind_the_objects_back_counts_too(client, make_hotline, index):
    make_hotline(phone="0290 3822 111")
    client.get("/vi/hotlines")
    db.session.execute(sa.update(Hotline).values(phone="0290 3822 777"))
    db.session.commit()
    assert "0290 3822 777" in client.get("/vi/hotlines").text


def test_bookkeeping_leaves_the_pages_kept(client, make_hotline, index):
    make_hotline()
    client.get("/vi/hotlines")
    db.session.add(AuditEvent(kind="login.failed", actor="x@example.org"))
    db.session.commit()
    assert client.get("/vi/hotlines").headers["X-Page-Cache"] == "hit"


def test_a_browser_that_has_the_page_gets_a_304(client, make_hotline, index):
    hotline = make_hotline()
    first = client.get("/vi/hotlines")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/vi/hotlines", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    hotline.phone = "0290 3000 000"
    db.session.commit()
    changed = client.get("/vi/hotlines", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_day_is_part_of_the_key(client, make_hotline, monkeypatch, index):
    make_hotline()
    client.get("/vi/hotlines")
    monkeypatch.setattr(workdays, "today", lambda: workdays.date(2099, 1, 1))
    assert client.get("/vi/hotlines").headers["X-Page-Cache"] == "miss"


def test_a_signed_in_page_is_never_kept_nor_served_to_staff(
    client, app, sign_in, make_hotline, index
):
    make_hotline(phone="0290 3822 111")
    visitor = app.test_client()
    visitor.get("/vi/hotlines")  # kept for visitors
    user = sign_in("editor")
    staff_view = client.get("/vi/hotlines")
    assert "X-Page-Cache" not in staff_view.headers
    assert user.email in staff_view.text  # the header names who is signed in
    assert user.email not in visitor.get("/vi/hotlines").text
    assert client.get("/vi/admin/hotlines").headers["Cache-Control"].startswith("no-store")


def test_a_form_s_token_is_never_served_to_someone_else(app, index):
    first, second = app.test_client(), app.test_client()
    one = csrf_token(first, "/vi/feedback/new")
    two = csrf_token(second, "/vi/feedback/new")
    assert one != two
    g.pop("csrf_token", None)  # as each request of a real server starts without it
    page = app.test_client().get("/vi/feedback/new")
    assert "X-Page-Cache" not in page.headers and "Cookie" in page.headers["Vary"]
    assert "Set-Cookie" in page.headers


def test_a_kept_page_lasts_until_the_next_scheduled_publication(client, make_agency, index):
    soon = utcnow() + timedelta(seconds=2)
    db.session.add(
        Announcement(
            slug="sap-cong-bo",
            title_vi="Thông báo sắp công bố",
            body_vi="Nội dung.",
            published_on=workdays.today(),
            status="published",
            publish_at=soon,
        )
    )
    db.session.commit()
    assert "Thông báo sắp công bố" not in client.get("/vi/announcements").text
    assert client.get("/vi/announcements").headers["X-Page-Cache"] == "hit"
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 0.5)
    later = client.get("/vi/announcements")
    assert "Thông báo sắp công bố" in visible_text(later.text)


def test_a_change_is_fresh_at_once_on_every_one_of_four_workers(app, tmp_path, make_hotline, index):
    make_hotline(phone="0290 3822 111")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-only",
        "TRUSTED_HOSTS": "127.0.0.1",
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],  # in step: pages are kept
        "PAGE_CACHE_DIR": str(tmp_path / "gunicorn-pages"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--workers", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        before = [_get(port, "/vi/hotlines") for _ in range(40)]
        assert all("0290 3822 111" in page for _, page in before)
        assert {cache for cache, _ in before} == {"miss", "hit"}
        db.session.execute(sa.update(Hotline).values(phone="0290 3822 999"))
        db.session.commit()
        after = [_get(port, "/vi/hotlines") for _ in range(40)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    stale = [n for n, (_, page) in enumerate(after) if "0290 3822 999" not in page]
    assert not stale, f"{len(stale)} of 40 answers after the commit were stale"


def _wait_for(port):
    for _ in range(150):
        try:
            _get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not start")


def _get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.getheader("X-Page-Cache"), response.read().decode()
    finally:
        connection.close()


def test_nothing_is_kept_while_the_search_index_is_not_in_step(client, make_hotline):
    make_hotline()  # no index built: searches fall back to a plain match
    client.get("/vi/hotlines")
    assert client.get("/vi/hotlines").headers.get("X-Page-Cache") is None


def test_the_health_check_is_never_kept(client, index):
    client.get("/healthz")
    assert "X-Page-Cache" not in client.get("/healthz").headers


def test_an_emptied_database_starts_counting_again(client, make_hotline, index):
    db.session.execute(sa.delete(PageGeneration))
    db.session.commit()
    hotline = make_hotline(phone="0290 3822 111")  # its agency's commit, then its own
    first = db.session.scalar(sa.select(PageGeneration))
    assert first.number == 2
    epoch = first.epoch
    assert client.get("/vi/hotlines").headers["X-Page-Cache"] == "miss"
    hotline.phone = "0290 3822 999"
    db.session.commit()
    db.session.expire_all()
    again = db.session.scalar(sa.select(PageGeneration))
    assert (again.epoch, again.number) == (epoch, 3)
    assert "0290 3822 999" in client.get("/vi/hotlines").text
