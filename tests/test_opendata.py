"""The web's plumbing and the open data page: robots.txt, the sitemap, the icons at the
root, the licence, and what every page says of itself to search engines and previews."""

import re
import xml.etree.ElementTree as ET

import pytest
from pagetext import visible_text

from portal.models import AnnouncementStatus, ContentStatus
from portal.opendata import views as opendata

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def _xml(answer):
    return ET.fromstring(answer.data)  # noqa: S314 (the portal's own answer)


def _sitemap(client):
    """{url: (lastmod, {hreflang: href})} of every file the sitemap index lists."""
    index = _xml(client.get("/sitemap.xml"))
    found = {}
    for loc in index.iter(f"{SITEMAP}loc"):
        answer = client.get(loc.text.replace("http://localhost", ""))
        assert answer.status_code == 200 and answer.mimetype == "application/xml"
        for url in _xml(answer).iter(f"{SITEMAP}url"):
            lastmod = url.findtext(f"{SITEMAP}lastmod")
            links = {link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")}
            found[url.findtext(f"{SITEMAP}loc")] = (lastmod, links)
    return found


def test_the_sitemap_lists_every_public_page_in_both_languages_and_no_draft(
    client, make_procedure, make_announcement, make_inspection, make_agency, make_feedback
):
    make_procedure(code="1.000689")
    make_announcement(slug="lich-tiep-dan")
    make_announcement(slug="ban-nhap", status=AnnouncementStatus.DRAFT)
    make_inspection(slug="kiem-tra-2017")
    make_inspection(slug="kiem-tra-nhap", status=ContentStatus.DRAFT)
    make_agency(slug="so-tu-phap")
    answered = make_feedback(published=True)
    make_feedback(status="answered")
    pages = _sitemap(client)
    base = "http://localhost"
    for path in (
        "/{}/",
        "/{}/procedures",
        "/{}/procedures/1.000689",
        "/{}/announcements/lich-tiep-dan",
        "/{}/inspections/kiem-tra-2017",
        "/{}/agencies/so-tu-phap",
        f"/{{}}/feedback/{answered.id}",
    ):
        for lang in ("vi", "en"):
            url = base + path.format(lang)
            assert url in pages, url
            _lastmod, links = pages[url]
            assert links == {"vi": base + path.format("vi"), "en": base + path.format("en")}
            assert client.get(url.replace(base, "")).status_code == 200, url
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", pages[base + "/vi/procedures/1.000689"][0])
    listed = " ".join(pages)
    assert "ban-nhap" not in listed and "kiem-tra-nhap" not in listed
    assert "/feedback/2" not in listed.replace(f"/feedback/{answered.id}", "")


def test_a_big_sitemap_is_split_into_files_of_at_most_the_limit(client, make_agency, monkeypatch):
    for n in range(3):
        make_agency(slug=f"co-quan-{n}")
    monkeypatch.setattr(opendata, "SITEMAP_URLS", 10)
    index = _xml(client.get("/sitemap.xml"))
    files = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    total = sum(1 for _ in opendata._entries())
    assert len(files) == -(-total // 10) > 1
    sizes = [len(_xml(client.get(f.replace("http://localhost", "")))) for f in files]
    assert max(sizes) <= 10 and sum(sizes) == total
    assert client.get(f"/sitemap-{len(files) + 1}.xml").status_code == 404


def test_robots_txt_keeps_crawlers_out_of_staff_pages_and_names_the_sitemap(client):
    answer = client.get("/robots.txt")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    text = answer.text
    assert "Disallow: /vi/admin" in text and "Disallow: /en/account" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/favicon.ico", b"\x00\x00\x01\x00"), ("/apple-touch-icon.png", b"\x89PNG")],
)
def test_the_icons_browsers_ask_for_at_the_root_are_there(client, path, kind):
    with client.get(path) as answer:
        assert answer.status_code == 200 and answer.data.startswith(kind)
        assert "max-age" in answer.headers["Cache-Control"]


def test_the_open_data_page_states_the_licence_and_its_downloads_work(client, app):
    text = visible_text(client.get("/vi/open-data").text)
    assert "CC BY 4.0" in text
    page = client.get("/en/open-data").text
    links = re.findall(r'href="(/en/[^"]+format=(?:csv|json|atom))"', page)
    assert len(links) >= 12
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
    app.config["OPEN_DATA_LICENCE_NAME"] = "Giấy phép của tỉnh"
    app.extensions["page_cache"].clear()
    assert "Giấy phép của tỉnh" in visible_text(client.get("/en/open-data").text)


def test_every_page_says_what_it_holds_to_search_engines_and_link_previews(client, make_procedure):
    make_procedure(code="1.000689")
    for path in ("/vi/", "/en/procedures/1.000689", "/vi/inspections", "/en/feedback"):
        page = client.get(path).text
        assert re.search(r'<meta name="description" content="[^"]{40,}">', page), path
        assert f'<link rel="canonical" href="http://localhost{path}">' in page, path
        assert '<meta property="og:title" content="' in page, path
    title = re.search(
        r"<title>(.*?)</title>", client.get("/vi/procedures?q=khai+sinh&level=commune").text
    )
    assert title[1] == "Thủ tục khớp với “khai sinh” (1 bộ lọc) · Công Khai, tỉnh Cà Mau"
