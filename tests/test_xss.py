"""Fifty script payloads typed into every field staff and visitors fill render inert on
every page they reach: no element, attribute or address of theirs comes alive."""

import io
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from conftest import STAFF_PASSWORD, csrf_token
from pagetext import visible_text

from portal.feedback import views as feedback_views
from portal.models import Announcement, FollowUp, Hotline, db

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "data" / "xss-payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]
# Elements the portal's pages never have: one in a page came from what someone typed.
FOREIGN = {
    "script", "iframe", "frame", "object", "embed", "applet", "base", "svg", "math", "style",
    "marquee", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "data", "poster", "xlink:href"}
BAD_SCHEME = re.compile(r"^\s*(javascript|vbscript|data|livescript):", re.IGNORECASE)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def inert(html, where):
    """Fail with what came alive in `html`, if anything did."""
    parser = _Elements()
    parser.feed(html)
    counts = {}
    for tag, attrs in parser.found:
        counts[tag] = counts.get(tag, 0) + 1
        names = {name for name, _value in attrs}
        assert not any(name.startswith("on") for name in names), (where, tag, attrs)
        assert "style" not in names, (where, tag, attrs)
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                # The parser has decoded entities, as the browser would (&#106;avascript:).
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                assert not BAD_SCHEME.match(cleaned), (where, tag, name, value)
                assert "xss.example" not in urlsplit(cleaned).netloc, (where, tag, name, value)
        assert tag not in FOREIGN, (where, tag, attrs)
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "canonical":  # the page's own address
            assert urlsplit(values["href"]).netloc == "localhost", (where, tag, attrs)
        elif tag == "link":  # the layout's own: the style sheets and the other language
            assert re.match(r"/[^/]", values.get("href") or ""), (where, tag, attrs)
        if tag == "meta":
            assert (values.get("http-equiv") or "").lower() != "refresh", (where, tag, attrs)
    # The layout has one of each of these; a second one is someone's.
    for tag in ("html", "head", "body", "title"):
        assert counts.get(tag, 0) <= 1, (where, tag)
    assert "49" not in re.findall(r"XSS\d\d \S*", html), where  # {{ 7*7 }} stays text


def _check(client, url):
    answer = client.get(url)
    assert answer.status_code < 500, url
    if answer.mimetype == "text/html":
        inert(answer.text, url)
    return answer


def _post(client, url, form_url=None, **fields):
    fields["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=fields, content_type="multipart/form-data")


@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_the_checker_finds_a_payload_that_was_not_escaped(payload):
    """The check itself: a page that printed the payload raw does not pass."""
    page = f"<html><body><main><p>{payload}</p></main></body></html>"
    with pytest.raises(AssertionError):
        inert(page, "raw")


def test_fifty_payloads_in_announcements_are_text_on_every_page(client, sign_in, index):
    sign_in("admin")  # also reads the audit trail, where old and new values are shown
    slugs = []
    for n, payload in enumerate(PAYLOADS):
        marker = f"XSS{n:02d}"
        fields = {
            "title_vi": f"{marker} {payload}",
            "summary_vi": payload,
            "body_vi": payload,
            "title_en": f"{marker} {payload}",
            "summary_en": payload,
            "body_en": payload,
            "action": "publish",
        }
        answer = _post(client, "/vi/admin/announcements/new", **fields)
        assert answer.status_code == 303, (payload, answer.status_code)
        item = db.session.scalar(sa.select(Announcement).order_by(Announcement.id.desc()))
        edit = f"/vi/admin/announcements/{item.id}"
        # A second version, so the history and the word-by-word difference show it too.
        changed = _post(client, edit, **{**fields, "body_vi": f"{payload} {payload}"})
        assert changed.status_code == 303, payload
        withdrawn = _post(
            client, f"{edit}/withdraw", form_url=edit, reason_vi=payload, reason_en=payload
        )
        assert withdrawn.status_code == 303, payload
        slugs.append(item.slug)
        for url in (
            f"/vi/announcements/{item.slug}",
            f"/en/announcements/{item.slug}",
            f"/vi/announcements/{item.slug}?v=1",
            f"/en/announcements/{item.slug}?v=2",
            edit,
        ):
            assert marker in _check(client, url).text, url
        # Kept as typed, not stripped: the title reads exactly what was typed.
        assert f"{marker} {payload}" in visible_text(
            client.get(f"/vi/announcements/{item.slug}").text
        )
    # An address field: refused unless it is http(s), and never a live script address.
    for payload in PAYLOADS:
        fields = {"title_vi": "XSS nguồn", "body_vi": "Nội dung.", "source_url": payload}
        answer = _post(client, "/vi/admin/announcements/new", action="save", **fields)
        assert answer.status_code in (303, 400), payload
        inert(answer.text, payload)
        if answer.status_code == 303:
            item = db.session.scalar(sa.select(Announcement).order_by(Announcement.id.desc()))
            _check(client, f"/vi/admin/announcements/{item.id}")
            _check(client, f"/vi/announcements/{item.slug}")  # a draft: staff see it
            db.session.delete(item)
            db.session.commit()
    for url in (
        "/vi/announcements",
        "/en/announcements",
        "/vi/",
        "/vi/search?q=XSS",
        "/vi/admin",
        "/vi/admin/announcements?status=withdrawn",
        "/vi/admin/audit",
        "/vi/admin/audit?kind=announcement.",
    ):
        _check(client, url)


def test_fifty_payloads_in_hotlines_are_text_on_every_page(client, sign_in, make_agency, index):
    agency = make_agency(name_vi="Sở Tư pháp")
    sign_in("officer", agency)
    for n, payload in enumerate(PAYLOADS):
        fields = {
            "agency_id": str(agency.id),
            "phone": f"0290 3822 {100 + n}",
            "channels": ["phone"],
            "purpose_vi": f"XSS{n:02d} {payload}"[:300],
            "purpose_en": payload[:300],
            "hours_vi": payload[:200],
            "hours_en": payload[:200],
            "action": "publish",
        }
        answer = _post(client, "/vi/admin/hotlines/new", **fields)
        assert answer.status_code == 303, (payload, answer.status_code)
        hotline = db.session.scalar(sa.select(Hotline).order_by(Hotline.id.desc()))
        _check(client, f"/en/admin/hotlines/{hotline.id}")
    for url in (
        "/vi/hotlines",
        "/en/hotlines",
        "/vi/hotlines?q=XSS",
        f"/vi/agencies/{agency.slug}",
        f"/en/agencies/{agency.slug}",
        "/vi/admin/hotlines",
        "/vi/search?q=XSS",
    ):
        _check(client, url)


def test_fifty_payloads_in_an_agency_s_contacts_are_text_on_every_page(
    client, sign_in, make_agency, index
):
    agency = make_agency(name_vi="Sở Tư pháp")
    sign_in("officer", agency)
    edit = f"/vi/admin/agencies/{agency.id}"
    for n, payload in enumerate(PAYLOADS):
        fields = {
            "name_en": f"XSS{n:02d} {payload}"[:500],
            "address": payload[:300],
            "working_hours_vi": payload[:300],
            "working_hours_en": payload[:300],
        }
        assert _post(client, edit, **fields).status_code == 303, payload
        for field in ("phone", "email", "website"):  # refused unless well formed
            answer = _post(client, edit, **{**fields, field: payload[:60]})
            assert answer.status_code in (303, 400), (field, payload)
            inert(answer.text, (field, payload))
        for url in (f"/vi/agencies/{agency.slug}", f"/en/agencies/{agency.slug}", edit):
            _check(client, url)
    for url in ("/vi/agencies", "/en/agencies?q=XSS", "/vi/admin/agencies", "/en/hotlines"):
        _check(client, url)


def test_fifty_payloads_in_a_procedure_s_local_part_are_text_on_every_page(
    client, sign_in, make_procedure, index
):
    procedure = make_procedure(name_vi="Đăng ký khai sinh")
    sign_in("editor")
    edit = f"/vi/admin/procedures/{procedure.code}"
    for n, payload in enumerate(PAYLOADS):
        fields = {
            "name_en": f"XSS{n:02d} {payload}"[:1000],
            "note_vi": payload,
            "note_en": payload,
            "agency_id": "",
            "hotline_id": "",
            "action": "publish" if n % 2 else "preview",
        }
        answer = _post(client, edit, **fields)
        assert answer.status_code in (200, 303), (payload, answer.status_code)
        inert(answer.text, payload)
        for url in (f"/vi/procedures/{procedure.code}", f"/en/procedures/{procedure.code}", edit):
            _check(client, url)
    for url in ("/vi/admin/procedures", "/en/procedures?q=XSS", "/en/search?q=XSS"):
        _check(client, url)


def test_fifty_payloads_in_follow_up_reports_are_text_on_every_page(
    client, sign_in, make_finding, index
):
    finding = make_finding(deadline=date(2026, 12, 31))
    sign_in("editor")
    for n, payload in enumerate(PAYLOADS):
        fields = {
            "reported_on": "2026-11-30",
            "number": payload[:80],
            "text_vi": f"XSS{n:02d} {payload}",
            "text_en": payload,
            "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), f"{payload}.pdf"),
            "action": "publish",
        }
        answer = _post(client, f"/vi/admin/findings/{finding.id}/follow-ups/new", **fields)
        assert answer.status_code == 303, (payload, answer.status_code)
        report = db.session.scalar(sa.select(FollowUp).order_by(FollowUp.id.desc()))
        edit = f"/vi/admin/findings/follow-ups/{report.id}"
        if n % 2:  # half of them withdrawn, with the payload as the public reason
            withdrawn = _post(
                client, f"{edit}/withdraw", form_url=edit, reason_vi=payload, reason_en=payload
            )
            assert withdrawn.status_code == 303, payload
        _check(client, edit)
    slug = finding.inspection.slug
    for url in (
        f"/vi/inspections/{slug}",
        f"/en/inspections/{slug}",
        "/vi/inspections/findings",
        "/en/inspections/findings",
        "/vi/admin/findings?state=all",
        "/vi/search?q=XSS",
    ):
        _check(client, url)


def test_fifty_payloads_in_what_visitors_type_are_text_on_every_page(client):
    for payload in PAYLOADS:
        for path in (
            "/vi/search",
            "/en/procedures",
            "/vi/inspections",
            "/en/inspections/findings",
            "/vi/announcements",
            "/en/hotlines",
            "/vi/agencies",
        ):
            _check(client, f"{path}?{urlencode({'q': payload})}")
        _check(
            client,
            f"/vi/procedures?{urlencode({'q': payload, 'agency': payload, 'sort': payload})}",
        )


def test_a_payload_as_the_browser_name_is_text_on_the_sessions_page(app, client, sign_in):
    user = sign_in("editor")
    for payload in PAYLOADS:  # the same account, signed in from fifty "browsers"
        browser = app.test_client()
        browser.environ_base["HTTP_USER_AGENT"] = payload
        token = csrf_token(browser, "/vi/account/login")
        answer = browser.post(
            "/vi/account/login",
            data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token},
        )
        assert answer.status_code == 303, payload
    page = _check(client, "/vi/account/sessions").text
    assert page.count('class="user-agent"') == len(PAYLOADS) + 1


def test_fifty_payloads_in_feedback_are_text_on_the_sender_s_the_staff_s_and_public_pages(
    app, client, sign_in, make_agency
):
    # One sender a connection: the sending limit is per address.
    for n, payload in enumerate(PAYLOADS):
        sender = app.test_client()
        sender.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        fields = {
            "sender_type": "citizen",
            "sender_name": payload[:200],
            "sender_address": payload[:300],
            "title": f"XSS{n:02d} {payload}"[:300],
            "content": payload,
            "csrf_token": csrf_token(sender, "/vi/feedback/new"),
        }
        answer = sender.post("/vi/feedback/new", data=fields)
        assert answer.status_code == 303, payload
        sent = _check(sender, "/vi/feedback/sent")
        code = sent.text.split('class="tracking-code" lang="en"><strong>')[1].split("<")[0]
        token = csrf_token(sender, "/vi/feedback/status")
        found = sender.post("/vi/feedback/status", data={"code": code, "csrf_token": token})
        assert found.status_code == 200, payload
        inert(found.text, payload)
        wrong = sender.post("/vi/feedback/status", data={"code": payload, "csrf_token": token})
        assert wrong.status_code == 400, payload
        inert(wrong.text, payload)
    assert len(PAYLOADS) > feedback_views.SEND_LIMIT
