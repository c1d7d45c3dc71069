"""Staff add the province's part to a national procedure record (English texts, a local
note, the body that processes it here, the number to call); visitors see it once published."""

import json
from pathlib import Path

import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text

from portal.models import (
    AuditEvent,
    ContentVersion,
    Procedure,
    ProcedureAgency,
    ProcedureLocal,
    ProcedureRevision,
    db,
)
from portal.procedures import importer

DATA = Path(__file__).parent / "data"


def _post(client, url, **fields):
    fields["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=fields)


def _implemented_by(make_procedure, agency, **values):
    procedure = make_procedure(**values)
    procedure.agencies.append(ProcedureAgency(agency=agency, role="implementing"))
    db.session.commit()
    return procedure


def _fields(**fields):
    values = {
        "name_en": "Registering a birth",
        "note_vi": "Nộp hồ sơ tại **Trung tâm Phục vụ hành chính công** tỉnh, mở cửa từ 7 giờ.",
        "note_en": "Apply at the province's **Public Administration Service Centre**, "
        "open from 7am.",
        "agency_id": "",
        "hotline_id": "",
        "action": "publish",
    }
    return {**values, **fields}


def _local(procedure):
    return db.session.scalar(sa.select(ProcedureLocal).filter_by(procedure_id=procedure.id))


def test_an_officer_publishes_the_province_s_part_and_visitors_see_it(
    app, client, sign_in, make_agency, make_hotline, make_procedure, index
):
    agency = make_agency(name_vi="Sở Tư pháp", name_en="Department of Justice")
    hotline = make_hotline(agency=agency, phone="0290 3822 555")
    other = make_hotline(agency=agency, phone="0290 3822 111")
    procedure = _implemented_by(make_procedure, agency, name_vi="Đăng ký khai sinh")
    sign_in("officer", agency)
    url = f"/vi/admin/procedures/{procedure.code}"
    answer = _post(client, url, **_fields(agency_id=str(agency.id), hotline_id=str(hotline.id)))
    assert answer.status_code == 303, visible_text(answer.text)
    local = _local(procedure)
    assert local.status == "published" and local.translation_status == "up_to_date"
    assert procedure.name_en == "Registering a birth"
    version = db.session.scalar(
        sa.select(ContentVersion).filter_by(record=f"procedure_local:{local.id}")
    )
    assert version.fields["hotline_id"] == hotline.id

    visitor = app.test_client()
    page = visible_text(visitor.get(f"/vi/procedures/{procedure.code}").text)
    assert "Tại tỉnh Cà Mau" in page
    assert "Nộp hồ sơ tại Trung tâm Phục vụ hành chính công tỉnh, mở cửa từ 7 giờ." in page
    assert "Nơi giải quyết tại địa phương: Sở Tư pháp" in page
    # The number the province names comes first among the numbers to call.
    assert page.index("0290 3822 555") < page.index("0290 3822 111") and other.phone in page
    # The public history says what changed, by which role (never by whom).
    assert "Phần của tỉnh được thay đổi" in page
    assert "do cán bộ cơ quan công bố" in page
    assert "officer1@camau.gov.vn" not in page

    english = visible_text(visitor.get(f"/en/procedures/{procedure.code}").text)
    assert "Registering a birth" in english
    assert "Apply at the province's Public Administration Service Centre, open from 7am." in english
    assert "Processed here by: Department of Justice" in english
    found = visible_text(visitor.get("/en/procedures?q=registering").text)
    assert "Registering a birth" in found


def test_a_draft_shows_nowhere_public_and_opening_the_form_stores_nothing(
    client, sign_in, make_agency, make_procedure
):
    procedure = make_procedure(name_vi="Đăng ký kết hôn", name_en="Marriage registration")
    sign_in("editor")
    url = f"/vi/admin/procedures/{procedure.code}"
    form = client.get(url)
    assert form.status_code == 200
    assert 'value="Marriage registration"' in form.text  # starts from the record's English
    assert db.session.scalar(sa.select(sa.func.count(ProcedureLocal.id))) == 0
    preview = _post(client, url, **_fields(action="preview"))
    assert preview.status_code == 200
    assert "<strong>Trung tâm Phục vụ hành chính công</strong>" in preview.text
    assert db.session.scalar(sa.select(sa.func.count(ProcedureLocal.id))) == 0
    assert _post(client, url, **_fields(action="submit")).status_code == 303
    assert _local(procedure).status == "in_review"
    assert procedure.name_en == "Marriage registration"  # not public: the record is unchanged
    page = visible_text(client.get(f"/vi/procedures/{procedure.code}").text)
    assert "Trung tâm Phục vụ hành chính công" not in page
    assert "Registering a birth" not in visible_text(
        client.get(f"/en/procedures/{procedure.code}").text
    )


def test_an_officer_of_another_agency_may_neither_read_nor_change_it(
    client, sign_in, make_agency, make_procedure
):
    mine, theirs = make_agency(name_vi="Sở Tư pháp"), make_agency(name_vi="Sở Y tế")
    ours = _implemented_by(make_procedure, mine, name_vi="Chứng thực bản sao")
    other = _implemented_by(make_procedure, theirs, name_vi="Cấp giấy phép hành nghề")
    sign_in("officer", mine)
    listed = visible_text(client.get("/vi/admin/procedures").text)
    assert "Chứng thực bản sao" in listed and "Cấp giấy phép hành nghề" not in listed
    url = f"/vi/admin/procedures/{other.code}"
    assert client.get(url).status_code == 403
    token = csrf_token(client, f"/vi/admin/procedures/{ours.code}")
    refused = client.post(url, data={**_fields(), "csrf_token": token})
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ProcedureLocal.id))) == 0
    refusals = db.session.scalars(sa.select(AuditEvent).filter_by(kind="access.refused")).all()
    assert len(refusals) == 2
    assert client.get(f"/vi/admin/procedures/{ours.code}").status_code == 200
    # Nor may an officer name another agency as the body that processes it here.
    answer = _post(client, f"/vi/admin/procedures/{ours.code}", **_fields(agency_id=str(theirs.id)))
    assert answer.status_code == 400 and _local(ours) is None


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    client, sign_in, make_procedure
):
    procedure = make_procedure()
    sign_in("editor")
    url = f"/vi/admin/procedures/{procedure.code}"
    answer = _post(client, url, **_fields(note_vi="", note_en="Only English"))
    assert answer.status_code == 400
    assert "Hãy viết ghi chú tiếng Việt trước" in visible_text(answer.text)
    assert 'value="Registering a birth"' in answer.text  # what was typed is kept
    answer = _post(client, url, **_fields(conditions_en="Must be over 18"))
    assert answer.status_code == 400
    assert "Hồ sơ quốc gia không nêu điều kiện nào để dịch." in visible_text(answer.text)
    assert _post(client, url, **_fields(hotline_id="999999")).status_code == 400
    assert _post(client, url, **_fields(hotline_id="abc")).status_code == 400
    assert _post(client, url, **_fields(note_vi="x" * 5001)).status_code == 400
    assert _post(client, url, **_fields(action="delete")).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ProcedureLocal.id))) == 0
    assert client.get("/vi/admin/procedures/1.999999").status_code == 404
    assert client.get("/vi/admin/procedures?local=bogus").status_code == 400


def test_the_english_reads_outdated_when_the_vietnamese_changes(client, sign_in, make_procedure):
    procedure = make_procedure(name_vi="Đăng ký khai sinh")
    sign_in("editor")
    url = f"/vi/admin/procedures/{procedure.code}"
    assert _post(client, url, **_fields()).status_code == 303
    assert 'role="note"' not in client.get(f"/en/procedures/{procedure.code}").text
    changed = _fields(note_vi="Nộp hồ sơ tại Bộ phận một cửa cấp xã.")
    assert _post(client, url, **changed).status_code == 303
    assert _local(procedure).translation_status == "outdated"
    english = visible_text(client.get(f"/en/procedures/{procedure.code}").text)
    assert "The Vietnamese text was updated on" in english
    # Saying the English still matches makes it up to date again.
    assert _post(client, url, **changed, english_checked="y").status_code == 303
    assert _local(procedure).translation_status == "up_to_date"
    assert (
        "The Vietnamese text was updated on"
        not in client.get(f"/en/procedures/{procedure.code}").text
    )


def test_an_import_that_changes_the_vietnamese_name_marks_the_english_outdated(
    client, runner, sign_in, tmp_path
):
    records = DATA / "tthc-records-sample.jsonl"
    assert runner.invoke(args=["import", "procedures", str(records)]).exit_code == 0
    procedure = db.session.scalar(sa.select(Procedure).filter_by(code="1.010038"))
    sign_in("editor")
    answer = _post(
        client, "/vi/admin/procedures/1.010038", **_fields(name_en="Splitting a household")
    )
    assert answer.status_code == 303
    # The demo's English names do not overrule the province's published one.
    importer.translate({"1.010038": "Separating a household"}, {}, "test")
    assert procedure.name_en == "Splitting a household"
    changed = tmp_path / "changed.jsonl"
    lines = []
    for line in records.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["ma_thu_tuc"] == "1.010038":
            record["ten_thu_tuc"] = "Tách hộ gia đình"
            lines.append(json.dumps(record, ensure_ascii=False))
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", "procedures", str(changed)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _local(procedure).translation_status == "outdated"
    english = visible_text(client.get("/en/procedures/1.010038").text)
    assert "The Vietnamese text was updated on" in english
    assert "Splitting a household" in english


def test_only_published_hotlines_are_offered_on_a_procedure_page(
    client, make_agency, make_hotline, make_procedure
):
    agency = make_agency()
    procedure = _implemented_by(make_procedure, agency)
    make_hotline(agency=agency, phone="0290 3000 001")
    make_hotline(agency=agency, phone="0290 3000 002", status="draft")
    make_hotline(agency=agency, phone="0290 3000 003", status="withdrawn")
    page = visible_text(client.get(f"/vi/procedures/{procedure.code}").text)
    assert "0290 3000 001" in page
    assert "0290 3000 002" not in page and "0290 3000 003" not in page
    assert db.session.scalar(sa.select(sa.func.count(ProcedureRevision.id))) == 0
