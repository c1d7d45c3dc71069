"""Announcements: the list, the detail page, safe Markdown and the bulk import."""

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.models import Announcement, AnnouncementStatus, db


def test_list_is_newest_first_and_hides_drafts(client, make_announcement):
    make_announcement(title_vi="Cũ", published_on=date(2017, 3, 1))
    make_announcement(title_vi="Mới", published_on=date(2020, 7, 23))
    make_announcement(title_vi="Bản nháp", status=AnnouncementStatus.DRAFT)
    html = client.get("/vi/announcements").get_data(as_text=True)
    assert html.index("Mới") < html.index("Cũ")
    assert "Bản nháp" not in html
    assert "23/07/2020" in html
    assert "2 thông báo" in html


def test_list_is_paginated(client, app, make_announcement):
    app.config["PER_PAGE"] = 2
    for day in range(1, 6):
        make_announcement(title_vi=f"Ngày {day}", published_on=date(2019, 6, day))
    first = client.get("/en/announcements").get_data(as_text=True)
    assert "Ngày 5" in first and "Ngày 4" in first and "Ngày 3" not in first
    assert "Page 1 of 3" in first and 'rel="next" href="/en/announcements?page=2"' in first
    last = client.get("/en/announcements?page=3").get_data(as_text=True)
    assert "Ngày 1" in last and "Ngày 2" not in last
    assert client.get("/en/announcements?page=4").status_code == 404


def test_detail_shows_date_agency_and_permalink(client, make_announcement, make_agency):
    agency = make_agency(
        slug="so-noi-vu", name_vi="Sở Nội vụ", name_en="Department of Home Affairs"
    )
    make_announcement(
        slug="kiem-tra",
        title_vi="Kiểm tra",
        title_en="Inspection",
        published_on=date(2017, 11, 10),
        agency=agency,
    )
    html = client.get("/en/announcements/kiem-tra").get_data(as_text=True)
    assert "Published on 10 Nov 2017" in html
    assert 'href="/en/agencies/so-noi-vu">Department of Home Affairs</a>' in html
    assert "http://localhost/en/announcements/kiem-tra" in html


def test_markdown_body_cannot_inject_script(client, make_announcement):
    make_announcement(
        slug="xss",
        body_vi=(
            "# Tiêu đề\n\n<script>alert(1)</script>\n\n[bấm](javascript:alert(2)) "
            '<img src=x onerror="alert(3)">\n\n- một\n- hai'
        ),
    )
    html = client.get("/vi/announcements/xss").get_data(as_text=True)
    body = html.split('class="prose"')[1].split("</div>")[0]
    assert "<script>" not in body and 'href="javascript' not in body and "<img" not in body
    assert "<h2>Tiêu đề</h2>" in body and "<li>một</li>" in body


@pytest.mark.parametrize(
    "body, levels",
    [
        ("### Lịch\n\n#### Sáng\n\n### Chiều", ["h2", "h3", "h2"]),
        ("# Một\n\n### Hai\n\n###### Ba\n\n## Bốn", ["h2", "h3", "h4", "h3"]),
        ("#### Chỉ một", ["h2"]),
    ],
)
def test_the_bodys_headings_start_under_the_title_and_skip_no_level(
    client, make_announcement, body, levels
):
    # The page's title is the <h1>: the body's highest heading is an <h2>, and none goes
    # more than one level deeper than the one before it, whatever the Markdown says.
    make_announcement(slug="muc", body_vi=body)
    html = client.get("/vi/announcements/muc").text
    prose = html.split('class="prose"')[1].split("</div>")[0]
    assert re.findall(r"<(h[1-6])>", prose) == levels


def test_withdrawn_stays_with_a_banner_and_drafts_are_not_found(client, make_announcement):
    make_announcement(slug="rut", status=AnnouncementStatus.WITHDRAWN)
    make_announcement(slug="nhap", status=AnnouncementStatus.DRAFT)
    withdrawn = client.get("/en/announcements/rut")
    assert withdrawn.status_code == 410  # gone, with a notice, and still listed
    assert "This announcement has been withdrawn." in withdrawn.get_data(as_text=True)
    assert "/en/announcements/rut" in client.get("/en/announcements").get_data(as_text=True)
    assert client.get("/en/announcements/nhap").status_code == 404
    assert client.get("/en/announcements/khong-co").status_code == 404


def _write(tmp_path, *lines):
    path = tmp_path / "news.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(line, ensure_ascii=False) if isinstance(line, dict) else line
            for line in lines
        )
        + "\n",
        encoding="utf-8",
    )
    return path


GOOD = {
    "title_vi": "Cà Mau công bố 403 thủ tục",
    "title_en": "Cà Mau publishes 403 procedures",
    "summary_vi": "Tóm tắt",
    "summary_en": "Summary",
    "body_vi": "Nội dung",
    "body_en": "Body",
    "published_on": "2017-11-23",
    "agency": "so-noi-vu",
    "source_url": "https://camau.gov.vn/tin/1",
}


def _count():
    return db.session.scalar(sa.select(sa.func.count(Announcement.id)))


def test_import_creates_then_changes_nothing(runner, tmp_path, make_agency):
    make_agency(slug="so-noi-vu")
    path = _write(tmp_path, GOOD, {**GOOD, "title_vi": "Tin thứ hai", "agency": ""})
    result = runner.invoke(args=["import", "announcements", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == "announcements: 2 created, 0 updated, 0 unchanged\n"
    again = runner.invoke(args=["import", "announcements", str(path)])
    assert again.output == "announcements: 0 created, 0 updated, 2 unchanged\n"
    item = db.session.scalar(sa.select(Announcement).filter_by(title_vi=GOOD["title_vi"]))
    assert item.slug == "ca-mau-cong-bo-403-thu-tuc"
    assert item.agency.slug == "so-noi-vu" and item.published_on == date(2017, 11, 23)


def test_import_updates_a_changed_line(runner, tmp_path, make_agency):
    make_agency(slug="so-noi-vu")
    runner.invoke(args=["import", "announcements", str(_write(tmp_path, GOOD))])
    changed = _write(tmp_path, {**GOOD, "body_en": "New body"})
    result = runner.invoke(args=["import", "announcements", str(changed)])
    assert result.output == "announcements: 0 created, 1 updated, 0 unchanged\n"
    assert db.session.scalar(sa.select(Announcement.body_en)) == "New body"


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            {**GOOD, "published_on": "23/11/2017"},
            'line 2, field "published_on": "23/11/2017" is not a date like 2017-11-23',
        ),
        ({**GOOD, "title_vi": ""}, 'line 2, field "title_vi": is required'),
        (
            {**GOOD, "agency": "khong-co"},
            'line 2, field "agency": no agency with the slug "khong-co"',
        ),
        ({**GOOD, "titel_vi": "x"}, 'line 2, field "titel_vi": unknown field'),
        ({**GOOD, "body_vi": 5}, 'line 2, field "body_vi": must be a string'),
        (
            {**GOOD, "source_url": "javascript:alert(1)"},
            'line 2, field "source_url": must start with https:// or http://',
        ),
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: each line must be a JSON object"),
    ],
)
def test_import_rejects_a_bad_line_and_writes_nothing(runner, tmp_path, make_agency, bad, message):
    make_agency(slug="so-noi-vu")
    path = _write(tmp_path, {**GOOD, "title_vi": "Dòng tốt"}, bad)
    result = runner.invoke(args=["import", "announcements", str(path)])
    assert result.exit_code == 1
    assert f"news.jsonl, {message}" in result.output
    assert "Nothing was imported." in result.output
    assert _count() == 0


def test_import_dry_run_validates_without_writing(runner, tmp_path, make_agency):
    make_agency(slug="so-noi-vu")
    result = runner.invoke(
        args=["import", "announcements", "--dry-run", str(_write(tmp_path, GOOD))]
    )
    assert result.exit_code == 0
    assert result.output == (
        "announcements: 1 created, 0 updated, 0 unchanged (dry run: nothing written)\n"
    )
    assert _count() == 0


def test_import_of_a_missing_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(args=["import", "announcements", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 1
    assert "cannot open the file" in result.output


def test_list_box_matches_titles_before_the_index_exists(client, make_announcement):
    make_announcement(title_vi="Kết quả kiểm tra năm 2017")
    make_announcement(title_vi="Lịch tiếp dân")
    html = client.get("/en/announcements?q=kiểm+tra").get_data(as_text=True)
    assert "1 announcement" in html and "Kết quả kiểm tra năm 2017" in html
    assert "Lịch tiếp dân" not in html
