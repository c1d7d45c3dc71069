"""Downloads a spreadsheet reads right: headers and values in the page's language, a name that
says what the file holds, and no cell turned into a number or a formula."""

import io
import re
import shutil
import subprocess
from datetime import date, datetime

import openpyxl
import pytest
from spreadsheet import csv_rows, reads_as, shown

from portal import downloads
from portal.models import FindingStatus, Level, Topic

FINDING_HEADERS = [
    "Inspection",
    "Year",
    "Inspection plan",
    "Conclusion number",
    "Finding number",
    "Reference",
    "Inspected unit",
    "Topic",
    "Finding",
    "Recommendation",
    "Responsible",
    "Deadline",
    "Status",
    "Resolved on",
    "Outcome",
    "Working days late",
    "Working days overdue",
    "Last follow-up",
    "Date of the last follow-up",
    "Page on this portal",
]


@pytest.fixture
def findings(make_plan, make_inspection, make_agency, make_finding, make_follow_up):
    """Two findings of a 2017 inspection of the Department of Finance: one fixed on time,
    one overdue since 2018 (a formula-like text in it), and one of another year's."""
    finance = make_agency(
        slug="so-tai-chinh", name_vi="Sở Tài chính", name_en="Department of Finance"
    )
    inspection = make_inspection(
        plan=make_plan(number="12/2017"),  # a date, to a spreadsheet
        title_vi="Kiểm tra CCHC năm 2017",
        title_en="Reform inspection 2017",
        conclusion_number="215/TB-UBND",
    )
    done = make_finding(
        inspection=inspection,
        agency=finance,
        ref="1.2",  # a number (or a date), to a spreadsheet
        topic=Topic.ONE_STOP,
        text_en="Documents were asked twice.",
        deadline=date(2017, 12, 29),
        status=FindingStatus.DONE,
        resolved_on=date(2017, 12, 20),
    )
    make_follow_up(finding=done, text_vi="Đã khắc phục xong.", text_en="Fixed.")
    make_finding(
        inspection=inspection,
        agency=finance,
        ref="tb-2",
        text_vi='=HYPERLINK("http://evil.example","Xem")',
        recommendation_vi="- Niêm yết lại; + rà soát",
        deadline=date(2018, 3, 30),
    )
    make_finding(
        inspection=make_inspection(started_on=date(2019, 6, 19), ended_on=date(2019, 6, 21))
    )
    return finance


def test_the_findings_export_says_everything_the_page_says_in_english(client, findings):
    response = client.get("/en/inspections/findings?year=2017&format=csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="findings-2017-en.csv"'
    body = response.get_data(as_text=True)
    assert body.splitlines()[0] == "\ufeff" + ",".join(FINDING_HEADERS)
    done, overdue = csv_rows(response)
    assert {key: shown(value) for key, value in done.items()} | {"Page on this portal": ""} == {
        "Inspection": "Reform inspection 2017",
        "Year": "2017",
        "Inspection plan": "12/2017",
        "Conclusion number": "215/TB-UBND",
        "Finding number": "1",
        "Reference": "1.2",
        "Inspected unit": "Department of Finance",
        "Topic": "One-stop shop",
        "Finding": "Documents were asked twice.",
        "Recommendation": "Niêm yết đầy đủ thủ tục hành chính.",
        "Responsible": "Department of Finance",
        "Deadline": "2017-12-29",
        "Status": "Done",
        "Resolved on": "2017-12-20",
        "Outcome": "Fixed on time",
        "Working days late": "0",
        "Working days overdue": "",
        "Last follow-up": "Fixed.",
        "Date of the last follow-up": "2017-12-20",
        "Page on this portal": "",
    }
    assert done["Page on this portal"].startswith("http://localhost/en/inspections/kiem-tra-")
    assert (overdue["Finding number"], overdue["Status"], overdue["Outcome"]) == (
        "2",
        "Overdue",
        "Still open",
    )
    assert int(overdue["Working days late"]) == int(overdue["Working days overdue"]) > 1000


def test_the_findings_export_is_in_vietnamese_on_vi_and_json_keeps_its_keys(client, findings):
    response = client.get("/vi/inspections/findings?year=2017&unit=so-tai-chinh&format=csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="findings-2017-so-tai-chinh-vi.csv"'
    )
    done, overdue = csv_rows(response)
    assert list(done)[:2] == ["Đợt kiểm tra", "Năm"]
    assert (done["Tình trạng"], done["Kết quả"], done["Nội dung kiểm tra"]) == (
        "Đã khắc phục",
        "Khắc phục đúng hạn",
        "Cơ chế một cửa, một cửa liên thông",
    )
    assert (done["Thời hạn khắc phục"], done["Số ngày làm việc trễ hạn"]) == ("2017-12-29", "0")
    assert (overdue["Tình trạng"], overdue["Kết quả"]) == ("Quá hạn", "Chưa khắc phục xong")
    data = client.get("/vi/inspections/findings?year=2017&unit=so-tai-chinh&format=json")
    assert data.headers["Content-Disposition"].endswith(
        'filename="findings-2017-so-tai-chinh-vi.json"'
    )
    first = data.get_json()[0]
    assert (first["status"], first["topic"], first["outcome"], first["ref"]) == (
        "done",
        "one_stop",
        "on_time",
        "1.2",
    )
    assert (first["number"], first["working_days_late"], first["plan"]) == (1, 0, "12/2017")


def test_no_cell_is_a_formula_to_a_spreadsheet_and_json_keeps_the_text(client, findings):
    formula = '=HYPERLINK("http://evil.example","Xem")'
    for lang in ("vi", "en"):
        rows = csv_rows(client.get(f"/{lang}/inspections/overdue?format=csv"))
        cells = [cell for row in rows for cell in row.values()]
        assert [reads_as(cell)[0] for cell in cells if reads_as(cell)[0] == "formula"] == []
        row = rows[0]
        assert formula in {shown(cell) for cell in row.values()}
        assert "- Niêm yết lại; + rà soát" in {shown(cell) for cell in row.values()}
    # Without the mark the reader sees the formulas: the check above can fail.
    assert reads_as(formula) == ("formula", formula)
    assert reads_as("- Niêm yết lại")[0] == "formula" and reads_as("-5") == ("number", -5)
    (raw,) = client.get("/en/inspections/overdue?format=json").get_json()
    assert raw["finding"] == formula  # JSON is for programs: the text as it is


def test_procedure_codes_and_document_numbers_stay_text(client, findings, make_procedure):
    make_procedure(code="1.013950", name_vi="Đăng ký khai sinh")
    for lang in ("vi", "en"):
        (procedure,) = csv_rows(client.get(f"/{lang}/procedures?format=csv"))
        code = procedure["Mã số" if lang == "vi" else "Code"]
        for locale in ("en", "vi"):
            assert reads_as(code, locale) == ("text", code)
        assert shown(code) == "1.013950"
        finding = csv_rows(client.get(f"/{lang}/inspections/findings?year=2017&format=csv"))[0]
        for cell in list(finding.values())[2:6]:  # plan, conclusion, number, reference
            if not cell.isdigit():
                assert reads_as(cell, "en")[0] == reads_as(cell, "vi")[0] == "text"
    # What the mark prevents: "1.013950" is 1.01395 in English and 1013950 in Vietnamese.
    assert reads_as("1.013950", "en") == ("number", 1.01395)
    assert reads_as("1.013950", "vi") == ("number", 1013950)
    assert client.get("/en/procedures?format=json").get_json()[0]["code"] == "1.013950"


def test_procedure_values_are_labelled_in_the_pages_language(client, make_procedure):
    make_procedure(
        level_province=True,
        level_commune=True,
        applicant_types=["Công dân Việt Nam", "Doanh nghiệp"],
        online_level="partial",
    )
    response = client.get("/vi/procedures?format=csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="procedures-vi.csv"'
    (vi,) = csv_rows(response)
    assert vi["Tình trạng"] == "Còn hiệu lực"
    assert vi["Dịch vụ trực tuyến"] == "Có thể nộp hồ sơ trực tuyến"
    assert vi["Cấp thực hiện"] == "Cấp tỉnh; Cấp xã"
    (en,) = csv_rows(client.get("/en/procedures?format=csv"))
    assert (en["Status"], en["Level"], en["Who applies"]) == (
        "In force",
        "Province level; Commune level",
        "Vietnamese citizens; Businesses",
    )
    (raw,) = client.get("/en/procedures?format=json").get_json()
    assert (raw["validity"], raw["levels"], raw["online_level"]) == (
        "in_force",
        "province commune",
        "partial",
    )


def test_the_answers_export_says_yes_or_no_and_names_its_filters(
    client, make_agency, make_feedback
):
    justice = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp", level=Level.PROVINCE)
    make_feedback(published=True, agency=justice, received_on=date(2017, 3, 1),
                  answered_on=date(2017, 3, 3), published_on=date(2017, 3, 6),
                  channel="hotline")  # fmt: skip
    response = client.get("/en/feedback?year=2017&format=json")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="feedback-answers-2017-en.json"'
    )
    assert response.get_json()[0]["within_target"] is True
    response = client.get("/vi/feedback?year=2017&agency=so-tu-phap&format=csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="feedback-answers-2017-so-tu-phap-vi.csv"'
    )
    (vi,) = csv_rows(response)
    assert (vi["Trong thời hạn"], vi["Tiếp nhận qua"]) == ("Có", "đường dây nóng")
    (en,) = csv_rows(client.get("/en/feedback?format=csv"))
    assert (en["Within the target"], en["Received through"]) == ("Yes", "the hotline")


def test_inspection_topics_are_labelled_and_the_name_says_the_unit(client, findings):
    response = client.get("/vi/inspections?unit=so-tai-chinh&format=csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="inspections-so-tai-chinh-vi.csv"'
    )
    (row,) = csv_rows(response)
    assert row["Kế hoạch kiểm tra"] == "\u200b12/2017"  # not 1 December 2017
    assert client.get("/en/inspections/overdue?format=csv").headers["Content-Disposition"] == (
        'attachment; filename="overdue-en.csv"'
    )


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize(
    ("language", "evaluate"),
    [(1033, "false"), (1033, "true"), (1066, "false")],
    ids=["en-US", "en-US-formulas-evaluated", "vi-VN"],
)
def test_libreoffice_opens_the_csv_with_codes_as_text_and_no_formula(
    client, findings, make_procedure, tmp_path, language, evaluate
):
    """LibreOffice converts the downloads to xlsx headless, with the CSV import's options a
    person would choose (UTF-8, comma, the locale); openpyxl reads the cells back."""
    openpyxl = pytest.importorskip("openpyxl")
    make_procedure(code="1.013950", name_vi="Đăng ký khai sinh")
    files = {
        "procedures": "/en/procedures?format=csv",
        "overdue": "/en/inspections/overdue?format=csv",
        "findings": "/en/inspections/findings?year=2017&format=csv",
    }
    for name, url in files.items():
        (tmp_path / f"{name}.csv").write_bytes(client.get(url).get_data())
    # separator, quote, UTF-8, first line, column types, locale, quoted as text, special
    # numbers, (export options x4), evaluate formulas
    options = f"CSV:44,34,76,1,,{language},false,false,false,false,false,-1,{evaluate}"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         f"--infilter={options}", "--convert-to", "xlsx", "--outdir", str(tmp_path),
         *(str(tmp_path / f"{name}.csv") for name in files)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip

    def sheet(name):
        rows = list(openpyxl.load_workbook(tmp_path / f"{name}.xlsx").active.iter_rows())
        headers = [cell.value for cell in rows[0]]
        return [dict(zip(headers, row, strict=True)) for row in rows[1:]]

    (procedure,) = sheet("procedures")
    assert (procedure["Code"].data_type, procedure["Code"].value) == ("s", "\u200b1.013950")
    (overdue,) = sheet("overdue")
    assert overdue["Finding"].data_type == "s"  # text, never a formula
    assert overdue["Finding"].value == '\u200b=HYPERLINK("http://evil.example","Xem")'
    done = sheet("findings")[0]
    assert done["Reference"].value == "\u200b1.2"
    assert done["Inspection plan"].value == "\u200b12/2017"
    assert done["Deadline"].value == datetime(2017, 12, 29)  # a date stays a date
    assert done["Working days late"].value == 0  # and a count a number


def _workbook(answer):
    assert answer.status_code == 200 and answer.mimetype == downloads.XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    return [list(row) for row in sheet.iter_rows()]


def test_the_workbooks_have_typed_cells_codes_as_text_and_days_as_dates(
    client, findings, make_procedure
):
    make_procedure(code="1.013950", name_vi="Đăng ký khai sinh")
    answer = client.get("/en/procedures?format=xlsx")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="procedures-en.xlsx"'
    header, procedure = _workbook(answer)
    assert header[0].value == "Code" and header[0].font.b
    assert (procedure[0].value, procedure[0].data_type, procedure[0].number_format) == (
        "1.013950",
        "s",
        "@",
    )
    answer = client.get("/vi/inspections/findings?year=2017&format=xlsx")
    assert 'filename="findings-2017-vi.xlsx"' in answer.headers["Content-Disposition"]
    header, *rows = _workbook(answer)
    names = [cell.value for cell in header]
    assert len(rows) == 2 and "Thời hạn khắc phục" in names
    deadline = rows[0][names.index("Thời hạn khắc phục")]
    assert deadline.is_date and deadline.value.date() == date(2017, 12, 29)
    assert deadline.number_format == "dd/mm/yyyy"
    formula = [
        row for row in rows if "HYPERLINK" in str(row[names.index("Hạn chế, thiếu sót")].value)
    ]
    assert formula and formula[0][names.index("Hạn chế, thiếu sót")].data_type == "s"  # not "f"
    assert client.get("/vi/inspections?format=xlsx").status_code == 400  # no workbook there
    assert client.get("/en/inspections/overdue?format=xlsx").status_code == 200


def test_an_inspection_page_downloads_its_own_findings(client, findings):
    page = client.get("/en/inspections/kiem-tra-1").text
    assert 'href="/en/inspections/kiem-tra-1?format=csv">CSV</a>' in page
    answer = client.get("/en/inspections/kiem-tra-1?format=csv")
    assert 'filename="findings-kiem-tra-1-en.csv"' in answer.headers["Content-Disposition"]
    rows = csv_rows(answer)
    assert len(rows) == 2 and {row["Inspection"] for row in rows} == {"Reform inspection 2017"}
    other = client.get("/vi/inspections/kiem-tra-2?format=json").get_json()
    assert len(other) == 1 and other[0]["year"] != 2017
    assert _workbook(client.get("/vi/inspections/kiem-tra-1?format=xlsx"))[0][0].value
    assert client.get("/vi/inspections/kiem-tra-1?format=atom").status_code == 400


def test_the_hotline_directory_downloads_in_the_page_s_order_and_language(
    client, make_agency, make_hotline, index
):
    justice = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp", name_en="Department of Justice")
    make_hotline(agency=justice, phone="0290 3822 111", purpose_vi="Hộ tịch")
    make_hotline(agency=justice, phone="1022", purpose_vi="Đường dây nóng của tỉnh", is_main=True)
    rows = csv_rows(client.get("/vi/hotlines?format=csv"))
    assert [row["Điện thoại"] for row in rows] == ["\u200b1022", "\u200b0290 3822 111"]
    assert rows[0]["Đường dây nóng chính của tỉnh"] == "Có"
    answer = client.get("/en/hotlines?q=ho+tich&format=json")
    assert 'filename="hotlines-en.json"' in answer.headers["Content-Disposition"]
    assert [row["phone"] for row in answer.get_json()] == ["0290 3822 111"]
    assert 'href="/vi/hotlines?format=csv">CSV</a>' in client.get("/vi/hotlines").text
    assert client.get("/vi/hotlines?format=xml").status_code == 400


def test_the_announcements_download_as_the_list_shows_them(client, make_announcement):
    make_announcement(slug="lich", title_vi="Lịch tiếp dân", title_en="Reception days",
                      body_vi="=Nội dung", published_on=date(2017, 11, 23))  # fmt: skip
    make_announcement(slug="nham", title_vi="Đăng nhầm", status="withdrawn",
                      published_on=date(2017, 11, 20))  # fmt: skip
    make_announcement(slug="nhap", title_vi="Bản nháp", status="draft")
    rows = csv_rows(client.get("/vi/announcements?format=csv"))
    assert [(r["Tiêu đề (tiếng Việt)"], r["Tình trạng"]) for r in rows] == [
        ("Lịch tiếp dân", "Đã đăng"),
        ("Đăng nhầm", "Đã thu hồi"),
    ]
    assert rows[0]["Nội dung (tiếng Việt)"] == "\u200b=Nội dung"  # never a formula
    answer = client.get("/en/announcements?format=json")
    assert 'filename="announcements-en.json"' in answer.headers["Content-Disposition"]
    assert [row["title_en"] for row in answer.get_json()] == ["Reception days", ""]


def test_the_agencies_download_with_those_that_ceased_and_who_took_over(client, make_agency, index):
    province = make_agency(slug="ubnd-tinh", name_vi="UBND tỉnh")
    new = make_agency(slug="so-nong-nghiep-va-moi-truong", name_vi="Sở Nông nghiệp và Môi trường",
                      parent=province, phone="0290 3831 000")  # fmt: skip
    make_agency(slug="so-tai-nguyen", name_vi="Sở Tài nguyên và Môi trường",
                valid_until=date(2025, 3, 1), successor=new)  # fmt: skip
    rows = {row["Mã định danh"]: row for row in csv_rows(client.get("/vi/agencies?format=csv"))}
    assert set(rows) == {"ubnd-tinh", "so-nong-nghiep-va-moi-truong", "so-tai-nguyen"}
    assert rows["so-tai-nguyen"]["Ngày thôi tồn tại"] == "2025-03-01"
    assert rows["so-tai-nguyen"]["Cơ quan tiếp nhận nhiệm vụ"] == "Sở Nông nghiệp và Môi trường"
    assert rows["so-nong-nghiep-va-moi-truong"]["Trực thuộc"] == "UBND tỉnh"
    assert rows["so-nong-nghiep-va-moi-truong"]["Điện thoại"] == "\u200b0290 3831 000"
    answer = client.get("/en/agencies?q=moi+truong&format=json")
    assert 'filename="agencies-en.json"' in answer.headers["Content-Disposition"]
    assert {row["slug"] for row in answer.get_json()} == {
        "so-nong-nghiep-va-moi-truong",
        "so-tai-nguyen",
    }


def test_a_search_downloads_its_first_results_in_its_order(
    client, make_procedure, make_announcement, index, monkeypatch
):
    make_procedure(code="1.001193", name_vi="Đăng ký khai sinh")
    make_procedure(name_vi="Đăng ký khai sinh lưu động")
    make_announcement(title_vi="Hướng dẫn đăng ký khai sinh trực tuyến")
    from portal.indexing import sync

    sync.sync()
    page = client.get("/vi/search?q=dang+ky+khai+sinh").text
    shown = re.findall(r'<h3><a href="(/vi/[^"]+)"', page)
    rows = csv_rows(client.get("/vi/search?q=dang+ky+khai+sinh&format=csv"))
    assert [
        row["Trang trên cổng thông tin"].replace("http://localhost", "") for row in rows
    ] == shown
    assert {row["Loại"] for row in rows} == {"Thủ tục hành chính", "Thông báo"}
    answer = client.get("/en/search?q=dang+ky+khai+sinh&type=procedure&format=json")
    assert 'filename="search-procedure-en.json"' in answer.headers["Content-Disposition"]
    assert [row["rank"] for row in answer.get_json()] == [1, 2]
    monkeypatch.setattr("portal.search.queries.EXPORTED", 2)  # a page of the engine at a time
    assert len(csv_rows(client.get("/vi/search?q=dang+ky+khai+sinh&format=csv"))) == 2
    assert client.get("/vi/search?format=csv").status_code == 400
