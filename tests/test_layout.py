"""The layout every page shares, the home page, language redirect, errors and health."""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from portal.announcements import views as announcements_views

PAGES = (
    "/{lang}/",
    "/{lang}/announcements",
    "/{lang}/hotlines",
    "/{lang}/agencies",
    "/{lang}/search",
)


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("en-GB,en;q=0.9", "/en/"),
        ("vi-VN,vi;q=0.9,en;q=0.5", "/vi/"),
        ("fr-FR", "/vi/"),
        (None, "/vi/"),
    ],
)
def test_root_redirects_by_accept_language(client, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == expected
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_renders_in_both_languages(client, page, lang):
    response = client.get(page.format(lang=lang))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert 'href="#main"' in html and 'id="main"' in html
    for code in ("vi", "en"):
        assert re.search(rf'<link rel="alternate" hreflang="{code}" href="/{code}/', html)


def test_layout_speaks_the_page_language(client):
    vi = client.get("/vi/").get_data(as_text=True)
    en = client.get("/en/").get_data(as_text=True)
    assert "Chuyển đến nội dung chính" in vi and "Skip to main content" in en
    assert "Thủ tục" not in en
    assert ">Thông báo</a>" in vi and ">Announcements</a>" in en


def test_language_switch_leads_to_the_same_page(client, make_announcement):
    make_announcement(slug="ket-qua-2017", title_vi="Kết quả 2017", title_en="2017 results")
    html = client.get("/vi/announcements/ket-qua-2017").get_data(as_text=True)
    assert 'href="/en/announcements/ket-qua-2017" hreflang="en" lang="en">English</a>' in html
    html = client.get("/en/announcements?page=1").get_data(as_text=True)
    assert 'href="/vi/announcements?page=1" hreflang="vi" lang="vi">Tiếng Việt</a>' in html


def test_hotline_strip_and_footer_on_every_page(client, app):
    app.config["PROVINCE_HOTLINE"] = "0768.221.221"
    html = client.get("/en/hotlines").get_data(as_text=True)
    assert 'href="tel:0768221221">0768.221.221</a>' in html
    assert "Office of the Cà Mau Provincial People&#39;s Committee" in html


def test_no_inline_script_or_outside_files(client):
    html = client.get("/vi/").get_data(as_text=True)
    assert "<script" not in html
    head = html.split("<main")[0]
    # No file from elsewhere; only the page's own address is written in full (rel=canonical).
    assert re.findall(r'<link rel="canonical" href="http://localhost/vi/">', head)
    head = re.sub(r'<link rel="canonical" href="[^"]*">', "", head)
    assert not re.search(r'(src|href)="(https?:)?//', head)


def test_home_shows_latest_announcements_and_figures(client, make_announcement, make_agency):
    make_agency()
    for n in range(6):
        make_announcement(
            title_vi=f"Tin số {n}",
            slug=f"tin-{n}",
            published_on=__import__("datetime").date(2020, 1, 1 + n),
        )
    html = client.get("/vi/").get_data(as_text=True)
    assert "Tin số 5" in html and "Tin số 2" in html
    assert "Tin số 1" not in html  # only the four newest
    assert html.index("Tin số 5") < html.index("Tin số 2")
    assert re.search(r"<dt>Thông báo</dt><dd>6</dd>", html)


def test_the_home_page_has_one_search_box_and_cards_for_what_people_come_to_do(client):
    html = client.get("/vi/").text
    assert html.count('type="search"') == 1  # the header's box is left out here
    landmarks = _Landmarks()
    landmarks.feed(html)
    assert landmarks.names() == ["Tìm kiếm trên cổng"]  # the page's box stands in for it
    tasks = re.findall(r'<li class="card"><a href="([^"]+)">([^<]+)</a>', html)
    assert ("/vi/procedures?q=%C4%91%C4%83ng+k%C3%BD+khai+sinh", "Đăng ký khai sinh") in tasks
    assert ("/vi/feedback/new", "Gửi phản ánh, kiến nghị") in tasks
    assert ("/vi/inspections/overdue", "Xem kiến nghị quá hạn") in tasks
    for url, _label in tasks:  # each card leads somewhere that answers
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url
    english = client.get("/en/").text
    assert '<a href="/en/hotlines">Find a hotline</a>' in english
    assert client.get("/en/procedures").text.count('type="search"') == 2  # header and finder


@pytest.mark.parametrize("lang, text", [("vi", "Không tìm thấy trang"), ("en", "Page not found")])
def test_not_found_is_helpful_in_both_languages(client, lang, text):
    response = client.get(f"/{lang}/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert text in html and f'<html lang="{lang}">' in html
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert '<a href="tel:1022">1022</a>' in main  # dialled with a tap


@pytest.mark.parametrize(
    "query, shown",
    [
        ('<b>"nhà ở"</b>', 'value="&lt;b&gt;&#34;nhà ở&#34;&lt;/b&gt;"'),
        ("a\x00b" + "c" * 250, 'value="ab' + "c" * 250 + '"'),  # no NUL in a page
    ],
)
def test_a_bad_search_keeps_what_was_typed_in_the_box(client, query, shown):
    response = client.get("/vi/search", query_string={"q": query, "page": "abc"})
    assert response.status_code == 400
    box = response.text.split('id="search-q-header"')[1].split(">")[0]
    assert shown in box


def test_unknown_language_prefix_is_not_found(client):
    assert client.get("/fr/announcements").status_code == 404


def test_server_error_page_is_in_the_visitors_language(app, client):
    @app.route("/<lang>/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/en/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["lang", "endpoint", "_anchor", "_scheme", "_method", "code"])
def test_a_query_parameter_named_like_url_fors_own_arguments_is_carried_not_obeyed(
    client, make_announcement, name
):
    make_announcement(slug="tin-moi")
    for url in ("/vi/procedures", "/en/announcements/tin-moi"):
        response = client.get(url, query_string={name: "en", "q": "x"})
        assert response.status_code == 200, url
        # The language switch keeps the query, encoded, and points at the same page.
        assert f"?{name}=en&amp;q=x" in response.text, url
    # Encoded as url_for() encodes: a decision number's "/" stays as typed.
    html = client.get("/vi/procedures", query_string={"decision": "163/QĐ-BTP"}).text
    assert 'href="/en/procedures?decision=163/Q%C4%90-BTP"' in html
    response = client.get("/vi/nothing-here", query_string={name: "en"})
    assert response.status_code == 404 and "Về trang chủ" in response.text


def test_the_error_page_cannot_fail_and_keeps_the_security_headers(app, client, monkeypatch):
    @app.route("/<lang>/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setitem(app.jinja_env.globals, "language_links", None)  # base.html now fails
    response = client.get("/en/boom")
    assert response.status_code == 500
    assert "Error 500" in response.text and response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_wrong_method_says_which_are_allowed(client):
    response = client.post("/vi/procedures")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("url", ["/api/v1/nothing-here", "/api/v1"])
def test_the_api_answers_json_when_no_route_matched(client, url):
    response = client.get(url)
    assert response.status_code == 404 and response.get_json()["error"] == "Not Found"
    response = client.post("/api/v1/search")
    assert response.status_code == 405 and response.get_json()["error"] == "Method Not Allowed"
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_healthz_checks_the_database(client, app, monkeypatch):
    assert client.get("/healthz").get_json() == {
        "status": "ok",
        "database": "ok",
        "search": "missing",
    }

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(sa.orm.Session, "execute", broken)
    monkeypatch.setattr(sa.orm.Session, "scalars", broken)
    # Also when this worker's look for scheduled announcements falls due on this request.
    monkeypatch.setattr(announcements_views, "_next_release_check", 0.0)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize(
    "lang, message",
    [
        ("vi", "Số trang phải là số nguyên từ 1 trở lên."),
        ("en", "The page number must be a whole number from 1."),
    ],
)
def test_bad_page_number_is_a_clear_400(client, lang, message):
    response = client.get(f"/{lang}/announcements?page=abc")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_security_headers_forbid_outside_and_inline_code(client):
    response = client.get("/en/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


class _Landmarks(HTMLParser):
    """The page's search landmarks (their aria-label or aria-labelledby) and every id's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.searches, self.texts, self.open = [], {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "search" or attrs.get("role") == "search":
            self.searches.append(attrs)
        if "id" in attrs and tag not in VOID:
            self.open.append([tag, attrs["id"], ""])
        elif tag not in VOID:
            self.open.append([tag, None, ""])

    def handle_endtag(self, tag):
        while self.open:
            opened, element_id, text = self.open.pop()
            if element_id:
                self.texts[element_id] = text
            if self.open:
                self.open[-1][2] += text
            if opened == tag:
                break

    def handle_data(self, data):
        if self.open:
            self.open[-1][2] += data

    def names(self):
        return [
            " ".join(
                (s.get("aria-label") or self.texts.get(s.get("aria-labelledby", ""), "")).split()
            )
            for s in self.searches
        ]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@pytest.mark.parametrize(
    "page",
    [
        "/{lang}/",
        "/{lang}/search?q=giay+phep",
        "/{lang}/procedures",
        "/{lang}/hotlines",
        "/{lang}/agencies",
        "/{lang}/announcements",
        "/{lang}/inspections",
        "/{lang}/inspections/findings",
    ],
)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_search_landmark_has_a_name_of_its_own(client, page, lang):
    # Screen readers list landmarks by role and name: two "search" without a name, or with
    # the same name, cannot be told apart (axe: landmark-unique).
    landmarks = _Landmarks()
    landmarks.feed(client.get(page.format(lang=lang)).text)
    names = landmarks.names()
    assert names and all(names) and len(set(names)) == len(names), names
    assert ("Tìm kiếm trên cổng" if lang == "vi" else "Search the portal") in names
