"""The staff dashboard and the audit trail's page (admins only, filters, CSV)."""

import csv
import io

import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text
from spreadsheet import reads_as

from portal import audit
from portal.models import AuditEvent, db


def _event(kind, actor, on=None, **details):
    event = audit.record(kind, actor, on=on, address="203.0.113.9", **details)
    db.session.commit()
    return event


def test_only_admins_read_the_audit_trail_and_a_refusal_is_recorded(client, sign_in):
    editor = sign_in("editor")
    answer = client.get("/en/admin/audit")
    assert answer.status_code == 403
    assert "You may not do this" in visible_text(answer.text)
    refusal = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "access.refused"))
    assert refusal.actor == editor.email and refusal.details["action"] == "read_audit"
    assert "Content-Security-Policy" in answer.headers  # the security headers, on a 403 too


def test_the_audit_trail_filters_by_person_record_kind_and_day(client, sign_in):
    sign_in("admin")
    _event("announcement.published", "lan@camau.gov.vn", on="announcement:7")
    _event("login.failed", "mallory@example.org", reason="wrong")
    page = visible_text(client.get("/vi/admin/audit").text)
    assert "announcement.published" in page and "mallory@example.org" in page
    only = visible_text(client.get("/vi/admin/audit?kind=login.").text)
    assert "mallory@example.org" in only and "announcement:7" not in only
    assert "mallory" not in client.get("/vi/admin/audit?record=announcement:7").text
    assert "announcement:7" not in client.get("/vi/admin/audit?actor=MALLORY").text
    assert "mallory" not in client.get("/vi/admin/audit?end=2020-01-01").text
    assert "mallory" in client.get("/vi/admin/audit?start=2020-01-01").text
    bad = client.get("/vi/admin/audit?start=03/12/2026")
    assert bad.status_code == 400 and "2026-12-03" in visible_text(bad.text)


def test_the_audit_download_is_csv_a_spreadsheet_cannot_run(client, sign_in):
    sign_in("admin")
    _event("login.failed", '=HYPERLINK("http://evil")', reason="wrong")
    answer = client.get("/vi/admin/audit?kind=login.failed&format=csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    # The cell keeps its text, behind a zero-width space a spreadsheet cannot run.
    assert [row["Người thực hiện"] for row in rows] == ['\u200b=HYPERLINK("http://evil")']
    assert reads_as(rows[0]["Người thực hiện"]) == ("text", '\u200b=HYPERLINK("http://evil")')
    assert rows[0]["Chi tiết"] == '{"reason": "wrong"}' and rows[0]["Địa chỉ"] == "203.0.113.9"
    assert 'filename="audit-vi.csv"' in answer.headers["Content-Disposition"]
    downloaded = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.kind == "audit.downloaded")
    )
    assert downloaded.details["filters"]["kind"] == "login.failed"


def test_the_dashboard_shows_what_waits_for_review(client, sign_in):
    sign_in("editor")
    token = csrf_token(client, "/vi/admin/announcements/new")
    client.post(
        "/vi/admin/announcements/new",
        data={
            "csrf_token": token,
            "title_vi": "Chờ duyệt",
            "body_vi": "Nội dung.",
            "agency_id": "None",
            "action": "submit",
        },
    )
    page = visible_text(client.get("/vi/admin").text)
    assert "Chờ duyệt (1)" in page
    assert "Nhật ký" not in page  # the audit trail is for admins


def test_the_dashboard_lists_every_content_type_in_review_scheduled_or_outdated(
    client, sign_in, make_agency, make_hotline, make_procedure
):
    unit = make_agency(name_vi="Sở Tư pháp")
    hotline = make_hotline(agency=unit, phone="0290 3000 111", purpose_en="Complaints")
    procedure = make_procedure(name_vi="Đăng ký khai sinh")
    sign_in("editor")

    def post(url, **fields):
        return client.post(url, data={**fields, "csrf_token": csrf_token(client, url)})

    inspection = {
        "title_vi": "Kiểm tra tại Sở Tư pháp năm 2026",
        "started_on": "2026-09-07",
        "ended_on": "2026-09-18",
        "lead_agency_id": "None",
        "deputy_agency_id": "None",
        "plan_id": "None",
        "topics": ["procedures"],
        "units-0-agency_id": str(unit.id),
        "action": "submit",
    }
    assert post("/vi/admin/inspections/new", **inspection).status_code == 303
    local = {"name_en": "Registering a birth", "note_vi": "Nộp tại xã.", "action": "submit"}
    assert post(f"/vi/admin/procedures/{procedure.code}", **local).status_code == 303
    later = {"title_vi": "Thông báo hẹn giờ", "body_vi": "Nội dung.", "agency_id": "None"}
    later.update(publish_date="2099-12-15", publish_time="08:00", action="publish")
    assert post("/vi/admin/announcements/new", **later).status_code == 303
    number = {
        "agency_id": str(unit.id),
        "phone": hotline.phone,
        "channels": ["phone"],
        "purpose_vi": "Tiếp nhận phản ánh mới",  # the Vietnamese changes, the English does not
        "purpose_en": "Complaints",
    }
    assert post(f"/vi/admin/hotlines/{hotline.id}", **number).status_code == 303
    page = visible_text(client.get("/vi/admin").text)
    review = page[page.index("Chờ duyệt (2)") : page.index("Đã lên lịch")]
    assert "Đợt kiểm tra: Kiểm tra tại Sở Tư pháp năm 2026" in review
    assert "Thủ tục (phần của tỉnh): Đăng ký khai sinh" in review
    scheduled = page[page.index("Đã lên lịch (1)") :]
    assert "Thông báo: Thông báo hẹn giờ · 08:00 15/12/2099" in scheduled
    outdated = page[page.index("Bản tiếng Anh đã cũ (1)") :]
    assert "Đường dây nóng: Sở Tư pháp: 0290 3000 111" in outdated
