"""The published answers as the public finds them: the list's counts beside each filter, its
Atom feed, and "similar questions already answered" on the form; never the sender."""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from html import unescape

import feedparser
import pytest
import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text

from portal.feedback import views as feedback_views
from portal.indexing import sync
from portal.models import Feedback, RateEvent, db

ATOM = "{http://www.w3.org/2005/Atom}"
PRIVATE = ("Lê Văn Riêng", "0911 222 333", "rieng.le@example.com")


def _options(page, name):
    """{value: text} of the options of the select `name`, as a visitor reads them."""
    select = re.search(rf'<select [^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)[1]
    return {
        value: " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
        for value, text in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select, re.S)
    }


# The Atom feed


@pytest.fixture
def answers(make_agency, make_feedback):
    justice = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp")
    building = make_agency(slug="so-xay-dung", name_vi="Sở Xây dựng")
    older = make_feedback(
        published=True,
        agency=justice,
        public_title="Bản sao giấy khai sinh <có> cần chứng thực & công chứng?",
        public_question="Có cần bản sao có chứng thực không?",
        answer_vi="Không cần bản sao có chứng thực.",
        answer_en="A certified copy is not needed.",
        published_on=date(2026, 12, 2),
    )
    newer = make_feedback(
        published=True,
        agency=building,
        public_title="Giấy phép xây dựng nhà ở",
        public_question="Bao lâu thì có giấy phép?",
        answer_vi="Trong 15 ngày.",
        channel="press",
        published_on=date(2026, 12, 9),
    )
    make_feedback(title="Giấy phép xây dựng chưa trả lời", status="assigned")
    return older, newer


def test_the_answers_feed_is_atom_newest_first_with_links_to_each_answer(client, answers):
    older, newer = answers
    answer = client.get("/vi/feedback?format=atom")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(answer.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Các câu trả lời phản ánh, kiến nghị đã công khai"
    assert feed.feed.title_detail.language == "vi"
    assert [entry.link for entry in feed.entries] == [
        f"http://localhost/vi/feedback/{newer.id}",
        f"http://localhost/vi/feedback/{older.id}",
    ]
    first, second = feed.entries
    assert first.title == "Giấy phép xây dựng nhà ở"
    assert first.summary == "Bao lâu thì có giấy phép?"
    assert first.content[0].value == "Trong 15 ngày."
    assert first.author == "Sở Xây dựng"
    published = datetime(2026, 12, 9, tzinfo=timezone(timedelta(hours=7)))
    assert first.updated == published.isoformat()
    assert feed.feed.updated == published.isoformat()  # the newest entry's
    # Escaped by the writer, read back as typed.
    assert second.title == "Bản sao giấy khai sinh <có> cần chứng thực & công chứng?"
    assert b"&lt;c\xc3\xb3&gt;" in answer.data
    self_link = next(link for link in feed.feed.links if link.rel == "self")
    assert self_link.href == "http://localhost/vi/feedback?format=atom"
    for private in PRIVATE:
        assert private.encode() not in answer.data
    assert "chưa trả lời".encode() not in answer.data  # an unpublished one is not in it


def test_the_feed_has_what_rfc_4287_requires_of_a_feed_and_of_each_entry(client, answers):
    root = ET.fromstring(client.get("/en/feedback?format=atom").data)  # noqa: S314 (our own)
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    for element in (root, *root.findall(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            assert (element.findtext(f"{ATOM}{required}") or "").strip(), required
        assert element.find(f"{ATOM}link").get("href").startswith("http://localhost/en/")
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    assert root.findtext(f"{ATOM}author/{ATOM}name")
    assert len(root.findall(f"{ATOM}entry")) == 2


def test_the_feed_is_in_the_page_s_language_and_keeps_the_list_s_filters(client, answers):
    older, _newer = answers
    feed = feedparser.parse(client.get("/en/feedback?format=atom&agency=so-tu-phap").data)
    assert feed.feed.title == "Published answers to feedback and petitions"
    (entry,) = feed.entries
    assert entry.link == f"http://localhost/en/feedback/{older.id}"
    assert entry.content[0].value == "A certified copy is not needed."
    assert entry.content[0].language == "en"
    assert entry.title_detail.language == "vi"  # moderated in Vietnamese only
    searched = feedparser.parse(client.get("/vi/feedback?format=atom&q=khai+sinh").data)
    assert [e.link for e in searched.entries] == [f"http://localhost/vi/feedback/{older.id}"]
    assert client.get("/vi/feedback?format=rss").status_code == 400


def test_the_list_page_links_its_feed_in_the_head_and_visibly(client, answers):
    page = client.get("/vi/feedback?channel=press").text
    head, body = page.split("</head>")
    link = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', head)[0]
    feed = "/vi/feedback?channel=press&amp;format=atom"
    assert f'href="{feed}"' in link
    assert f'<a href="{feed}" type="application/atom+xml">Theo dõi các câu trả lời này' in body
    assert "Theo dõi các câu trả lời này bằng trình đọc tin (Atom)" in visible_text(page)


def test_control_characters_no_xml_can_hold_are_left_out_of_the_feed(client, make_feedback):
    make_feedback(published=True, public_title="Giờ\x0blàm việc", answer_vi="Từ 7\x01 giờ.")
    answer = client.get("/vi/feedback?format=atom")
    feed = feedparser.parse(answer.data)
    assert not feed.bozo and feed.entries[0].title == "Giờlàm việc"


# Counts beside each filter


def test_each_filter_counts_what_its_values_would_give_with_the_other_filters(
    client, make_agency, make_feedback, make_procedure
):
    make_procedure(code="1.001193", name_vi="Đăng ký khai sinh")
    justice = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp")
    building = make_agency(slug="so-xay-dung", name_vi="Sở Xây dựng")
    make_feedback(published=True, agency=justice, channel="press", received_on=date(2025, 5, 4))
    make_feedback(published=True, agency=justice, procedure_codes=["1.001193"])
    make_feedback(published=True, agency=building, procedure_codes=["1.001193"])
    make_feedback(status="assigned", assigned_agency=justice, procedure_codes=["1.001193"])

    page = client.get("/vi/feedback").text
    assert _options(page, "agency") == {
        "": "Mọi cơ quan",
        "so-tu-phap": "Sở Tư pháp (2)",
        "so-xay-dung": "Sở Xây dựng (1)",
    }
    assert _options(page, "channel") == {
        "": "Mọi kênh",
        "portal": "cổng thông tin này (2)",
        "press": "báo chí (1)",
    }
    assert _options(page, "year") == {"": "Mọi năm", "2026": "2026 (2)", "2025": "2025 (1)"}
    assert _options(page, "procedure") == {
        "": "Mọi thủ tục",
        "1.001193": "1.001193 Đăng ký khai sinh (2)",
    }

    # Choosing an agency: the other filters count within it, its own still counts all.
    page = client.get("/vi/feedback?agency=so-tu-phap").text
    assert _options(page, "agency")["so-xay-dung"] == "Sở Xây dựng (1)"
    assert _options(page, "channel") == {
        "": "Mọi kênh",
        "portal": "cổng thông tin này (1)",
        "press": "báo chí (1)",
    }
    assert _options(page, "procedure")["1.001193"] == "1.001193 Đăng ký khai sinh (1)"
    assert 'value="so-tu-phap" lang="vi" selected' in page

    # A value that would give none is left out, unless it is the one chosen.
    page = client.get("/vi/feedback?year=2025&channel=portal").text
    assert _options(page, "agency") == {"": "Mọi cơ quan"}
    assert "1.001193" not in _options(page, "procedure")
    assert _options(page, "year") == {"": "Mọi năm", "2026": "2026 (2)", "2025": "2025 (0)"}
    assert "Không có câu trả lời công khai nào phù hợp." in visible_text(page)
    page = client.get("/vi/feedback?procedure=1.999999&agency=so-khac").text
    assert _options(page, "procedure")["1.999999"] == "1.999999 (0)"
    assert _options(page, "agency")["so-khac"] == "so-khac (0)"


def test_answers_are_filtered_by_field_counted_and_named_in_the_page_s_language(
    client, make_agency, make_feedback, make_sector
):
    civil = make_sector(slug="ho-tich", name_vi="Hộ tịch", name_en="Civil status")
    land = make_sector(slug="dat-dai", name_vi="Đất đai")  # no English name yet
    justice = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp")
    first = make_feedback(published=True, agency=justice, sector_id=civil.id)
    make_feedback(published=True, agency=justice, sector_id=civil.id, channel="press")
    make_feedback(published=True, sector_id=land.id, channel="press")
    make_feedback(status="assigned", assigned_agency=justice, sector_id=land.id)

    page = client.get("/vi/feedback").text
    assert _options(page, "field") == {"": "Mọi lĩnh vực", "dat-dai": "Đất đai (1)",
                                       "ho-tich": "Hộ tịch (2)"}  # fmt: skip
    page = client.get("/en/feedback?channel=press").text
    assert _options(page, "field") == {"": "Any field", "ho-tich": "Civil status (1)",
                                       "dat-dai": "Đất đai (1)"}  # fmt: skip
    page = client.get("/vi/feedback?field=ho-tich").text
    assert "2 câu trả lời đã công khai" in visible_text(page)
    assert _options(page, "agency") == {"": "Mọi cơ quan", "so-tu-phap": "Sở Tư pháp (2)"}
    assert _options(page, "field")["dat-dai"] == "Đất đai (1)"  # its own filter counts all
    assert client.get("/vi/feedback?field=khong-co").status_code == 200
    assert client.get("/vi/feedback?field=<b>").status_code == 400

    answer = client.get(f"/en/feedback/{first.id}").text
    assert "Field Civil status" in visible_text(answer)
    assert 'href="/en/feedback?field=ho-tich"' in answer
    rows = client.get("/vi/feedback?field=dat-dai&format=json").json
    assert [row["field"] for row in rows] == ["Đất đai"]


def test_the_list_is_sorted_with_a_visible_control_that_keeps_the_filters(client, answers):
    older, newer = answers

    def order(page):
        return [int(i) for i in re.findall(r'<li><a href="/vi/feedback/([0-9]+)"', page)]

    page = client.get("/vi/feedback").text
    assert _options(page, "sort") == {"newest": "Mới nhất trước", "oldest": "Cũ nhất trước"}
    assert '<option value="newest" selected>' in page and order(page) == [newer.id, older.id]
    oldest = client.get("/vi/feedback?sort=oldest&year=2026").text
    assert '<option value="oldest" selected>' in oldest and order(oldest) == [older.id, newer.id]
    assert '<option value="2026" selected>' in oldest  # the other filters are kept
    assert "Sắp xếp theo" in visible_text(oldest)
    # When searching, best first is a choice too, and the one chosen until another is.
    searching = client.get("/vi/feedback?q=giay").text
    assert _options(searching, "sort")[""] == "Mức độ phù hợp"
    assert "selected" not in re.search(r'<select [^>]*name="sort".*?</select>', searching, re.S)[0]
    assert client.get("/vi/feedback?sort=title").status_code == 400


def test_the_counts_are_formatted_for_the_page_s_language(client, make_agency):
    agency = make_agency(slug="so-noi-vu", name_vi="Sở Nội vụ")
    rows = [
        {
            "code_hash": f"{n:064x}",
            "sender_type": "citizen",
            "sender_name": "Người dự đối thoại",
            "channel": "dialogue",
            "received_on": date(2017, 6, 1),
            "title": f"Kiến nghị tại hội nghị đối thoại {n}",
            "content": "Nội dung.",
            "status": "published",
            "answer_agency_id": agency.id,
            "answered_on": date(2017, 6, 5),
            "published_on": date(2017, 6, 6),
            "public_title": f"Kiến nghị {n}",
            "public_question": "Nội dung.",
            "answer_vi": "Trả lời.",
        }
        for n in range(1, 1201)
    ]
    db.session.execute(sa.insert(Feedback), rows)
    db.session.commit()
    assert _options(client.get("/vi/feedback").text, "agency")["so-noi-vu"] == "Sở Nội vụ (1.200)"
    english = client.get("/en/feedback").text
    assert _options(english, "channel")["dialogue"] == "a dialogue meeting (1,200)"
    assert _options(english, "year")["2017"] == "2017 (1,200)"


# Similar questions already answered, on the form


def _similar(client, **fields):
    values = {
        "sender_type": "citizen",
        "sender_name": "Phạm Thị Hỏi",
        "sender_phone": "0913 000 111",
        "title": "ban sao giay khai sinh",
        "content": "Tôi muốn hỏi về bản sao giấy khai sinh.",
        "action": "similar",
        "csrf_token": csrf_token(client, "/vi/feedback/new"),
        **fields,
    }
    return client.post("/vi/feedback/new", data=values, content_type="multipart/form-data")


def test_the_form_shows_published_answers_like_the_title_and_keeps_what_was_typed(
    client, make_feedback, index
):
    published = make_feedback(
        published=True, public_title="Bản sao giấy khai sinh có cần chứng thực không"
    )
    unpublished = make_feedback(
        status="answered",
        title="Bản sao giấy khai sinh bị đòi chứng thực",
        public_title="Bản sao giấy khai sinh bị đòi chứng thực",
        answer_vi="Bản sao giấy khai sinh không cần chứng thực.",
    )
    make_feedback(published=True, public_title="Giấy phép xây dựng nhà ở")
    before = db.session.scalar(sa.select(sa.func.count(Feedback.id)))
    answer = _similar(client)
    assert answer.status_code == 200
    text = visible_text(answer.text)
    assert "Các câu hỏi tương tự đã được trả lời" in text
    assert "Bản sao giấy khai sinh có cần chứng thực không" in text
    assert f'href="/vi/feedback/{published.id}"' in answer.text
    assert "bị đòi chứng thực" not in answer.text
    assert f"/vi/feedback/{unpublished.id}" not in answer.text
    assert "Giấy phép xây dựng nhà ở" not in text
    assert "Chưa có gì được gửi đi" in text
    for typed in ('value="Phạm Thị Hỏi"', 'value="0913 000 111"', 'value="ban sao giay khai sinh"'):
        assert typed in answer.text
    assert "Tôi muốn hỏi về bản sao giấy khai sinh." in answer.text
    assert db.session.scalar(sa.select(sa.func.count(Feedback.id))) == before  # nothing sent
    assert db.session.scalar(sa.select(sa.func.count(RateEvent.id))) == 0  # nor counted


def test_at_most_five_similar_answers_are_shown(client, make_feedback, index):
    for n in range(7):
        make_feedback(published=True, public_title=f"Bản sao giấy khai sinh, câu hỏi {n}")
    listed = _similar(client).text.split('id="similar"')[1].split("</section>")[0]
    assert len(re.findall(r'href="/vi/feedback/\d+"', listed)) == 5


def test_when_nothing_is_similar_the_form_says_so_plainly(client, make_feedback, index):
    make_feedback(published=True, public_title="Giấy phép xây dựng nhà ở")
    text = visible_text(_similar(client, title="tàu vũ trụ").text)
    assert "Chưa có câu trả lời đã công khai nào tương tự tiêu đề này." in text
    assert "Hãy nhập tiêu đề vào biểu mẫu trước" in visible_text(_similar(client, title=" ").text)


def test_a_chosen_file_is_said_to_be_lost_and_the_form_still_sends_as_before(
    client, make_feedback, index
):
    import io

    answer = _similar(client, file=(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "don.pdf"))
    assert "Trình duyệt không giữ lại tệp đã chọn" in visible_text(answer.text)
    for _n in range(feedback_views.SEND_LIMIT + 1):  # the limit counts sending only
        _similar(client, action="send")
    assert _similar(client).status_code == 200
    assert _similar(client, action="send").status_code == 429


def test_search_counts_and_filters_answers_by_their_field(
    client, make_feedback, make_sector, index
):
    civil = make_sector(slug="ho-tich", name_vi="Hộ tịch")
    make_feedback(published=True, sector_id=civil.id, public_title="Trích lục khai sinh")
    make_feedback(published=True, public_title="Trích lục kết hôn")
    sync.sync()
    page = client.get("/vi/search?q=trich+luc&type=feedback").text
    assert re.search(
        r'href="[^"]*field=ho-tich[^"]*"[^>]*>Hộ tịch</a> <span class="count">1<', page
    )
    found = visible_text(client.get("/vi/search?q=trich+luc&type=feedback&field=ho-tich").text)
    assert "Trích lục khai sinh" in found and "Trích lục kết hôn" not in found


def test_answers_are_filtered_by_whether_they_came_within_the_target(client, make_feedback):
    make_feedback(published=True, public_title="Kịp hạn")  # 30/11 to 01/12
    make_feedback(published=True, public_title="Trễ hạn", received_on=date(2026, 10, 1))
    make_feedback(published=True, public_title="Trễ báo chí", channel="press",
                  received_on=date(2026, 10, 1))  # fmt: skip
    page = client.get("/vi/feedback").text
    assert _options(page, "timeliness") == {"": "Trong hoặc quá thời hạn",
                                            "on_time": "Trong thời hạn (1)",
                                            "late": "Quá thời hạn (2)"}  # fmt: skip
    page = client.get("/en/feedback?timeliness=late&channel=portal").text
    assert "1 answer published" in visible_text(page) and "Trễ hạn" in page
    assert _options(page, "timeliness")["on_time"] == "Within the target (1)"
    assert _options(page, "channel") == {"": "Any channel", "portal": "this portal (1)",
                                         "press": "the press (1)"}  # fmt: skip
    rows = client.get("/vi/feedback?timeliness=on_time&format=json").json
    assert [(row["title"], row["within_target"]) for row in rows] == [("Kịp hạn", True)]
    assert client.get("/vi/feedback?timeliness=soon").status_code == 400
