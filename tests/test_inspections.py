"""Inspections: deadlines in working days, the import, the pages, exports and scorecards."""

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
import spreadsheet
import sqlalchemy as sa
from pagetext import visible_text

from portal import workdays
from portal.indexing import sync
from portal.inspections import queries
from portal.models import Finding, FindingStatus, FollowUpLetter, Inspection, Level, Topic, db

SAMPLE = Path(__file__).parent / "data" / "inspections-sample.jsonl"
TODAY = date(2026, 11, 23)


@pytest.fixture
def units(make_agency):
    """The directory entries the sample file names."""
    return {
        slug: make_agency(slug=slug, name_vi=vi, name_en=en, level=level)
        for slug, vi, en, level in (
            (
                "ubnd-tinh",
                "Ủy ban nhân dân tỉnh Cà Mau",
                "Cà Mau Provincial People's Committee",
                Level.PROVINCE,
            ),
            ("so-noi-vu", "Sở Nội vụ", "Department of Home Affairs", Level.PROVINCE),
            ("so-tai-chinh", "Sở Tài chính", "Department of Finance", Level.PROVINCE),
            ("ubnd-huyen-phu-tan", "UBND huyện Phú Tân", "Phú Tân District", Level.DISTRICT),
            ("ubnd-xa-phu-my", "UBND xã Phú Mỹ", None, Level.COMMUNE),
        )
    }


@pytest.fixture
def today(monkeypatch):
    """Fix "today" for the overdue rules; returns a setter."""

    def set_today(day):
        monkeypatch.setattr(workdays, "today", lambda: day)

    set_today(TODAY)
    return set_today


def _import(runner, path=SAMPLE, dry_run=False):
    return runner.invoke(
        args=["import", "inspections", str(path), *(["--dry-run"] if dry_run else [])]
    )


@pytest.fixture
def sample(runner, units, today):
    result = _import(runner)
    assert result.exit_code == 0, result.output


def _finding(ref):
    return db.session.scalar(sa.select(Finding).filter_by(ref=ref))


def _snapshot():
    return {
        model.__name__: sorted(
            (row.id, row.updated_at) for row in db.session.scalars(sa.select(model))
        )
        for model in (Inspection, Finding, FollowUpLetter)
    }


def _text(response):
    return response.get_data(as_text=True)


# Status and overdue rules

FRIDAY_BEFORE_TET = date(2026, 2, 13)  # Tết 2026: 16-20 Feb, with the weekends 14-22 Feb


@pytest.mark.parametrize(
    "on, status, days",
    [
        (date(2026, 2, 13), "in_progress", 0),  # the deadline itself
        (date(2026, 2, 16), "in_progress", 0),  # first day of Tết: no working day has begun
        (date(2026, 2, 22), "in_progress", 0),  # Sunday at the end of the break
        (date(2026, 2, 23), "overdue", 1),  # Monday: the first working day after the deadline
        (date(2026, 2, 27), "overdue", 5),
    ],
)
def test_a_deadline_before_tet_is_missed_only_after_the_holidays(app, on, status, days):
    finding = Finding(deadline=FRIDAY_BEFORE_TET, status=FindingStatus.IN_PROGRESS)
    cal = workdays.calendar()
    assert queries.status_of(finding, on, cal) == status
    assert queries.working_days_late(finding, on, cal) == days


def test_a_deadline_on_a_day_off_moves_to_the_next_working_day(app):
    cal = workdays.calendar()
    assert workdays.due_date(date(2026, 4, 30), cal) == date(2026, 5, 4)  # 30/4, 1/5, weekend
    finding = Finding(deadline=date(2026, 4, 30), status=FindingStatus.OPEN)
    assert queries.status_of(finding, date(2026, 5, 4), cal) == "open"
    assert queries.status_of(finding, date(2026, 5, 5), cal) == "overdue"


def test_done_findings_are_never_overdue_and_count_as_on_time_or_late(app):
    cal = workdays.calendar()
    on_time = Finding(
        deadline=FRIDAY_BEFORE_TET, status=FindingStatus.DONE, resolved_on=date(2026, 2, 20)
    )  # during Tết: still on time
    late = Finding(
        deadline=FRIDAY_BEFORE_TET, status=FindingStatus.DONE, resolved_on=date(2026, 2, 24)
    )
    assert queries.status_of(late, TODAY, cal) == "done"
    assert queries.outcome(on_time, TODAY, cal) == "on_time"
    assert queries.outcome(late, TODAY, cal) == "late"
    assert queries.working_days_late(late, TODAY, cal) == 2
    no_deadline = Finding(deadline=None, status=FindingStatus.OPEN)
    assert queries.status_of(no_deadline, TODAY, cal) == "open"


def test_an_added_holiday_postpones_overdue_and_can_be_removed(runner):
    finding = Finding(deadline=FRIDAY_BEFORE_TET, status=FindingStatus.OPEN)
    result = runner.invoke(
        args=["holidays", "add", "2026-02-23", "--name-vi", "Nghỉ bù", "--name-en", "Extra day off"]
    )
    assert result.output == "2026-02-23: now a day off\n"
    cal = workdays.calendar()
    assert queries.status_of(finding, date(2026, 2, 23), cal) == "open"
    assert queries.status_of(finding, date(2026, 2, 24), cal) == "overdue"
    assert queries.working_days_late(finding, date(2026, 2, 24), cal) == 1
    listed = runner.invoke(args=["holidays", "list", "2026"]).output
    assert "2026-02-23 * Nghỉ bù / Extra day off" in listed
    assert "2026-02-16   Tết Nguyên đán / Lunar New Year (Tết)" in listed
    assert runner.invoke(args=["holidays", "add", "2026-02-23"]).output.endswith(
        "already a day off\n"
    )
    assert runner.invoke(args=["holidays", "add", "2026-02-28"]).output == (
        "2026-02-28: already a day off\n"
    )  # a Saturday
    assert runner.invoke(args=["holidays", "remove", "2026-02-23"]).output == (
        "2026-02-23: now a working day\n"
    )
    assert queries.status_of(finding, date(2026, 2, 23), workdays.calendar()) == "overdue"


def test_a_removed_default_holiday_becomes_a_working_day(runner):
    finding = Finding(deadline=date(2026, 4, 29), status=FindingStatus.OPEN)
    assert queries.status_of(finding, date(2026, 4, 30), workdays.calendar()) == "open"
    assert runner.invoke(args=["holidays", "remove", "2026-04-30"]).exit_code == 0
    assert queries.status_of(finding, date(2026, 4, 30), workdays.calendar()) == "overdue"
    assert "2026-04-30" not in runner.invoke(args=["holidays", "list", "2026"]).output
    assert runner.invoke(args=["holidays", "add", "2026-04-30"]).output == (
        "2026-04-30: now a day off\n"
    )
    assert queries.status_of(finding, date(2026, 4, 30), workdays.calendar()) == "open"


def test_the_overdue_filter_in_sql_agrees_with_the_rule(client, sample, today):
    for on, expected in ((date(2026, 2, 20), {"pm-1"}), (date(2026, 2, 23), {"pm-1", "pt-1"})):
        today(on)
        rows = list(
            csv.DictReader(io.StringIO(_text(client.get("/en/inspections/overdue?format=csv"))[1:]))
        )
        assert {row["Page on this portal"].rsplit("-", 1)[1] for row in rows} == {
            str(_finding(ref).id) for ref in expected
        }


# The import


def test_import_creates_plans_inspections_findings_and_letters(runner, units, today):
    result = _import(runner)
    assert result.exit_code == 0, result.output
    assert result.output == "inspection records: 4 created, 0 updated, 0 unchanged\n"
    inspection = db.session.scalar(sa.select(Inspection).filter_by(slug="kiem-tra-cchc-2017"))
    assert [u.agency.slug for u in inspection.units] == ["so-tai-chinh", "ubnd-huyen-phu-tan"]
    assert [str(t) for t in inspection.topics] == [
        "direction",
        "procedures",
        "one_stop",
        "e_government",
    ]
    assert inspection.deputy_agency.slug == "so-noi-vu"
    assert [f.ref for f in inspection.findings] == ["stc-1", "stc-2", "pt-1", "pt-2"]
    assert _finding("stc-1").follow_ups[0].number == "1520/STC-VP"
    assert _finding("pt-2").status == FindingStatus.OPEN
    letter = db.session.scalar(sa.select(FollowUpLetter))
    assert letter.number == "8952/UBND-NC"
    assert sorted(f.ref for f in letter.findings) == ["pt-1", "stc-1"]
    assert (
        db.session.scalar(sa.select(Inspection).filter_by(slug="kiem-tra-phu-tan-2019")).plan.number
        == "4261/KH-UBND"
    )


def test_a_second_import_changes_nothing(runner, units, today):
    _import(runner)
    before = _snapshot()
    result = _import(runner)
    assert result.output == "inspection records: 0 created, 0 updated, 4 unchanged\n"
    assert _snapshot() == before


def test_a_changed_line_updates_only_what_changed(runner, units, today, tmp_path):
    _import(runner)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["findings"][2]["status"] = "done"
    record["findings"][2]["resolved_on"] = "2026-03-02"
    lines[1] = json.dumps(record, ensure_ascii=False)
    path = tmp_path / "changed.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert _import(runner, path).output == (
        "inspection records: 0 created, 1 updated, 3 unchanged\n"
    )
    assert _finding("pt-1").status == FindingStatus.DONE


def test_dry_run_checks_and_counts_without_writing(runner, units, today):
    result = _import(runner, dry_run=True)
    assert result.output == (
        "inspection records: 4 created, 0 updated, 0 unchanged (dry run: nothing written)\n"
    )
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def _bad_file(tmp_path, line, change):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[line - 1])
    change(record)
    lines[line - 1] = json.dumps(record, ensure_ascii=False)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "line, change, message",
    [
        (
            1,
            lambda r: r.update(number=["4261/KH-UBND"]),
            'line 1, field "number": must be a string',
        ),
        (2, lambda r: r.update(slug={"a": 1}), 'line 2, field "slug": must be a string'),
        (
            2,
            lambda r: r.update(title_vi="Kiểm tra\x00"),
            'line 2, field "title_vi": contains a control character',
        ),
        (
            2,
            lambda r: r["findings"][1].update(deadline="30/03/2018"),
            'line 2, field "findings[1].deadline": "30/03/2018" is not a date like 2017-11-23',
        ),
        (
            2,
            lambda r: r["units"][0].update(agency="so-khong-co"),
            'line 2, field "units[0].agency": no agency with the slug "so-khong-co"',
        ),
        (
            2,
            lambda r: r["findings"][0].update(status="overdue"),
            'line 2, field "findings[0].status": "overdue" is not one of: open, in_progress, '
            "partly_done, done",
        ),
        (
            2,
            lambda r: r["findings"][3].update(unit="ubnd-xa-phu-my"),
            'line 2, field "findings[3].unit": "ubnd-xa-phu-my" '
            "is not one of the inspection's units",
        ),
        (
            3,
            lambda r: r.update(plan="999/KH-UBND"),
            'line 3, field "plan": no plan numbered "999/KH-UBND"',
        ),
        (3, lambda r: r.pop("title_vi"), 'line 3, field "title_vi": is required'),
        (
            4,
            lambda r: r["findings"].append("kiem-tra-cchc-2017#khong-co"),
            'line 4, field "findings[2]": no finding "kiem-tra-cchc-2017#khong-co"',
        ),
        (1, lambda r: r.update(titel_vi="typo"), 'line 1, field "titel_vi": unknown field'),
    ],
)
def test_a_bad_line_is_rejected_with_its_place_and_nothing_written(
    runner, units, today, tmp_path, line, change, message
):
    result = _import(runner, _bad_file(tmp_path, line, change))
    assert result.exit_code == 1
    assert f"bad.jsonl, {message}" in result.output
    assert "Nothing was imported." in result.output
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(FollowUpLetter.id))) == 0


def test_deadline_in_working_days_counts_from_signing(runner, units, today, tmp_path):
    def change(record):
        record["conclusion"].update(signed_on="2026-02-06", published_on="2026-02-10")
        record["findings"][3].pop("deadline")
        record["findings"][3]["deadline_working_days"] = 10

    result = _import(runner, _bad_file(tmp_path, 2, change))
    assert result.exit_code == 0, result.output
    # 9-13 Feb, then Tết and two weekends, then 23-27 Feb: the tenth working day is 27 Feb.
    assert _finding("pt-2").deadline == date(2026, 2, 27)


# Pages

PAGES = (
    "/{lang}/inspections",
    "/{lang}/inspections/kiem-tra-cchc-2017",
    "/{lang}/inspections/findings",
    "/{lang}/inspections/overdue",
    "/{lang}/inspections/units/ubnd-huyen-phu-tan",
)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang, heading", [("vi", "Kết luận kiểm tra"), ("en", "Inspections")])
def test_every_page_renders_in_both_languages(client, sample, page, lang, heading):
    response = client.get(page.format(lang=lang))
    html = _text(response)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert f">{heading}</a>" in html  # the navigation entry, now that the feature exists
    assert re.search(r"<h1>.+</h1>", html)


def test_english_pages_fall_back_to_vietnamese_and_say_so(client, sample):
    html = _text(client.get("/en/inspections/kiem-tra-phu-tan-2019"))
    assert (
        '<h1><span lang="vi">Kiểm tra cải cách hành chính tại huyện Phú Tân năm 2019'
        '</span> <span class="untranslated">(Not yet translated)</span></h1>'
    ) in html
    assert '<span lang="vi">Số điện thoại đường dây nóng đặt ở nơi khó nhìn.</span>' in html
    translated = _text(client.get("/en/inspections/kiem-tra-cchc-2017"))
    assert "<h1>Inspection of procedure control in 2017</h1>" in translated
    vi = _text(client.get("/vi/inspections/kiem-tra-cchc-2017"))
    assert "<h1>Kiểm tra công tác kiểm soát thủ tục hành chính năm 2017</h1>" in vi
    assert "Chưa được dịch" not in vi


def test_inspection_page_shows_team_units_findings_and_follow_up(client, sample):
    page = visible_text(_text(client.get("/en/inspections/kiem-tra-cchc-2017")))
    assert (
        "Deputy team leader Trần Thị B, Deputy Director of the Department of Home "
        "Affairs, Department of Home Affairs"
    ) in page
    assert "11 Sep 2017 to 20 Oct 2017" in page
    assert "Department of Finance Province level The unit performed fairly well." in page
    assert (
        "Finding 1 · Procedure control and publicity Procedures are not all posted. "
        "Recommendation Post every procedure. Deadline 13 Feb 2026 Status Overdue "
        "190 working days late Follow-up letters 8952/UBND-NC"
    ) in page
    assert "Status Done done on 15 May 2018, after the deadline" in page
    assert "20 Dec 2017 · 1520/STC-VP: A remediation plan was issued." in page
    vi = visible_text(_text(client.get("/vi/inspections/kiem-tra-cchc-2017")))
    assert "Quá hạn 190 ngày làm việc" in vi


def test_late_publication_is_flagged(client, sample):
    late = _text(client.get("/en/inspections/kiem-tra-cchc-2017"))
    publication = visible_text(late.split('class="publication late"')[1].split("</p>")[0])
    assert (
        "Conclusion no. 215/TB-UBND. Signed on 30 Oct 2017. Published on this portal on "
        "20 Nov 2017. Published 21 days after signing: the law asks for publication "
        "within 10 days."
    ) in publication
    listed = visible_text(_text(client.get("/en/inspections")))
    assert "Conclusion no. 215/TB-UBND, 30 Oct 2017 · published late" in listed
    assert "Conclusion no. 98/TB-ĐKT, 1 Jul 2019 Procedure" in listed
    prompt = _text(client.get("/vi/inspections/kiem-tra-phu-tan-2019"))
    assert 'class="publication late"' not in prompt
    assert "Công bố trên cổng ngày 05/07/2019." in prompt


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "en",
            "Office of the Cà Mau Provincial People's Committee. “Inspection of procedure "
            "control in 2017”. Conclusion no. 215/TB-UBND, 30 Oct 2017. Công Khai, "
            "http://localhost/en/inspections/kiem-tra-cchc-2017 (accessed 23 Nov 2026).",
        ),
        (
            "vi",
            "Văn phòng Ủy ban nhân dân tỉnh Cà Mau. “Kiểm tra công tác kiểm soát thủ tục hành "
            "chính năm 2017”. Thông báo kết luận số 215/TB-UBND, 30/10/2017. Công Khai, "
            "http://localhost/vi/inspections/kiem-tra-cchc-2017 (truy cập ngày 23/11/2026).",
        ),
    ],
)
def test_citation_block_in_the_readers_language(client, sample, lang, expected):
    html = _text(client.get(f"/{lang}/inspections/kiem-tra-cchc-2017"))
    citation = html.split('class="cite-text"')[1].split("</p>")[0]
    assert visible_text(citation.split(">", 1)[1]) == expected


def test_list_filters_and_their_counts(client, sample):
    html = _text(client.get("/en/inspections?level=commune"))
    assert "1 inspection<" in html and "/en/inspections/kiem-tra-phu-tan-2019" in html
    assert "/en/inspections/kiem-tra-cchc-2017" not in html
    level = html.split('id="facet-level"')[1].split("</section>")[0]
    # Each level is counted with the level filter itself ignored.
    district = 'href="/en/inspections?level=district">District level (until 1 July 2025)</a>'
    assert district + ' <span class="count">2<' in level
    assert 'aria-current="true" class="selected">Commune level</a> <span class="count">1<' in (
        level
    )
    status = html.split('id="facet-status"')[1].split("</section>")[0]
    assert '>Overdue</a> <span class="count">1<' in status
    both = _text(client.get("/en/inspections?year=2017&status=overdue"))
    assert "1 inspection<" in both and "kiem-tra-cchc-2017" in both
    assert "0 inspections<" in _text(client.get("/en/inspections?topic=public_finance"))
    plan = _text(client.get("/en/inspections?plan=4261/KH-UBND&unit=ubnd-xa-phu-my"))
    assert "1 inspection<" in plan


def test_list_sorts_and_paginates(client, sample, app):
    newest = _text(client.get("/en/inspections"))
    assert newest.index("kiem-tra-phu-tan-2019") < newest.index("kiem-tra-cchc-2017")
    oldest = _text(client.get("/en/inspections?sort=oldest"))
    assert oldest.index('"/en/inspections/kiem-tra-cchc-2017"') < oldest.index(
        '"/en/inspections/kiem-tra-phu-tan-2019"'
    )
    app.config["PER_PAGE"] = 1
    second = _text(client.get("/en/inspections?page=2"))
    assert "/en/inspections/kiem-tra-cchc-2017" in second
    assert '/en/inspections/kiem-tra-phu-tan-2019"' not in second
    assert client.get("/en/inspections?page=3").status_code == 404


@pytest.mark.parametrize(
    "url, status, message",
    [
        ("/en/inspections?level=galaxy", 400, '"galaxy" is not a valid value for level.'),
        ("/vi/inspections?year=20x7", 400, "Năm phải gồm bốn chữ số, ví dụ 2017."),
        (
            "/en/inspections?status=late&sort=random",
            400,
            '"late" is not a valid value for status. "random" is not a valid value for sort.',
        ),
        ("/en/inspections/findings?unit=%3Cscript%3E", 400, "is not a valid value for unit."),
        ("/en/inspections?plan=4261%00", 400, '"4261" is not a valid value for plan.'),
        ("/en/inspections?page=0", 400, "The page number must be a whole number from 1."),
        ("/en/inspections?format=xml", 400, "The format must be csv, json or atom."),
        ("/en/inspections/findings?format=atom", 400, "The format must be csv, json or xlsx."),
        ("/en/inspections/overdue?status=done", 400, "This page lists overdue findings only."),
        ("/en/inspections/khong-co", 404, "Page not found"),
        ("/en/inspections/Bad%20Slug", 404, "Page not found"),
        ("/en/inspections/units/khong-co", 404, "Page not found"),
        ("/vi/inspections/findings?page=99", 404, "Không tìm thấy trang"),
        (
            "/en/inspections?q=" + "x" * 201,
            400,
            "The search text is too long: at most 200 characters.",
        ),
        (
            "/vi/inspections/findings?q=" + "x" * 201,
            400,
            "Nội dung tìm kiếm quá dài: tối đa 200 ký tự.",
        ),
        (
            "/en/inspections?q=phu%00tan",
            400,
            "The search text must not contain control characters.",
        ),
        (
            "/en/inspections/findings?q=a%1Fb&format=csv",
            400,
            "The search text must not contain control characters.",
        ),
    ],
)
def test_bad_input_gets_a_clear_translated_error(client, sample, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert message in _text(response).replace("&#34;", '"')


def _csv(response):
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_list_export_has_the_rows_of_the_page(client, sample):
    rows = _csv(client.get("/en/inspections?level=district&format=csv"))
    assert [r["Identifier"] for r in rows] == ["kiem-tra-phu-tan-2019", "kiem-tra-cchc-2017"]
    assert rows[1]["Inspected units"] == "Department of Finance; Phú Tân District"
    assert rows[1]["Number of findings"] == "4" and rows[1]["Findings overdue"] == "1"
    assert rows[1]["Topics"] == (
        "Direction and management; Procedure control and publicity; One-stop shop; "
        "IT and e-government"
    )
    plans = [spreadsheet.shown(row["Inspection plan"]) for row in rows]
    assert plans == ["4261/KH-UBND", ""]
    assert rows[1]["Page on this portal"] == "http://localhost/en/inspections/kiem-tra-cchc-2017"
    data = client.get("/en/inspections?level=commune&format=json").get_json()
    assert [r["slug"] for r in data] == ["kiem-tra-phu-tan-2019"]


def _table_rows(html):
    """(unit, finding, status) of each row of the findings table, as shown."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for row in body.split("</tr>")[:-1]:
        cells = [visible_text(c) for c in re.split(r"<t[hd][^>]*>", row)[1:]]
        rows.append(
            (
                cells[0].split(" Inspection")[0].split(" Kiểm tra")[0],
                cells[1],
                cells[4].split(" ")[0],
            )
        )
    return rows


@pytest.mark.parametrize(
    "query", ["", "?unit=so-tai-chinh", "?status=overdue&sort=unit", "?topic=procedures&year=2017"]
)
def test_findings_export_equals_the_table(client, sample, query):
    html = _text(client.get(f"/en/inspections/findings{query}"))
    separator = "&" if query else "?"
    rows = _csv(client.get(f"/en/inspections/findings{query}{separator}format=csv"))
    shown = _table_rows(html)
    assert len(shown) == len(rows) > 0
    assert [
        (
            r["Inspected unit"].replace(" (Not yet translated)", ""),
            r["Finding"],
            r["Status"].split(" ")[0],  # "In progress" is "In" in the table's first word
        )
        for r in rows
    ] == [
        (
            unit.replace(" (Not yet translated)", ""),
            text.replace(" (Not yet translated)", ""),
            status,
        )
        for unit, text, status in shown
    ]


def test_findings_table_and_counts(client, sample):
    html = _text(client.get("/en/inspections/findings?unit=so-tai-chinh"))
    assert "2 findings<" in html
    unit = html.split('id="facet-unit"')[1].split("</section>")[0]
    assert 'Phú Tân District</a> <span class="count">2<' in unit
    status = html.split('id="facet-status"')[1].split("</section>")[0]
    assert '>Done</a> <span class="count">2<' in status and "Overdue" not in status
    rows = _csv(client.get("/en/inspections/findings?unit=so-tai-chinh&format=csv"))
    anchor = f"kiem-tra-cchc-2017#finding-{_finding('stc-1').id}"
    assert rows[0] == {
        "Inspection": "Inspection of procedure control in 2017",
        "Year": "2017",
        "Inspection plan": "",
        "Conclusion number": "\u200b215/TB-UBND",
        "Finding number": "1",
        "Reference": "\u200bstc-1",
        "Inspected unit": "Department of Finance",
        "Topic": "Direction and management",
        "Finding": "The reform plan sets no measurable targets.",
        "Recommendation": "Add measurable targets to the plan.",
        "Responsible": "Department of Finance",
        "Deadline": "2017-12-29",
        "Status": "Done",
        "Resolved on": "2017-12-20",
        "Outcome": "Fixed on time",
        "Working days late": "0",
        "Working days overdue": "",
        "Last follow-up": "A remediation plan was issued.",
        "Date of the last follow-up": "2017-12-20",
        "Page on this portal": f"http://localhost/en/inspections/{anchor}",
    }
    # Fixed late: done on 15/5 for 30/3, counted in working days as the scorecard counts.
    assert (rows[1]["Finding number"], rows[1]["Outcome"], rows[1]["Resolved on"]) == (
        "2",
        "Fixed late",
        "2018-05-15",
    )
    assert int(rows[1]["Working days late"]) > 0


def test_overdue_page_lists_the_oldest_first_and_exports_them(client, sample):
    html = _text(client.get("/en/inspections/overdue"))
    assert "2 findings<" in html
    assert html.index("khó nhìn") < html.index("Procedures are not all posted.")
    assert "1,788 working days late" in html and "190 working days late" in html
    rows = _csv(client.get("/en/inspections/overdue?format=csv"))
    assert [(r["Deadline"], r["Working days overdue"]) for r in rows] == [
        ("2019-09-30", "1788"),
        ("2026-02-13", "190"),
    ]
    district = client.get("/en/inspections/overdue?level=district&format=json").get_json()
    assert [r["deadline"] for r in district] == ["2026-02-13"]


def test_unit_scorecard_numbers(client, sample, runner, tmp_path):
    # Hand-counted from the sample: Finance fixed one finding on time (20/12 for 29/12) and
    # one late (15/5 for 30/3); Phú Tân has one overdue (13/2/2026) and one open (30/6/2027).
    finance = visible_text(_text(client.get("/en/inspections/units/so-tai-chinh")))
    assert "Findings 2 Fixed on time 1 Fixed late 1 Still open 0 of which overdue 0" in finance
    phu_tan = _text(client.get("/en/inspections/units/ubnd-huyen-phu-tan"))
    visible = visible_text(phu_tan)
    assert "Findings 2 Fixed on time 0 Fixed late 0 Still open 2 of which overdue 1" in visible
    assert "Procedure control and publicity 1 0 0 1 1 One-stop shop 1 0 0 1 0" in visible
    # Overdue first, then the other open one; both inspections of the unit are listed.
    assert phu_tan.index("Procedures are not all posted.") < phu_tan.index(
        "Extra documents were demanded."
    )
    assert "/en/inspections/kiem-tra-phu-tan-2019" in phu_tan
    agency = visible_text(_text(client.get("/en/agencies/ubnd-huyen-phu-tan")))
    assert (
        "Inspected 2 times. Findings: 2; fixed on time: 0; fixed late: 0; still open: 2, "
        "of which overdue: 1."
    ) in agency
    never = _text(client.get("/en/agencies/ubnd-tinh"))
    assert "See the inspection scorecard" not in never


def test_page_has_a_print_stylesheet_and_no_script(client, sample):
    html = _text(client.get("/en/inspections/kiem-tra-cchc-2017"))
    assert '<link rel="stylesheet" media="print"' in html
    assert "<script" not in html
    assert '<th scope="col">' in _text(client.get("/en/inspections/findings"))


def test_a_finding_made_by_the_factory_shows_under_its_unit(client, make_finding, make_agency):
    finance = make_agency(name_vi="Sở Tài chính")
    finding = make_finding(
        agency=finance,
        topic=Topic.PUBLIC_FINANCE,
        text_vi="Chưa công khai dự toán ngân sách.",
        recommendation_vi="Công khai dự toán đúng hạn.",
    )
    commune = make_agency(name_vi="UBND xã Phú Mỹ", level=Level.COMMUNE)
    make_finding(inspection=finding.inspection, agency=commune)
    page = visible_text(_text(client.get(f"/vi/inspections/{finding.inspection.slug}")))
    assert "Số đơn vị được kiểm tra 2 Hạn chế, thiếu sót 2" in page
    assert (
        "Sở Tài chính Cấp tỉnh Kết quả kiểm tra và khắc phục của đơn vị qua các năm "
        "Hạn chế, thiếu sót 1 · Cải cách tài chính công Chưa công khai dự toán ngân sách. "
        "Kiến nghị Công khai dự toán đúng hạn. Thời hạn khắc phục Không ấn định "
        "Tình trạng Chưa khắc phục"
    ) in page
    assert page.index("Sở Tài chính Cấp tỉnh") < page.index("UBND xã Phú Mỹ Cấp xã")


def test_a_plan_follow_up_and_letter_made_by_the_factories_show_on_the_inspection_page(
    client, make_plan, make_inspection, make_finding, make_follow_up, make_letter
):
    plan = make_plan(
        number="4261/KH-UBND",
        year=2019,
        signed_on=date(2018, 12, 20),
        title_vi="Kế hoạch kiểm tra cải cách hành chính năm 2019",
    )
    inspection = make_inspection(plan=plan, title_vi="Kiểm tra tại huyện Phú Tân")
    finding = make_finding(inspection=inspection)
    make_follow_up(
        finding=finding,
        reported_on=date(2019, 8, 1),
        number="15/UBND-VP",
        text_vi="Đã niêm yết đủ thủ tục.",
    )
    make_letter(findings=[finding], number="8952/UBND-NC", title_vi="Về việc đôn đốc khắc phục")
    page = visible_text(_text(client.get(f"/vi/inspections/{inspection.slug}")))
    assert (
        "Kế hoạch kiểm tra Kế hoạch số 4261/KH-UBND ngày 20/12/2018: "
        "Kế hoạch kiểm tra cải cách hành chính năm 2019"
    ) in page
    assert (
        "Văn bản chỉ đạo, đôn đốc 8952/UBND-NC "
        "Theo dõi khắc phục 01/08/2019 · 15/UBND-VP: Đã niêm yết đủ thủ tục."
    ) in page
    assert "Văn bản chỉ đạo, đôn đốc 8952/UBND-NC, 15/01/2018: Về việc đôn đốc khắc phục" in page
    make_inspection(title_vi="Kiểm tra ngoài kế hoạch")
    listed = visible_text(_text(client.get("/vi/inspections?plan=4261/KH-UBND")))
    assert "1 đợt kiểm tra" in listed and "Kiểm tra tại huyện Phú Tân" in listed
    assert "Kiểm tra ngoài kế hoạch" not in listed


# The text box

ARCHIVES = [  # two inspections and two findings about archives, where the word sits differently
    {
        "kind": "inspection",
        "slug": "kiem-tra-luu-tru-2015",
        "title_vi": "Kiểm tra công tác văn thư, lưu trữ năm 2015",
        "title_en": "Inspection of records and archives in 2015",
        "started_on": "2015-03-02",
        "ended_on": "2015-03-06",
        "topics": ["direction"],
        "units": [{"agency": "so-noi-vu"}],
        "findings": [
            {
                "ref": "lt-1",
                "unit": "so-noi-vu",
                "topic": "direction",
                "text_vi": "Hồ sơ công việc chưa được lập đầy đủ.",
                "text_en": "Case files are not all kept.",
                "recommendation_vi": "Nộp hồ sơ vào kho lưu trữ đúng hạn.",
                "recommendation_en": "Hand the files over on time.",
                "deadline": "2015-06-30",
                "status": "done",
                "resolved_on": "2015-06-01",
            },
            {
                "ref": "lt-2",
                "unit": "so-noi-vu",
                "topic": "direction",
                "text_vi": "Kho lưu trữ chưa bảo đảm an toàn.",
                "text_en": "The archive store is not safe.",
                "recommendation_vi": "Sửa chữa kho.",
                "recommendation_en": "Repair the store.",
                "deadline": "2015-12-31",
                "status": "done",
                "resolved_on": "2015-12-01",
            },
        ],
    },
    {
        "kind": "inspection",
        "slug": "kiem-tra-noi-vu-2016",
        "title_vi": "Kiểm tra công tác nội vụ năm 2016",
        "title_en": "Inspection of internal affairs in 2016",
        "started_on": "2016-05-02",
        "ended_on": "2016-05-06",
        "topics": ["organisation"],
        "units": [{"agency": "so-noi-vu"}],
        "conclusion": {
            "number": "77/TB-SNV",
            "signed_on": "2016-05-20",
            "text_vi": "Việc lưu trữ hồ sơ còn chậm.",
        },
    },
]


@pytest.fixture
def searchable(index, runner, units, today, tmp_path):
    """The sample and the archive inspections, in the database and the search index."""
    archives = tmp_path / "archives.jsonl"
    archives.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in ARCHIVES), encoding="utf-8"
    )
    for path in (SAMPLE, archives):
        result = _import(runner, path)
        assert result.exit_code == 0, result.output


def _heading(html):
    return html.split('id="results-heading">')[1].split("</h2>")[0]


def test_inspection_search_is_accentless_and_best_first(client, searchable):
    html = _text(client.get("/en/inspections?q=luu+tru"))
    assert _heading(html) == "2 inspections match “luu tru”"
    assert 'type="search" name="q" value="luu tru"' in html
    # The title holds the words in 2015, only the conclusion in 2016: relevance beats "newest".
    assert html.index('"/en/inspections/kiem-tra-luu-tru-2015"') < html.index(
        '"/en/inspections/kiem-tra-noi-vu-2016"'
    )
    assert "kiem-tra-cchc-2017" not in html and "kiem-tra-phu-tan-2019" not in html
    assert '<option value="" selected>Relevance</option>' in html
    newest = _text(client.get("/en/inspections?q=luu+tru&sort=newest"))
    assert newest.index('"/en/inspections/kiem-tra-noi-vu-2016"') < newest.index(
        '"/en/inspections/kiem-tra-luu-tru-2015"'
    )
    assert '<option value="newest" selected>Newest first</option>' in newest
    # Without a query there is no relevance to choose, and "newest" is the default again.
    plain = _text(client.get("/en/inspections"))
    assert "Relevance" not in plain and '<option value="" selected>Newest first</option>' in plain
    assert _heading(plain) == "4 inspections" and "Clear the search" not in plain


def test_inspection_search_narrows_the_counts_and_links_keep_it(client, searchable, app):
    html = _text(client.get("/en/inspections?q=luu+tru"))
    year = html.split('id="facet-year"')[1].split("</section>")[0]
    assert '<a href="/en/inspections?q=luu+tru&amp;year=2016">2016</a> <span class="count">1<' in (
        year
    )
    assert ">2015</a>" in year and "2017" not in year and "2019" not in year
    topic = html.split('id="facet-topic"')[1].split("</section>")[0]
    assert 'Organisational structure</a> <span class="count">1<' in topic
    assert "Procedure control" not in topic
    assert '<a href="/en/inspections">Clear the search</a>' in html
    narrowed = _text(client.get("/en/inspections?q=luu+tru&topic=organisation"))
    assert _heading(narrowed) == "1 inspection matches “luu tru”"
    assert (
        '<a href="/en/inspections?topic=organisation">Clear the search</a> · '
        '<a href="/en/inspections">Clear all filters</a>'
    ) in narrowed
    assert '<input type="hidden" name="topic" value="organisation">' in narrowed
    app.config["PER_PAGE"] = 1
    app.extensions["page_cache"].clear()  # a setting changed under a running app
    first = _text(client.get("/en/inspections?q=luu+tru"))
    assert 'href="/en/inspections?page=2&amp;q=luu+tru"' in first
    assert '"/en/inspections/kiem-tra-noi-vu-2016"' in _text(
        client.get("/en/inspections?page=2&q=luu+tru")
    )


def test_inspection_export_equals_the_searched_page(client, searchable):
    html = _text(client.get("/en/inspections?q=luu+tru"))
    shown = re.findall(r'<h3><a href="/en/inspections/([a-z0-9-]+)">', html)
    assert shown == ["kiem-tra-luu-tru-2015", "kiem-tra-noi-vu-2016"]
    assert 'href="/en/inspections?format=csv&amp;q=luu+tru"' in html
    rows = _csv(client.get("/en/inspections?q=luu+tru&format=csv"))
    assert [r["Identifier"] for r in rows] == shown
    data = client.get("/en/inspections?q=luu+tru&sort=newest&format=json").get_json()
    assert [r["slug"] for r in data] == shown[::-1]


def test_finding_search_is_accentless_best_first_and_narrows_the_counts(client, searchable):
    html = _text(client.get("/en/inspections/findings?q=luu+tru"))
    assert _heading(html) == "2 findings match “luu tru”"
    # lt-2 has the words in its text (the title), lt-1 only in its recommendation.
    assert [text for _, text, _ in _table_rows(html)] == [
        "The archive store is not safe.",
        "Case files are not all kept.",
    ]
    by_deadline = _text(client.get("/en/inspections/findings?q=luu+tru&sort=deadline"))
    assert [text for _, text, _ in _table_rows(by_deadline)] == [
        "Case files are not all kept.",
        "The archive store is not safe.",
    ]
    unit = html.split('id="facet-unit"')[1].split("</section>")[0]
    assert 'Department of Home Affairs</a> <span class="count">2<' in unit
    assert "Finance" not in unit and "Phú Tân" not in unit
    status = html.split('id="facet-status"')[1].split("</section>")[0]
    assert '>Done</a> <span class="count">2<' in status and "Overdue" not in status
    vi = _text(client.get("/vi/inspections/findings?q=kho+nhin"))
    assert [text for _, text, _ in _table_rows(vi)] == [
        "Số điện thoại đường dây nóng đặt ở nơi khó nhìn."
    ]


@pytest.mark.parametrize(
    "page, query",
    [
        ("findings", "q=luu+tru"),
        ("findings", "q=luu+tru&sort=deadline"),
        ("findings", "q=thu+tuc&year=2017"),
        ("overdue", "q=niem+yet"),
    ],
)
def test_finding_export_equals_the_searched_table(client, searchable, page, query):
    html = _text(client.get(f"/en/inspections/{page}?{query}"))
    rows = _csv(client.get(f"/en/inspections/{page}?{query}&format=csv"))
    shown = _table_rows(html)
    assert len(shown) == len(rows) > 0
    assert [r["Finding"] for r in rows] == [
        text.replace(" (Not yet translated)", "") for _, text, _ in shown
    ]
    unsearched = "&".join(arg for arg in query.split("&") if not arg.startswith("q="))
    assert len(_csv(client.get(f"/en/inspections/{page}?{unsearched}&format=csv"))) > len(rows)


def test_overdue_page_search_keeps_to_overdue_findings(client, searchable):
    html = _text(client.get("/en/inspections/overdue?q=niem+yet"))
    assert _heading(html) == "1 finding matches “niem yet”"
    assert "Procedures are not all posted." in html
    assert '<a href="/en/inspections/overdue">Clear the search</a>' in html
    assert 'name="status"' not in html.split('class="finder-form"')[1].split("</form>")[0]
    assert _heading(_text(client.get("/en/inspections/overdue?q=luu+tru"))) == (
        "0 findings match “luu tru”"
    )


def test_without_an_index_the_box_matches_titles_and_texts(client, sample):
    assert not sync.get_index().exists()
    html = _text(client.get("/en/inspections?q=PHÚ+tân"))
    assert _heading(html) == "1 inspection matches “PHÚ tân”"
    assert '"/en/inspections/kiem-tra-phu-tan-2019"' in html
    english = _text(client.get("/en/inspections?q=Procedure+CONTROL"))
    assert _heading(english) == "1 inspection matches “Procedure CONTROL”"
    assert '"/en/inspections/kiem-tra-cchc-2017"' in english
    # No relevance without the engine: the usual order, newest first.
    both = _text(client.get("/en/inspections?q=kiểm+tra"))
    assert both.index('"/en/inspections/kiem-tra-phu-tan-2019"') < both.index(
        '"/en/inspections/kiem-tra-cchc-2017"'
    )
    findings = _text(client.get("/en/inspections/findings?q=niêm+yết"))
    assert [text for _, text, _ in _table_rows(findings)] == ["Procedures are not all posted."]
    assert [
        r["Finding"] for r in _csv(client.get("/en/inspections/findings?q=POSTED&format=csv"))
    ] == ["Procedures are not all posted."]
    recommendation = _text(client.get("/en/inspections/findings?q=measurable+targets"))
    assert _heading(recommendation) == "1 finding matches “measurable targets”"
    # The box's text is matched as typed, never as a LIKE pattern.
    assert _heading(_text(client.get("/en/inspections?q=%25"))) == "0 inspections match “%”"
    assert _heading(_text(client.get("/en/inspections/findings?q=_"))) == ("0 findings match “_”")


# The demo province


def test_demo_models_the_2017_inspection_and_loads_once(runner, client, today):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    before = _snapshot()
    second = runner.invoke(args=["demo", "load"])
    assert second.output.startswith("demo records: 0 created, 0 updated, ")
    assert _snapshot() == before
    inspection = db.session.scalar(
        sa.select(Inspection).filter_by(slug="kiem-tra-cchc-kiem-soat-tthc-2017")
    )
    levels = [u.agency.level for u in inspection.units]
    assert (levels.count(Level.PROVINCE), levels.count(Level.DISTRICT)) == (5, 9)
    letter = db.session.scalar(sa.select(FollowUpLetter).filter_by(number="8952/UBND-NC"))
    assert letter.signed_on == date(2017, 11, 10)
    html = _text(client.get("/vi/inspections/kiem-tra-cchc-kiem-soat-tthc-2017"))
    assert "156/KH-UBND" in html and "2418/KH-STC" in html  # the two remediation plans
    statuses = {row["Status"] for row in _csv(client.get("/en/inspections/findings?format=csv"))}
    assert statuses >= {"Done", "Overdue", "Open", "In progress"}
    assert "2026-02-13" in _text(client.get("/en/inspections/overdue?format=csv"))


def test_the_conclusions_headings_sit_under_its_section_heading(client, make_inspection):
    # The conclusion is under the page's "Conclusion" <h2>: its own headings start at <h3>.
    make_inspection(slug="ket-luan", conclusion_text_vi="# Kết luận\n\n### Tồn tại\n\nNội dung.")
    html = client.get("/vi/inspections/ket-luan").text
    prose = html.split('class="prose conclusion-text"')[1].split("</div>")[0]
    assert re.findall(r"<(h[1-6])>", prose) == ["h3", "h4"]
