"""Procedures: the import from the national database, the finder, exports and the page."""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pagetext import visible_text
from spreadsheet import shown

from portal.models import (
    Agency,
    DecisionAction,
    Procedure,
    ProcedureAgency,
    ProcedureDecision,
    ProcedureRevision,
    Sector,
    db,
)
from portal.procedures import importer

DATA = Path(__file__).parent / "data"
RECORDS = DATA / "tthc-records-sample.jsonl"
LIST = DATA / "tthc-list-sample.xlsx"


def _import(runner, *paths, dry_run=False):
    args = ["import", "procedures", *(str(p) for p in paths)]
    return runner.invoke(args=args + (["--dry-run"] if dry_run else []))


def _procedure(code):
    return db.session.scalar(sa.select(Procedure).filter_by(code=code))


def _count():
    return db.session.scalar(sa.select(sa.func.count(Procedure.id)))


def test_import_reads_records_and_list_exports(runner):
    result = _import(runner, RECORDS, LIST)
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[0]
        == "procedures: 31 created, 0 updated, 0 unchanged, 0 rejected"
    )
    tach_ho = _procedure("1.010038")
    assert tach_ho.name_vi == "Tách hộ"
    assert tach_ho.sector.name_vi == "Đăng ký, quản lý cư trú"
    assert tach_ho.levels == ["commune"]
    # "Công an cấp Xã" is every commune's police: kept as the record says, no one agency.
    assert tach_ho.agency_names["implementing"] == ["Công an cấp Xã"]
    assert tach_ho.agencies_in("implementing") == []
    assert [link.decision.number for link in tach_ho.decisions] == ["9354/QĐ-BCA-C06"]
    assert tach_ho.channels and tach_ho.documents and tach_ho.steps
    # A list row fills only what a list knows: name, field, agencies.
    listed = _procedure("1.115147")
    assert listed.name_vi == "Thủ tục áp dụng biện pháp bảo đảm đầu tư"
    assert listed.agency_names["implementing"] == [
        "Ban quản lý khu công nghiệp, khu kinh tế, khu chế xuất, khu công nghệ cao các tỉnh, "
        "thành phố",
        "Sở tài chính",
    ]
    assert listed.missing_parts() == [
        "steps",
        "channels",
        "documents",
        "processing_time",
        "fee",
        "applicant_types",
        "result",
        "legal_bases",
    ]


def test_second_import_changes_nothing_and_says_so(runner):
    _import(runner, RECORDS, LIST)
    before = db.session.scalar(sa.select(sa.func.count(ProcedureRevision.id)))
    result = _import(runner, RECORDS, LIST)
    assert (
        result.output.splitlines()[0]
        == "procedures: 0 created, 0 updated, 31 unchanged, 0 rejected"
    )
    assert db.session.scalar(sa.select(sa.func.count(ProcedureRevision.id))) == before


def test_a_changed_record_is_updated_with_a_revision(runner, tmp_path, client):
    _import(runner, RECORDS)
    lines = RECORDS.read_text(encoding="utf-8").splitlines()
    changed = []
    for line in lines:
        record = json.loads(line)
        if record["ma_thu_tuc"] == "1.010038":
            record["ten_thu_tuc"] = "Tách hộ gia đình"
            record["so_quyet_dinh"] = "1234/QĐ-BCA"
        changed.append(json.dumps(record, ensure_ascii=False))
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(changed), encoding="utf-8")
    result = _import(runner, path)
    assert (
        result.output.splitlines()[0]
        == "procedures: 0 created, 1 updated, 15 unchanged, 0 rejected"
    )
    revision = _procedure("1.010038").revisions[0]
    assert revision.kind == "updated"
    assert revision.changes == {"name_vi": ["Tách hộ", "Tách hộ gia đình"]}
    assert revision.decision_number == "1234/QĐ-BCA"
    assert revision.changed_by == "import: records.jsonl"
    html = client.get("/en/procedures/1.010038").get_data(as_text=True)
    history = html.split('id="history"')[1]
    assert "name: Tách hộ → Tách hộ gia đình" in history
    assert "decision 1234/QĐ-BCA" in history


def test_agencies_named_by_their_heads_or_in_stray_text_are_the_directory_s(
    runner, tmp_path, make_agency
):
    province = make_agency(slug="ubnd-tinh", name_vi="Ủy ban nhân dân tỉnh Cà Mau")
    justice = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp tỉnh Cà Mau")
    record = json.loads(RECORDS.read_text(encoding="utf-8").splitlines()[0])
    record["co_quan_thuc_hien"] = (
        "Giám đốc Sở Tư pháp, * Ký, ghi rõ họ tên, đóng dấu của cơ "
        "quan. Đối với bản sao, chứng thực theo mẫu: số"
    )
    record["co_quan_co_tham_quyen"] = "Chủ tịch Ủy ban nhân dân cấp tỉnh."
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert _import(runner, path).exit_code == 0
    procedure = _procedure(record["ma_thu_tuc"])
    assert procedure.agencies_in("implementing") == [justice]
    assert procedure.agencies_in("competent") == [province]
    names = db.session.scalars(sa.select(Agency.name_vi)).all()
    assert sorted(names) == ["Sở Tư pháp tỉnh Cà Mau", "Ủy ban nhân dân tỉnh Cà Mau"]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"ma_thu_tuc": "1.0x"},
            'line 2, field "ma_thu_tuc": code "1.0x" is not a national procedure code',
        ),
        ({"ten_thu_tuc": ""}, 'line 2, field "ten_thu_tuc": the procedure has no name'),
        ({"ten_thu_tuc": ["a", "b"]}, 'line 2, field "ten_thu_tuc": must be text, not a list'),
        ({"ma_thu_tuc": 1000232}, 'line 2, field "ma_thu_tuc": must be text, not a number'),
        (
            {"cach_thuc_thuc_hien": {}},
            'line 2, field "cach_thuc_thuc_hien": must be text, not an object',
        ),
        ({"linh_vuc": "Hộ\x00tịch"}, 'line 2, field "linh_vuc": contains a control character'),
        (
            {"trinh_tu_thuc_hien": "x" * 200_001},
            'line 2, field "trinh_tu_thuc_hien": is longer than 200,000 characters',
        ),
    ],
)
def test_a_bad_record_is_rejected_and_nothing_written(runner, tmp_path, change, message):
    lines = RECORDS.read_text(encoding="utf-8").splitlines()[:3]
    bad = json.loads(lines[1]) | change
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join([lines[0], json.dumps(bad, ensure_ascii=False), lines[2]]), encoding="utf-8"
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    assert f"bad.jsonl, {message}" in result.output
    assert "procedures: 2 created, 0 updated, 0 unchanged, 1 rejected (nothing written)" in (
        result.output
    )
    assert _count() == 0


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"ten_thu_tuc": NaN}', "NaN is not a number a record can hold"),
        ('{"ma_thu_tuc": ' + "9" * 5000 + "}", "a number longer than 18 digits"),
        ("[" * 100_000 + "]" * 100_000, "nested more than 20 levels deep"),
        (
            '{"ten_thu_tuc": "' + "x" * 2_000_001 + '"}',
            "the line is longer than 2,000,000 characters",
        ),
    ],
)
def test_a_line_no_record_could_be_is_refused_without_a_traceback(runner, tmp_path, line, message):
    lines = RECORDS.read_text(encoding="utf-8").splitlines()[:1]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([lines[0], line]), encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"bad.jsonl, line 2: not valid JSON ({message})" in result.output
    assert _count() == 0


def _damaged_workbook(tmp_path, how):
    """The sample list export with its sheet cut short, removed, or its bytes garbled."""
    path = tmp_path / f"{how}.xlsx"
    with zipfile.ZipFile(DATA / "tthc-list-sample.xlsx") as source:
        members = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    if how == "cut":
        members[sheet] = members[sheet][:200]
    if how == "no sheet":
        del members[sheet]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    if how == "garbled":
        data = bytearray(path.read_bytes())
        start = data.index(sheet.encode()) + 80  # inside the sheet's compressed bytes
        data[start : start + 40] = bytes(b ^ 0xFF for b in data[start : start + 40])
        path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "how, message",
    [
        ("cut", "cut.xlsx: not a valid .xlsx workbook"),
        ("garbled", "garbled.xlsx: not a valid .xlsx workbook"),
        ("no sheet", "no sheet.xlsx: the workbook has no sheet"),
    ],
)
def test_a_damaged_workbook_is_a_clear_error_not_a_traceback(runner, tmp_path, how, message):
    result = _import(runner, _damaged_workbook(tmp_path, how))
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and _count() == 0


def test_a_bad_list_export_names_file_row_and_column(runner):
    result = _import(runner, DATA / "tthc-list-bad.xlsx")
    assert result.exit_code == 1
    assert 'tthc-list-bad.xlsx, row 6, column "MÃ SỐ": code "1.01102"' in result.output
    assert "tthc-list-bad.xlsx, row 7, column" in result.output
    assert _count() == 0


def test_an_unreadable_file_is_a_clear_error(runner, tmp_path):
    fake = tmp_path / "list.xlsx"
    fake.write_text("not a workbook")
    other = tmp_path / "list.csv"
    other.write_text("a,b")
    result = _import(runner, fake, other)
    assert result.exit_code == 1
    assert "list.xlsx" in result.output and "list.csv: unknown file type" in result.output


def test_dry_run_validates_without_writing(runner):
    result = _import(runner, RECORDS, dry_run=True)
    assert result.output.splitlines()[0] == (
        "procedures: 16 created, 0 updated, 0 unchanged, 0 rejected (dry run: nothing written)"
    )
    assert _count() == 0


@pytest.fixture
def procedures(runner):
    """The real sample records, with two English names and one abolished procedure."""
    assert _import(runner, RECORDS, LIST).exit_code == 0
    importer.translate({"1.010038": "Separating a household"}, {"Thuế": "Tax"}, "test")
    importer.abolish("1.000771", "99/QĐ-UBND", replaced_by="1.000232")


def test_finder_counts_match_the_filtered_list(client, procedures):
    html = client.get("/en/procedures?level=commune").get_data(as_text=True)
    assert "3 procedures" in html
    level_facet = html.split('id="facet-level"')[1].split("</section>")[0]
    # Counts of other levels are shown with the level filter itself ignored.
    assert 'href="/en/procedures?level=ministry">Ministry level</a> <span class="count">11' in (
        level_facet
    )
    for code in ("1.010038", "1.013065", "1.007689"):
        assert f"/en/procedures/{code}" in html
    both = client.get("/en/procedures?level=commune&applicant=business").get_data(as_text=True)
    assert "2 procedures<" in both and "/en/procedures/1.007689" not in both


def test_finder_text_box_ignores_accents_and_case(client, procedures):
    html = client.get("/vi/procedures?q=TACH+HO").get_data(as_text=True)
    assert "1 thủ tục" in html and "/vi/procedures/1.010038" in html
    by_code = client.get("/vi/procedures?q=1.010038").get_data(as_text=True)
    assert "1 thủ tục" in by_code


def test_finder_rejects_values_that_cannot_be_right(client):
    response = client.get("/vi/procedures?level=galaxy&sort=random")
    assert response.status_code == 400
    assert (
        "“galaxy” không phải là giá trị hợp lệ của level. “random” không phải là giá trị "
        "hợp lệ của sort."
    ) in response.get_data(as_text=True)


def test_finder_filters_by_status_and_decision(client, procedures):
    abolished = client.get("/en/procedures?validity=abolished").get_data(as_text=True)
    assert "1 procedure<" in abolished and "/en/procedures/1.000771" in abolished
    decision = client.get("/en/procedures?decision=9354/QĐ-BCA-C06").get_data(as_text=True)
    assert "1 procedure<" in decision and "/en/procedures/1.010038" in decision


def test_csv_export_has_the_same_rows_as_the_page(client, procedures):
    response = client.get("/vi/procedures?level=commune&format=csv")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:])))
    # Vietnamese headers on /vi/; a code keeps the mark that makes it text (test_exports.py)
    assert sorted(shown(r["Mã số"]) for r in rows) == ["1.007689", "1.010038", "1.013065"]
    tach_ho = next(r for r in rows if shown(r["Mã số"]) == "1.010038")
    assert tach_ho["Tên (tiếng Anh)"] == "Separating a household"
    assert tach_ho["Cơ quan thực hiện"] == "Công an cấp Xã"
    assert list(tach_ho.values())[-1] == "http://localhost/vi/procedures/1.010038"


def test_json_export_follows_the_filters(client, procedures):
    response = client.get("/en/procedures?validity=abolished&format=json")
    assert [row["code"] for row in response.get_json()] == ["1.000771"]
    assert client.get("/en/procedures?format=xml").status_code == 400


def test_procedure_page_shows_every_part_for_a_citizen(client, procedures):
    html = client.get("/vi/procedures/1.010038").get_data(as_text=True)
    assert "<h1>Tách hộ</h1>" in html
    for heading in (
        "Giấy tờ cần mang theo",
        "Trình tự thực hiện",
        "Cách thức thực hiện",
        "Căn cứ pháp lý",
        "Lịch sử thay đổi",
    ):
        assert heading in html
    assert 'class="checklist"' in html
    assert "9354/QĐ-BCA-C06" in html
    assert 'href="tel:1022"' in html.split('id="help"')[1]


def test_english_page_falls_back_and_marks_it(client, procedures):
    translated = client.get("/en/procedures/1.010038").get_data(as_text=True)
    assert "<h1>Separating a household</h1>" in translated
    untranslated = client.get("/en/procedures/1.001294").get_data(as_text=True)
    assert '<h1><span lang="vi">Cấp lại thẻ bảo hiểm y tế' in untranslated
    assert "Not yet translated" in untranslated


def test_abolished_procedure_stays_with_a_banner(client, procedures):
    html = client.get("/en/procedures/1.000771").get_data(as_text=True)
    banner = html.split('class="banner banner-abolished"')[1].split("</div>")[0]
    assert "This procedure has been abolished." in banner
    assert "Abolished by decision 99/QĐ-UBND" in banner
    assert 'href="/en/procedures/1.000232"' in banner


def test_unknown_or_malformed_code_is_not_found(client):
    assert client.get("/vi/procedures/9.999999").status_code == 404
    assert client.get("/vi/procedures/%27%20OR%201=1").status_code == 404


def test_agency_page_counts_its_procedures_by_level(client, procedures):
    # "Công an tỉnh" (1.013065) and "Công an cấp Tỉnh" (three records) are one body.
    (police,) = [
        agency
        for agency in _procedure("1.013065").agencies_in("implementing")
        if agency.name_vi.startswith("Công an")
    ]
    handled = db.session.scalars(
        sa.select(Procedure)
        .join(ProcedureAgency)
        .where(ProcedureAgency.agency_id == police.id, ProcedureAgency.role == "implementing")
    ).all()
    assert len(handled) == 3
    html = client.get(f"/en/agencies/{police.slug}").get_data(as_text=True)
    assert "3 procedures in force are handled here" in html
    communes = sum(p.level_commune for p in handled)
    expected = (
        f'href="/en/procedures?agency={police.slug}&amp;level=commune">Commune level: {communes}<'
    )
    assert communes and expected in html


def test_sectors_are_created_once(runner):
    _import(runner, RECORDS)
    _import(runner, RECORDS)
    names = db.session.scalars(sa.select(Sector.name_vi)).all()
    assert len(names) == len(set(names))


def test_an_import_of_files_with_long_names_keeps_them_all(runner, tmp_path):
    long_name = tmp_path / ("danh-sach-thu-tuc-hanh-chinh-" * 8 + ".jsonl")
    shutil.copy(RECORDS, long_name)
    result = _import(runner, long_name, LIST)
    assert result.exit_code == 0, result.output
    revision = _procedure("1.010038").revisions[0]
    assert revision.changed_by == f"import: {long_name.name}, {LIST.name}"


def test_a_procedure_made_by_the_factory_shows_on_its_page_and_in_the_finder(
    client, make_procedure, make_sector, make_decision
):
    civil_status = make_sector(name_vi="Hộ tịch")
    decision = make_decision(number="1234/QĐ-UBND", signed_on=date(2024, 3, 1))
    birth = make_procedure(
        name_vi="Đăng ký khai sinh",
        sector=civil_status,
        decisions=[ProcedureDecision(decision=decision, action=DecisionAction.ANNOUNCED)],
    )
    other = make_procedure()
    page = visible_text(client.get(f"/vi/procedures/{birth.code}").get_data(as_text=True))
    assert f"Thủ tục hành chính › Hộ tịch Đăng ký khai sinh Mã thủ tục: {birth.code}" in page
    assert "Quyết định công bố Công bố: 1234/QĐ-UBND, 01/03/2024" in page
    found = visible_text(client.get("/vi/procedures?q=DANG+KY+khai+sinh").get_data(as_text=True))
    assert "Đăng ký khai sinh" in found and other.name_vi not in found
    by_code = visible_text(client.get(f"/vi/procedures?q={other.code}").get_data(as_text=True))
    assert other.name_vi in by_code and "Đăng ký khai sinh" not in by_code


def test_two_identical_imports_at_once_both_succeed_and_write_it_once(app, tmp_path):
    # Without one import at a time, the slower died on a duplicate key with a traceback.
    records = Path(__file__).resolve().parent.parent / "portal" / "demo_data" / "procedures.jsonl"
    env = {
        **os.environ,
        "FLASK_APP": "portal",
        "SECRET_KEY": "test",
        "TRUSTED_HOSTS": "localhost",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
    }
    flask = Path(sys.executable).with_name("flask")
    imports = [
        subprocess.Popen(
            [flask, "import", "procedures", str(records)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in imports]
    assert [run.returncode for run in imports] == [0, 0], outputs
    assert sorted(line.splitlines()[0] for line in outputs) == [
        "procedures: 0 created, 0 updated, 413 unchanged, 0 rejected",
        "procedures: 413 created, 0 updated, 0 unchanged, 0 rejected",
    ]
    assert _count() == 413


def test_a_procedure_is_dated_by_its_decision_not_by_its_import(app, make_procedure, make_decision):
    from portal.indexing.documents import to_document

    imported = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 2 December in Vietnam
    undated = make_procedure(updated_at=imported, imported_at=imported)
    assert to_document("procedure", undated).date is None  # was: the import's UTC day
    dated = make_procedure(updated_at=imported)
    decision = make_decision(signed_on=date(2025, 6, 30))
    db.session.add(
        ProcedureDecision(procedure_id=dated.id, decision=decision, action=DecisionAction.ANNOUNCED)
    )
    db.session.commit()
    db.session.refresh(dated)
    assert to_document("procedure", dated).date == date(2025, 6, 30)


def test_a_moment_is_shown_on_its_day_in_vietnam(client, make_procedure):
    imported = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    procedure = make_procedure(
        updated_at=imported, imported_at=imported, source_url="https://dichvucong.gov.vn/x"
    )
    text = visible_text(client.get(f"/vi/procedures/{procedure.code}").text)
    assert "lần đối chiếu gần nhất 02/12/2026" in text and "01/12/2026" not in text


def test_a_record_read_anew_is_a_rereading_not_a_change_of_the_source(runner, client):
    _import(runner, RECORDS)
    procedure = _procedure("1.010038")
    # As an older parser stored it: steps as bare strings, renumbered by the page.
    procedure.steps = [step["text"] for step in procedure.steps]
    db.session.commit()
    result = _import(runner, RECORDS)
    assert "1 re-read (record unchanged, read anew)" in result.output.splitlines()[0]
    revision = _procedure("1.010038").revisions[0]
    assert (revision.kind, list(revision.changes)) == ("reread", ["steps"])
    history = visible_text(client.get("/en/procedures/1.010038").text).split("Change history")[1]
    assert "Re-read: the national record is unchanged, the portal reads it better" in history


def test_a_changed_record_is_an_update(runner, tmp_path):
    _import(runner, RECORDS)
    lines = RECORDS.read_text(encoding="utf-8").splitlines()
    changed = [
        line.replace("Tách hộ", "Tách hộ gia đình", 1) if "1.010038" in line else line
        for line in lines
    ]
    path = tmp_path / "changed.jsonl"
    path.write_text("\n".join(changed), encoding="utf-8")
    _import(runner, path)
    assert _procedure("1.010038").revisions[0].kind == "updated"


def test_the_finder_sorts_by_the_name_it_shows(client, make_procedure):
    make_procedure(code="1.000001", name_vi="Xác nhận tình trạng", name_en="Apple status check")
    make_procedure(code="1.000002", name_vi="Bán nhà ở cũ")
    make_procedure(code="1.000003", name_vi="Cấp giấy phép", name_en="Zebra permit")

    def order(lang):
        html = client.get(f"/{lang}/procedures?sort=name").get_data(as_text=True)
        return re.findall(rf'href="/{lang}/procedures/(1\.\d+)"', html)

    assert order("vi") == ["1.000002", "1.000003", "1.000001"]  # Bán, Cấp, Xác
    assert order("en") == ["1.000001", "1.000002", "1.000003"]  # Apple, Bán (untranslated), Zebra


def test_the_english_export_names_sectors_in_english(client, procedures):
    def sectors(lang):
        body = client.get(f"/{lang}/procedures?format=csv").get_data(as_text=True)
        header = {"en": "Field", "vi": "Lĩnh vực"}[lang]
        return {row[header] for row in csv.DictReader(io.StringIO(body[1:]))}

    assert "Tax" in sectors("en") and "Thuế" not in sectors("en")
    assert "Thuế" in sectors("vi")
