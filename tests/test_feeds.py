"""The lists' Atom feeds (announcements, inspections, overdue recommendations, changes to
procedures, a search): each as the list shows it, filters kept, in the page's language,
linked from the page; never a draft or a withdrawn record. The answers' feed is tested in
tests/test_feedback_answers.py."""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from html import unescape
from urllib.parse import unquote

import feedparser
import pytest
from pagetext import visible_text

from portal import workdays
from portal.models import DecisionAction, ProcedureDecision, db, utcnow

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VIETNAM = timezone(timedelta(hours=7))


def _feed(client, url):
    """The feed at `url`, checked as Atom by feedparser and by ElementTree."""
    answer = client.get(url)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(answer.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    root = ET.fromstring(answer.data)  # noqa: S314 (our own answer)
    assert root.tag == f"{ATOM}feed"
    assert root.get(XML_LANG) == url.split("/")[1]
    assert root.findtext(f"{ATOM}author/{ATOM}name")
    for element in (root, *root.findall(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            assert (element.findtext(f"{ATOM}{required}") or "").strip(), required
    for entry in root.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert link.startswith(f"http://localhost/{url.split('/')[1]}/"), link
    self_link = next(link for link in feed.feed.links if link.rel == "self")
    assert unquote(self_link.href) == "http://localhost" + url
    return feed


def _day(year, month, day):
    return datetime(year, month, day, tzinfo=VIETNAM).isoformat()


def _links(feed):
    return [entry.link for entry in feed.entries]


def _head_feed(page):
    """The href of the feed the page's head names (and its title), or None."""
    head = page.split("</head>")[0]
    found = re.search(
        r'<link rel="alternate" type="application/atom\+xml" title="([^"]*)"\s+href="([^"]*)">',
        head,
    )
    return (unescape(found[2]), unescape(found[1])) if found else None


def _visible_feed_link(page):
    found = re.search(
        r'<a href="([^"]*)" type="application/atom\+xml">([^<]*)</a>', page.split("</head>")[1]
    )
    return (unescape(found[1]), found[2]) if found else None


def _page_links(page, pattern):
    """The absolute URLs of the list's items, in the page's order."""
    return ["http://localhost" + unescape(href) for href in re.findall(pattern, page)]


# Announcements


@pytest.fixture
def announcements(make_agency, make_announcement):
    justice = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp", name_en="Department of Justice")
    older = make_announcement(
        title_vi="Đăng ký khai sinh trực tuyến",
        title_en="Birth registration online",
        summary_vi="Tóm tắt.",
        body_vi="Người dân **đăng ký** khai sinh <trực tuyến> & nhận kết quả.\n\n- Bước một",
        body_en="People *register* births online.",
        published_on=date(2026, 3, 2),
        agency=justice,
    )
    newer = make_announcement(
        title_vi="Kiểm tra cải cách hành chính", published_on=date(2026, 3, 9)
    )
    make_announcement(
        title_vi="Thông báo đã thu hồi", published_on=date(2026, 3, 10), status="withdrawn"
    )
    make_announcement(title_vi="Bản nháp chưa đăng", published_on=date(2026, 3, 11), status="draft")
    make_announcement(
        title_vi="Thông báo hẹn giờ đăng",
        published_on=date(2026, 3, 12),
        publish_at=utcnow() + timedelta(days=3),
    )
    return older, newer


def test_the_announcements_feed_is_the_public_list_newest_first_without_withdrawn_ones(
    client, announcements
):
    older, newer = announcements
    feed = _feed(client, "/vi/announcements?format=atom")
    assert feed.feed.title == "Thông báo"
    assert feed.feed.title_detail.language == "vi"
    assert _links(feed) == [
        f"http://localhost/vi/announcements/{newer.slug}",
        f"http://localhost/vi/announcements/{older.slug}",
    ]
    assert feed.feed.updated == _day(2026, 3, 9)  # the newest entry's
    second = feed.entries[1]
    assert second.title == "Đăng ký khai sinh trực tuyến"
    assert second.summary == "Tóm tắt."
    # The body as text: no Markdown, no markup, what was typed read back as typed.
    assert second.content[0].value == (
        "Người dân đăng ký khai sinh <trực tuyến> & nhận kết quả.\n\nBước một"
    )
    assert second.content[0].type == "text/plain"
    assert second.author == "Sở Tư pháp"
    assert second.updated == _day(2026, 3, 2)
    body = client.get("/vi/announcements?format=atom").text
    for hidden in ("đã thu hồi", "Bản nháp", "hẹn giờ"):
        assert hidden not in body
    # The page itself still lists the withdrawn one, marked.
    page = client.get("/vi/announcements").text
    assert "Thông báo đã thu hồi" in page
    assert "Bản nháp chưa đăng" not in page


def test_the_announcements_feed_is_in_the_page_s_language_and_says_what_is_vietnamese(
    client, announcements
):
    older, _newer = announcements
    feed = _feed(client, "/en/announcements?format=atom")
    assert feed.feed.title == "Announcements"
    untranslated, translated = feed.entries
    assert translated.link == f"http://localhost/en/announcements/{older.slug}"
    assert translated.title == "Birth registration online"
    assert translated.title_detail.language == "en"
    assert translated.content[0].value == "People register births online."
    assert translated.content[0].language == "en"
    assert translated.summary_detail.language == "vi"  # no English summary: the Vietnamese
    assert translated.author == "Department of Justice"
    assert untranslated.title == "Kiểm tra cải cách hành chính"
    assert untranslated.title_detail.language == "vi"


def test_the_announcements_feed_keeps_the_box_s_words_and_holds_the_newest_fifty(
    client, index, make_announcement
):
    for n in range(53):
        make_announcement(title_vi=f"Tin số {n}", published_on=date(2026, 1, 1) + timedelta(days=n))
    birth = make_announcement(title_vi="Đăng ký khai sinh lưu động", published_on=date(2025, 6, 1))
    feed = _feed(client, "/vi/announcements?format=atom")
    assert len(feed.entries) == 50
    page = client.get("/vi/announcements").text
    listed = _page_links(page, r'<h2><a href="(/vi/announcements/[^"]+)">')
    assert len(listed) == 20
    assert _links(feed)[:20] == listed  # the same items in the same order
    assert feed.entries[0].title == "Tin số 52" and feed.entries[-1].title == "Tin số 3"
    searched = _feed(client, "/vi/announcements?q=khai+sinh&format=atom")
    assert _links(searched) == [f"http://localhost/vi/announcements/{birth.slug}"]


def test_the_announcements_page_links_its_feed_and_refuses_other_formats(client, announcements):
    page = client.get("/vi/announcements?q=khai+sinh").text
    assert _head_feed(page) == ("/vi/announcements?q=khai+sinh&format=atom", "Thông báo")
    href, _text = _visible_feed_link(page)
    assert href == "/vi/announcements?q=khai+sinh&format=atom"
    assert "Theo dõi các thông báo này bằng trình đọc tin (Atom)" in visible_text(page)
    refused = client.get("/vi/announcements?format=rss")
    assert refused.status_code == 400
    assert "Định dạng phải là csv, json hoặc atom." in visible_text(refused.text)
    assert "The format must be csv, json or atom." in visible_text(
        client.get("/en/announcements?format=xml").text
    )


# Inspections


@pytest.fixture
def inspections(make_agency, make_inspection, make_finding):
    finance = make_agency(
        slug="so-tai-chinh", name_vi="Sở Tài chính", name_en="Department of Finance"
    )
    district = make_agency(
        slug="ubnd-huyen-phu-tan", name_vi="UBND huyện Phú Tân", level="district"
    )
    home = make_agency(slug="so-noi-vu", name_vi="Sở Nội vụ", name_en="Department of Home Affairs")
    made = {
        "2017": make_inspection(
            title_vi="Kiểm tra năm 2017",
            title_en="The 2017 inspection",
            conclusion_number="8952/UBND-NC",
            conclusion_signed_on=date(2017, 11, 10),
            conclusion_published_on=date(2017, 11, 23),
            conclusion_text_vi="Kết luận **năm 2017**.",
            conclusion_text_en="The *2017* conclusion.",
            lead_agency=home,
        ),
        # Signed in 2019, published here only in 2020: the publication counts.
        "2019": make_inspection(
            title_vi="Kiểm tra năm 2019",
            started_on=date(2019, 6, 19),
            ended_on=date(2019, 6, 21),
            conclusion_number="98/TB-ĐKT",
            conclusion_signed_on=date(2019, 7, 5),
            conclusion_published_on=date(2020, 1, 6),
            conclusion_text_vi="Kết luận năm 2019.",
        ),
        # No conclusion yet: dated by the end of the visit.
        "2020": make_inspection(
            title_vi="Kiểm tra năm 2020", started_on=date(2020, 3, 2), ended_on=date(2020, 3, 6)
        ),
        "withdrawn": make_inspection(
            title_vi="Kiểm tra đã thu hồi",
            conclusion_published_on=date(2021, 1, 4),
            status="withdrawn",
        ),
        "draft": make_inspection(title_vi="Kiểm tra bản nháp", status="draft"),
    }
    make_finding(inspection=made["2017"], agency=finance)
    make_finding(inspection=made["2019"], agency=district)
    make_finding(inspection=made["2020"], agency=finance)
    return made


def test_the_inspections_feed_is_newest_published_first_without_withdrawn_or_drafts(
    client, inspections
):
    feed = _feed(client, "/vi/inspections?format=atom")
    assert feed.feed.title == "Kết luận kiểm tra"
    assert _links(feed) == [
        f"http://localhost/vi/inspections/{inspections[key].slug}"
        for key in ("2020", "2019", "2017")
    ]
    assert [entry.updated for entry in feed.entries] == [
        _day(2020, 3, 6),
        _day(2020, 1, 6),
        _day(2017, 11, 23),
    ]
    oldest = feed.entries[2]
    assert oldest.title == "Kiểm tra năm 2017"
    assert oldest.summary == (
        "Thông báo kết luận số 8952/UBND-NC, 10/11/2017. Đơn vị được kiểm tra: Sở Tài chính."
    )
    assert oldest.content[0].value == "Kết luận năm 2017."
    assert oldest.author == "Sở Nội vụ"
    body = client.get("/vi/inspections?format=atom").text
    assert "đã thu hồi" not in body and "bản nháp" not in body
    # The list keeps the withdrawn one, marked; the feed does not.
    assert "Kiểm tra đã thu hồi" in client.get("/vi/inspections").text


def test_the_inspections_feed_keeps_the_list_s_filters_and_the_page_s_language(client, inspections):
    feed = _feed(client, "/en/inspections?unit=so-tai-chinh&format=atom")
    assert feed.feed.title == "Inspections"
    assert _links(feed) == [
        f"http://localhost/en/inspections/{inspections[key].slug}" for key in ("2020", "2017")
    ]
    english = feed.entries[1]
    assert english.title == "The 2017 inspection"
    assert english.title_detail.language == "en"
    assert english.content[0].value == "The 2017 conclusion."
    assert english.summary == (
        "Conclusion no. 8952/UBND-NC, 10 Nov 2017. Units inspected: Department of Finance."
    )
    assert feed.entries[0].title_detail.language == "vi"  # no English title
    district = _feed(client, "/vi/inspections?level=district&format=atom")
    assert _links(district) == [f"http://localhost/vi/inspections/{inspections['2019'].slug}"]
    # The same items as the list (which sorts by the start of the visit).
    page = client.get("/vi/inspections?unit=so-tai-chinh").text
    listed = _page_links(page, r'<h3><a href="(/vi/inspections/[^"]+)">')
    assert sorted(listed) == sorted(link.replace("/en/", "/vi/") for link in _links(feed))


def test_the_inspections_page_links_its_feed_and_only_lists_with_a_feed_take_atom(
    client, inspections
):
    page = client.get("/vi/inspections?year=2017").text
    assert _head_feed(page) == ("/vi/inspections?year=2017&format=atom", "Kết luận kiểm tra")
    assert _visible_feed_link(page)[0] == "/vi/inspections?year=2017&format=atom"
    assert "Theo dõi các cuộc kiểm tra này bằng trình đọc tin (Atom)" in visible_text(page)
    refused = client.get("/vi/inspections?format=rss")
    assert refused.status_code == 400
    assert "Định dạng phải là csv, json hoặc atom." in visible_text(refused.text)
    # The findings table has no feed: atom is refused there, and no page links one.
    findings = client.get("/en/inspections/findings?format=atom")
    assert findings.status_code == 400
    assert "The format must be csv, json or xlsx." in visible_text(findings.text)
    assert _head_feed(client.get("/vi/inspections/findings").text) is None


# Overdue recommendations


@pytest.fixture
def overdue(monkeypatch, make_agency, make_inspection, make_finding, make_follow_up):
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 3, 16))
    finance = make_agency(
        slug="so-tai-chinh", name_vi="Sở Tài chính", name_en="Department of Finance"
    )
    district = make_agency(
        slug="ubnd-huyen-phu-tan", name_vi="UBND huyện Phú Tân", level="district"
    )
    inspection = make_inspection(
        title_vi="Kiểm tra năm 2025", conclusion_signed_on=date(2025, 12, 1)
    )
    findings = {
        # The Friday before Tết: overdue only from the first working day after it.
        "tet": make_finding(
            inspection=inspection,
            agency=district,
            deadline=date(2026, 2, 13),
            text_vi="Chưa niêm yết thủ tục.",
            recommendation_vi="Niêm yết đầy đủ thủ tục.",
            recommendation_en="Post every procedure.",
        ),
        # A Saturday: the deadline moves to Monday, overdue from Tuesday.
        "saturday": make_finding(
            inspection=inspection,
            agency=finance,
            deadline=date(2026, 1, 17),
            recommendation_vi="Cập nhật danh mục thủ tục.",
        ),
        "reported": make_finding(
            inspection=inspection,
            agency=finance,
            deadline=date(2026, 1, 30),
            recommendation_vi="Bố trí đủ công chức một cửa.",
        ),
        "done": make_finding(
            inspection=inspection,
            agency=finance,
            deadline=date(2026, 1, 5),
            status="done",
            resolved_on=date(2026, 1, 2),
            recommendation_vi="Đã khắc phục xong.",
        ),
        "later": make_finding(
            inspection=inspection,
            agency=finance,
            deadline=date(2026, 12, 31),
            recommendation_vi="Chưa đến hạn.",
        ),
    }
    # A report after the deadline that does not fix it: the entry is dated by it.
    make_follow_up(finding=findings["reported"], reported_on=date(2026, 3, 3))
    withdrawn = make_inspection(title_vi="Kiểm tra đã thu hồi", status="withdrawn")
    make_finding(
        inspection=withdrawn,
        agency=finance,
        deadline=date(2026, 1, 6),
        recommendation_vi="Của cuộc kiểm tra đã thu hồi.",
    )
    return findings


def test_the_overdue_feed_is_the_overdue_list_as_the_page_sorts_it(client, overdue):
    feed = _feed(client, "/vi/inspections/overdue?format=atom")
    assert feed.feed.title == "Kiến nghị quá hạn"
    slug = overdue["tet"].inspection.slug
    expected = [overdue[key].id for key in ("saturday", "reported", "tet")]  # oldest deadline first
    assert _links(feed) == [
        f"http://localhost/vi/inspections/{slug}#finding-{finding_id}" for finding_id in expected
    ]
    page = client.get("/vi/inspections/overdue").text
    assert re.findall(r'<tr id="finding-(\d+)">', page) == [str(i) for i in expected]
    saturday, reported, tet = feed.entries
    assert saturday.title == "Sở Tài chính: Cập nhật danh mục thủ tục."
    assert saturday.updated == _day(2026, 1, 20)  # Tuesday, after Monday's moved deadline
    assert reported.updated == _day(2026, 3, 3)  # the follow-up, later than 2 February
    assert tet.updated == _day(2026, 2, 23)  # Monday after Tết, not 14 February
    assert tet.title == "UBND huyện Phú Tân: Niêm yết đầy đủ thủ tục."
    assert tet.content[0].value == "Chưa niêm yết thủ tục."
    # The deadline and the working days late as the page counts them.
    late = [unescape(text) for text in re.findall(r'<span class="days-late">([^<]+)</span>', page)]
    assert [entry.summary.split(" · ")[2] for entry in feed.entries] == late
    assert tet.summary == f"UBND huyện Phú Tân · Thời hạn khắc phục: 13/02/2026 · {late[2]}"
    assert feed.feed.updated == _day(2026, 3, 3)
    body = client.get("/vi/inspections/overdue?format=atom").text
    for hidden in ("Đã khắc phục xong", "Chưa đến hạn", "đã thu hồi"):
        assert hidden not in body


def test_the_overdue_feed_keeps_the_filters_and_the_page_s_language(client, overdue):
    feed = _feed(client, "/en/inspections/overdue?level=district&format=atom")
    assert feed.feed.title == "Overdue recommendations"
    (entry,) = feed.entries
    assert entry.title == "UBND huyện Phú Tân: Post every procedure."
    assert entry.title_detail.language == "en"
    assert entry.content[0].language == "vi"  # the finding has no English text
    assert entry.summary.startswith("UBND huyện Phú Tân · Deadline: 13 Feb 2026 · ")
    by_unit = _feed(client, "/vi/inspections/overdue?sort=unit&unit=so-tai-chinh&format=atom")
    assert [e.link.rpartition("-")[2] for e in by_unit.entries] == [
        str(overdue["saturday"].id),
        str(overdue["reported"].id),
    ]
    page = client.get("/vi/inspections/overdue?unit=so-tai-chinh").text
    assert _head_feed(page) == (
        "/vi/inspections/overdue?unit=so-tai-chinh&format=atom",
        "Kiến nghị quá hạn",
    )
    assert "Theo dõi các kiến nghị quá hạn bằng trình đọc tin (Atom)" in visible_text(page)
    assert client.get("/vi/inspections/overdue?format=xml").status_code == 400


# Changes to procedures


@pytest.fixture
def changes(make_procedure, make_decision, make_sector):
    civil = make_sector(slug="ho-tich", name_vi="Hộ tịch")
    birth = make_procedure(name_vi="Đăng ký khai sinh", name_en="Birth registration", sector=civil)
    marriage = make_procedure(name_vi="Đăng ký kết hôn", sector=civil)
    licence = make_procedure(name_vi="Cấp giấy phép xây dựng")
    undated = make_procedure(name_vi="Thủ tục có quyết định không rõ ngày")
    decisions = {
        "2017": make_decision(number="1520/QĐ-UBND", signed_on=date(2017, 11, 23)),
        "2019": make_decision(number="812/QĐ-UBND", signed_on=date(2019, 5, 3)),
        "2025": make_decision(number="99/QĐ-UBND", signed_on=date(2025, 7, 1)),
        "undated": make_decision(number="7/QĐ-UBND", signed_on=None),
    }
    links = [
        (birth, "2017", DecisionAction.ANNOUNCED),
        (marriage, "2017", DecisionAction.ANNOUNCED),
        (birth, "2019", DecisionAction.AMENDED),
        (licence, "2025", DecisionAction.ABOLISHED),
        (undated, "undated", DecisionAction.ANNOUNCED),
    ]
    for procedure, key, action in links:
        db.session.add(
            ProcedureDecision(
                procedure_id=procedure.id, decision_id=decisions[key].id, action=action
            )
        )
    db.session.commit()
    return {"birth": birth, "marriage": marriage, "licence": licence, "undated": undated}


def test_the_procedures_feed_lists_the_newest_changes_with_their_decisions(client, changes):
    feed = _feed(client, "/vi/procedures?format=atom")
    assert feed.feed.title == "Thủ tục hành chính được công bố, sửa đổi, bãi bỏ"
    codes = [changes[key].code for key in ("licence", "birth", "birth", "marriage")]
    assert _links(feed) == [f"http://localhost/vi/procedures/{code}#decisions" for code in codes]
    assert len({entry.id for entry in feed.entries}) == 4  # one id per change
    abolished, amended, announced, _marriage = feed.entries
    assert abolished.title == "Đã bãi bỏ: Cấp giấy phép xây dựng"
    assert abolished.summary == (
        f"Thủ tục {changes['licence'].code} bị bãi bỏ theo Quyết định 99/QĐ-UBND ngày 01/07/2025."
    )
    assert abolished.updated == _day(2025, 7, 1)
    assert amended.title == "Đã sửa đổi: Đăng ký khai sinh"
    assert "812/QĐ-UBND ngày 03/05/2019" in amended.summary
    assert announced.title == "Công bố: Đăng ký khai sinh"
    assert announced.updated == _day(2017, 11, 23)
    assert announced.content[0].value.startswith("Quyết định công bố thủ tục hành chính")
    # A decision the records give no date for cannot say when it changed anything.
    assert changes["undated"].code not in client.get("/vi/procedures?format=atom").text


def test_the_procedures_feed_keeps_the_finder_s_filters_and_the_page_s_language(client, changes):
    feed = _feed(client, "/en/procedures?sector=ho-tich&format=atom")
    assert feed.feed.title == "Changes to administrative procedures"
    assert [entry.title for entry in feed.entries] == [
        "Amended: Birth registration",
        "Announced: Birth registration",
        "Announced: Đăng ký kết hôn",
    ]
    assert [entry.title_detail.language for entry in feed.entries] == ["en", "en", "vi"]
    assert feed.entries[0].summary == (
        f"Procedure {changes['birth'].code} was amended by decision 812/QĐ-UBND of 3 May 2019."
    )
    abolished = _feed(client, "/vi/procedures?q=giay+phep&validity=in_force&format=atom")
    assert _links(abolished) == [
        f"http://localhost/vi/procedures/{changes['licence'].code}#decisions"
    ]
    # The procedures that decision announced, and every dated change to them since.
    by_decision = _feed(client, "/vi/procedures?decision=1520/QĐ-UBND&format=atom")
    assert [entry.updated for entry in by_decision.entries] == [
        _day(2019, 5, 3),
        _day(2017, 11, 23),
        _day(2017, 11, 23),
    ]
    assert changes["licence"].code not in str(_links(by_decision))


def test_the_finder_links_its_feed_and_refuses_unknown_formats(client, changes):
    page = client.get("/vi/procedures?sector=ho-tich").text
    assert _head_feed(page) == (
        "/vi/procedures?sector=ho-tich&format=atom",
        "Thủ tục hành chính được công bố, sửa đổi, bãi bỏ",
    )
    assert _visible_feed_link(page)[0] == "/vi/procedures?sector=ho-tich&format=atom"
    assert "Theo dõi việc công bố, sửa đổi, bãi bỏ các thủ tục này" in visible_text(page)
    refused = client.get("/vi/procedures?format=rss")
    assert refused.status_code == 400
    assert "Định dạng phải là csv, json, xlsx hoặc atom." in visible_text(refused.text)


# A search


@pytest.fixture
def found(index, make_announcement, make_procedure, make_decision):
    today = workdays.today()
    news = make_announcement(
        title_vi="Khai sinh trực tuyến tại Cà Mau",
        body_vi="Đăng ký khai sinh qua mạng.",
        published_on=date(2026, 3, 2),
    )
    procedure = make_procedure(name_vi="Đăng ký khai sinh", name_en="Birth registration")
    db.session.add(
        ProcedureDecision(
            procedure_id=procedure.id,
            decision_id=make_decision(signed_on=date(2019, 5, 3)).id,
            action="announced",
        )
    )
    procedure.updated_at = utcnow()  # the search index takes the decision's date
    db.session.commit()
    undated = make_procedure(name_vi="Đăng ký khai sinh có yếu tố nước ngoài")
    make_announcement(title_vi="Khai sinh bản nháp", status="draft")
    return {"news": news, "procedure": procedure, "undated": undated, "today": today}


def test_a_search_feed_holds_the_search_s_first_results_best_first(client, found):
    feed = _feed(client, "/vi/search?q=khai+sinh&format=atom")
    assert feed.feed.title == "Kết quả tìm kiếm cho “khai sinh”"
    page = client.get("/vi/search?q=khai+sinh").text
    listed = _page_links(page, r'<h3><a href="(/vi/[^"]+)"')
    assert len(listed) == 3
    assert _links(feed) == listed  # the page's results, in its order
    by_link = {entry.link: entry for entry in feed.entries}
    news = by_link[f"http://localhost/vi/announcements/{found['news'].slug}"]
    assert news.title == "Khai sinh trực tuyến tại Cà Mau"
    assert "<mark>" not in news.summary and "khai sinh" in news.summary.lower()
    assert news.updated == _day(2026, 3, 2)
    procedure = by_link[f"http://localhost/vi/procedures/{found['procedure'].code}"]
    assert procedure.updated == _day(2019, 5, 3)  # its decision's date
    undated = by_link[f"http://localhost/vi/procedures/{found['undated'].code}"]
    today = found["today"]
    assert undated.updated == _day(today.year, today.month, today.day)  # the feed's day
    assert "bản nháp" not in client.get("/vi/search?q=khai+sinh&format=atom").text


def test_a_search_feed_keeps_the_search_s_type_and_the_page_s_language(client, found):
    feed = _feed(client, "/en/search?q=khai+sinh&type=procedure&format=atom")
    assert feed.feed.title == "Search results for “khai sinh”"
    titles = {entry.title: entry.title_detail.language for entry in feed.entries}
    assert titles == {
        "Birth registration": "en",
        "Đăng ký khai sinh có yếu tố nước ngoài": "vi",  # no English name: marked Vietnamese
    }
    announcements = _feed(client, "/vi/search?q=khai+sinh&type=announcement&format=atom")
    assert _links(announcements) == [f"http://localhost/vi/announcements/{found['news'].slug}"]


def test_the_search_page_links_its_feed_only_for_a_search(client, found):
    page = client.get("/vi/search?q=khai+sinh&type=procedure").text
    assert _head_feed(page) == (
        "/vi/search?q=khai+sinh&type=procedure&format=atom",
        "Kết quả tìm kiếm cho “khai sinh”",
    )
    assert _visible_feed_link(page)[0] == "/vi/search?q=khai+sinh&type=procedure&format=atom"
    assert "Theo dõi kết quả tìm kiếm này bằng trình đọc tin (Atom)" in visible_text(page)
    assert _head_feed(client.get("/vi/search").text) is None
    nothing = client.get("/vi/search?format=atom")
    assert nothing.status_code == 400
    assert "cần có từ khóa" in visible_text(nothing.text)
    refused = client.get("/en/search?q=khai+sinh&format=rss")
    assert refused.status_code == 400
    assert "The format must be csv, json or atom." in visible_text(refused.text)
