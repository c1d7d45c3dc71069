"""Quick on a phone (portal/delivery.py): text comes compressed to a browser that asks, the
same page as uncompressed, from the page cache too, with a 304 for what it has; attached
files never; static files are versioned and kept a year."""

import csv
import gzip
import hashlib
import io
import re
from pathlib import Path

import brotli
import pytest
from werkzeug.datastructures import FileStorage

from portal import attachments, create_app, delivery
from portal.models import ContentStatus, db

ROOT = Path(__file__).resolve().parent.parent
GZIP = {"Accept-Encoding": "gzip"}
BROTLI = {"Accept-Encoding": "gzip, deflate, br"}


def _decoded(response):
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(response.data)
    if encoding == "br":
        return brotli.decompress(response.data)
    assert encoding is None, encoding
    return response.data


@pytest.fixture
def hotlines(make_hotline):
    for n in range(12):  # a page well past the smallest size worth compressing
        make_hotline(phone=f"0290 3822 {n:03d}")
    return "/vi/hotlines"


def test_a_page_comes_gzipped_to_a_browser_that_asks_and_reads_the_same(client, hotlines):
    plain = client.get(hotlines)
    zipped = client.get(hotlines, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.data) < len(plain.data) / 3
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    assert _decoded(zipped) == plain.data
    assert "0290 3822 011" in plain.text
    for response in (plain, zipped):
        assert "Accept-Encoding" in response.headers["Vary"]


def test_brotli_when_the_browser_offers_it(client, hotlines):
    plain = client.get(hotlines)
    response = client.get(hotlines, headers=BROTLI)
    assert response.headers["Content-Encoding"] == "br"
    assert _decoded(response) == plain.data
    identity = client.get(hotlines, headers={"Accept-Encoding": "br;q=0, identity"})
    assert "Content-Encoding" not in identity.headers and identity.data == plain.data


def test_a_small_answer_stays_plain(client):
    response = client.get("/healthz", headers=GZIP)
    assert response.status_code == 200 and len(response.data) < 500
    assert "Content-Encoding" not in response.headers


def test_what_holds_a_session_s_secrets_is_never_compressed(client, sign_in, hotlines):
    # BREACH: the size of a compressed page that echoes what was typed beside a secret (a
    # form's token, a staff page) can give the secret away; such pages are sent plain.
    assert client.get(hotlines, headers=GZIP).headers["Content-Encoding"] == "gzip"
    form = client.get("/vi/feedback/new", headers=GZIP)
    assert 'name="csrf_token"' in form.text and "Content-Encoding" not in form.headers
    sign_in("editor")
    for url in ("/vi/admin", hotlines):
        answer = client.get(url, headers=GZIP)
        assert answer.status_code == 200 and "Content-Encoding" not in answer.headers, url


def test_a_kept_page_is_compressed_for_who_asks_and_plain_for_who_does_not(client, index, hotlines):
    first = client.get(hotlines, headers=GZIP)  # rendered, kept as it was rendered
    plain = client.get(hotlines)
    again = client.get(hotlines, headers=BROTLI)
    assert [r.headers["X-Page-Cache"] for r in (first, plain, again)] == ["miss", "hit", "hit"]
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert again.headers["Content-Encoding"] == "br"
    assert _decoded(first) == plain.data == _decoded(again)
    assert "Accept-Encoding" in plain.headers["Vary"] and "Cookie" not in plain.headers["Vary"]
    assert again.headers["Cache-Control"] == "public, max-age=60"


def test_each_encoding_has_its_etag_and_each_gets_its_304(client, make_hotline, index):
    hotline = make_hotline(phone="0290 3822 111")
    for n in range(12):
        make_hotline(phone=f"0290 3822 {n:03d}")
    plain = client.get("/vi/hotlines")
    zipped = client.get("/vi/hotlines", headers=GZIP)
    squeezed = client.get("/vi/hotlines", headers=BROTLI)
    assert zipped.headers["X-Page-Cache"] == squeezed.headers["X-Page-Cache"] == "hit"
    tags = [r.headers["ETag"] for r in (plain, zipped, squeezed)]
    assert len(set(tags)) == 3, tags
    for tag, headers in zip(tags, ({}, GZIP, BROTLI), strict=True):
        again = client.get("/vi/hotlines", headers={**headers, "If-None-Match": tag})
        assert again.status_code == 304 and again.data == b"", (tag, headers)
        assert again.headers["ETag"] == tag
    # A commit changes the page: the compressed page's old tag gets the new page.
    hotline.phone = "0290 3999 999"
    db.session.commit()
    changed = client.get("/vi/hotlines", headers={**GZIP, "If-None-Match": tags[1]})
    assert changed.status_code == 200 and changed.headers["ETag"] != tags[1]
    assert "0290 3999 999" in _decoded(changed).decode()


@pytest.mark.parametrize(
    ("accept", "encoding"), [(None, None), ("gzip", "gzip"), ("gzip, deflate, br", "br")]
)
def test_a_csv_export_downloads_whole_however_it_is_asked(client, make_procedure, accept, encoding):
    for n in range(40):
        make_procedure(name_vi=f"Đăng ký khai sinh thử nghiệm {n}")
    headers = {"Accept-Encoding": accept} if accept else {}
    response = client.get("/vi/procedures?format=csv", headers=headers)
    streamed = response.is_streamed
    response.get_data()  # read it all (and close it) before anything may fail
    response.close()
    assert response.status_code == 200 and streamed
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers.get("Content-Encoding") == encoding
    text = _decoded(response).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    cells = {cell for row in rows for cell in row}
    assert len(rows) == 41  # the header and every procedure
    assert {f"Đăng ký khai sinh thử nghiệm {n}" for n in range(40)} <= cells


PDF = b"%PDF-1.7\n" + b"1 0 obj << /Length 0 >> endobj\n" * 60 + b"%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000


@pytest.mark.parametrize(("data", "media_type"), [(PDF, "application/pdf"), (PNG, "image/png")])
def test_an_attached_file_is_sent_as_it_is_never_compressed(
    client, make_follow_up, data, media_type
):
    report = make_follow_up(status=ContentStatus.PUBLISHED)
    kept = attachments.attach(FileStorage(io.BytesIO(data), filename="x"), report, "a@example.vn")
    db.session.commit()
    response = client.get(f"/vi/inspections/attachments/{kept.id}", headers=BROTLI)
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Content-Encoding" not in response.headers
    assert response.data == data
    response.close()


def _stylesheet(page):
    return re.search(r'href="(/static/css/portal\.css[^"]*)"', page).group(1).replace("&amp;", "&")


def test_a_page_links_its_stylesheet_by_version_and_that_url_is_kept_a_year(client):
    url = _stylesheet(client.get("/vi/hotlines").text)
    digest = hashlib.sha256((ROOT / "static/css/portal.css").read_bytes()).hexdigest()
    assert url == f"/static/css/portal.css?v={digest[:10]}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.data == (ROOT / "static/css/portal.css").read_bytes()
    response.close()


@pytest.mark.parametrize("query", ["?v=0123456789", "", "?v="])
def test_a_static_url_without_the_file_s_version_is_kept_five_minutes(client, query):
    response = client.get(f"/static/css/portal.css{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Expires" not in response.headers
    response.close()


def test_the_stylesheet_comes_compressed_and_whole(client):
    url = _stylesheet(client.get("/vi/hotlines").text)
    for headers, encoding in ((GZIP, "gzip"), (BROTLI, "br")):
        response = client.get(url, headers=headers)
        assert response.headers["Content-Encoding"] == encoding
        assert _decoded(response) == (ROOT / "static/css/portal.css").read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        again = client.get(url, headers={**headers, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        again.close()
        response.close()


def test_a_missing_static_file_gets_no_version(app):
    with app.test_request_context():
        assert delivery.static_version("css/no-such.css") is None
        assert delivery.static_version("../portal/__init__.py") is None


def test_compression_can_be_turned_off(app, tmp_path, hotlines, monkeypatch):
    monkeypatch.setenv("COMPRESS", "off")
    quiet = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": str(tmp_path / "off-index"),
            "PAGE_CACHE_DIR": str(tmp_path / "off-pages"),
        }
    )
    response = quiet.test_client().get(hotlines, headers=BROTLI)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert "0290 3822 011" in response.text
    with quiet.app_context():
        quiet.extensions["search_index"].close()
        db.engine.dispose()
