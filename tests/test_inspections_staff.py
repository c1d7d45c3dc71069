"""Follow-up reports: agencies enter and publish what they fixed, with the signed report
attached; visitors see published ones, and the finding's status follows them."""

import csv
import io
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text

from portal.models import (
    Attachment,
    AuditEvent,
    ContentStatus,
    Finding,
    FindingStatus,
    FollowUp,
    Level,
    db,
    utcnow,
)
from portal.workdays import today

SAMPLE = Path(__file__).parent / "data" / "inspections-sample.jsonl"


def _text(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _reports(make_finding, make_follow_up):
    """A finding with a published, a draft and a withdrawn report."""
    finding = make_finding(text_vi="Chưa niêm yết thủ tục.")
    make_follow_up(
        finding=finding,
        reported_on=date(2018, 1, 5),
        number="12/BC-STP",
        text_vi="Đã niêm yết đủ thủ tục tại bộ phận một cửa.",
        reported_status=FindingStatus.DONE,
    )
    make_follow_up(
        finding=finding,
        reported_on=date(2018, 2, 1),
        text_vi="Bản nháp chưa công bố.",
        status=ContentStatus.DRAFT,
    )
    make_follow_up(
        finding=finding,
        reported_on=date(2018, 3, 1),
        text_vi="Báo cáo gửi nhầm.",
        status=ContentStatus.WITHDRAWN,
        withdrawn_at=utcnow(),
        withdrawn_reason_vi="Báo cáo gửi nhầm đơn vị.",
    )
    return finding


def test_the_inspection_page_shows_published_and_withdrawn_reports_never_a_draft(
    client, make_finding, make_follow_up
):
    finding = _reports(make_finding, make_follow_up)
    page = visible_text(_text(client.get(f"/vi/inspections/{finding.inspection.slug}")))
    assert (
        "05/01/2018 · 12/BC-STP · Đã khắc phục: Đã niêm yết đủ thủ tục tại bộ phận một cửa."
    ) in page
    assert "Bản nháp chưa công bố." not in page
    assert "01/03/2018: Báo cáo gửi nhầm. Đã rút ngày" in page
    assert "Báo cáo gửi nhầm đơn vị." in page


def test_the_findings_list_and_its_export_give_the_last_report_in_force(
    client, make_finding, make_follow_up
):
    finding = _reports(make_finding, make_follow_up)
    page = visible_text(
        _text(client.get(f"/vi/inspections/findings?year={finding.inspection.year}"))
    )
    assert "05/01/2018: Đã niêm yết đủ thủ tục tại bộ phận một cửa." in page
    assert "Bản nháp" not in page and "gửi nhầm" not in page
    exported = _text(client.get("/en/inspections/findings?format=csv"))
    (row,) = csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
    assert row["Last follow-up"] == "Đã niêm yết đủ thủ tục tại bộ phận một cửa."
    assert row["Date of the last follow-up"] == "2018-01-05"


def test_search_finds_a_published_report_not_a_draft_or_a_withdrawn_one(
    client, index, make_finding, make_follow_up
):
    _reports(make_finding, make_follow_up)
    found = visible_text(_text(client.get("/vi/search?q=bo+phan+mot+cua")))
    assert "Chưa niêm yết thủ tục." in found
    for unpublished in ("ban+nhap", "gui+nham"):  # the draft's and the withdrawn one's words
        page = visible_text(_text(client.get(f"/vi/search?q={unpublished}")))
        assert "Chưa niêm yết thủ tục." not in page


def test_a_re_import_keeps_the_reports_entered_on_the_portal(runner, make_agency, make_follow_up):
    for slug, level in (
        ("ubnd-tinh", Level.PROVINCE),
        ("so-noi-vu", Level.PROVINCE),
        ("so-tai-chinh", Level.PROVINCE),
        ("ubnd-huyen-phu-tan", Level.DISTRICT),
        ("ubnd-xa-phu-my", Level.COMMUNE),
    ):
        make_agency(slug=slug, level=level)
    args = ["import", "inspections", str(SAMPLE)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    finding = db.session.scalar(sa.select(Finding).filter_by(ref="stc-1"))
    imported = [report.number for report in finding.follow_ups]
    entered = make_follow_up(finding=finding, reported_on=date(2026, 11, 30), text_vi="Mới.")
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [report.number for report in finding.follow_ups if report.imported] == imported
    assert entered in finding.follow_ups and not entered.imported


# The staff's side

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _post(client, url, form_url=None, **fields):
    fields["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=fields, content_type="multipart/form-data")


def _fields(**fields):
    values = {
        "reported_on": "2026-11-30",
        "number": "45/BC-STP",
        "text_vi": "Đã niêm yết đủ 120 thủ tục tại bộ phận một cửa.",
        "reported_status": "done",
        "resolved_on": "2026-11-28",
        "action": "publish",
    }
    return {**values, **fields}


def test_an_officer_publishes_a_report_with_its_pdf_and_the_finding_is_done(
    client, sign_in, make_finding, make_agency
):
    agency = make_agency(name_vi="Sở Tư pháp")
    finding = make_finding(agency=agency, deadline=date(2026, 12, 31))
    sign_in("officer", agency)
    listed = visible_text(client.get("/vi/admin/findings").text)
    assert "Sở Tư pháp: Chưa niêm yết" in listed and "Thêm báo cáo" in listed
    url = f"/vi/admin/findings/{finding.id}/follow-ups/new"
    answer = _post(client, url, **_fields(file=(io.BytesIO(PDF), "bao cao/45-BC.pdf")))
    assert answer.status_code == 303, visible_text(answer.text)
    report = db.session.scalar(sa.select(FollowUp))
    assert (report.status, report.imported, report.reported_status) == ("published", False, "done")
    assert (finding.status, finding.resolved_on) == (FindingStatus.DONE, date(2026, 11, 28))
    page = visible_text(client.get(f"/vi/inspections/{finding.inspection.slug}").text)
    assert (
        "30/11/2026 · 45/BC-STP · Đã khắc phục: Đã niêm yết đủ 120 thủ tục tại bộ phận một cửa. "
        f"45-BC.pdf (PDF, {len(PDF)} B)"
    ) in page
    (file,) = db.session.scalars(sa.select(Attachment)).all()
    assert (file.record, file.filename, file.media_type) == (
        f"follow_up:{report.id}",
        "45-BC.pdf",
        "application/pdf",
    )
    kinds = {e.kind for e in db.session.scalars(sa.select(AuditEvent))}
    assert {"follow_up.created", "follow_up.published", "finding.changed"} <= kinds


def test_a_published_report_s_file_is_a_download_a_draft_s_is_not_public(
    app, client, sign_in, make_finding
):
    finding = make_finding()
    sign_in("editor")
    url = f"/vi/admin/findings/{finding.id}/follow-ups/new"
    fields = _fields(action="save", file=(io.BytesIO(PDF), "report.pdf"))
    assert _post(client, url, **fields).status_code == 303
    file = db.session.scalar(sa.select(Attachment))
    download = f"/vi/inspections/attachments/{file.id}"
    staff_copy = client.get(download)
    assert staff_copy.status_code == 200 and staff_copy.data == PDF
    staff_copy.close()
    with app.test_client() as visitor:
        assert visitor.get(download).status_code == 404  # the report is a draft
        report = db.session.scalar(sa.select(FollowUp))
        _post(client, f"/vi/admin/findings/follow-ups/{report.id}", **_fields())
        assert report.status == "published"
        public = visitor.get(download)
        assert public.status_code == 200 and public.data == PDF
        assert public.headers["Content-Disposition"].startswith("attachment;")
        assert public.headers["Content-Type"] == "application/pdf"
        assert public.headers["X-Content-Type-Options"] == "nosniff"
        public.close()


def test_a_file_that_is_no_pdf_is_refused_next_to_the_field_and_nothing_is_saved(
    client, sign_in, make_finding
):
    finding = make_finding()
    sign_in("editor")
    url = f"/vi/admin/findings/{finding.id}/follow-ups/new"
    fake = (io.BytesIO(b"<script>alert(1)</script>"), "report.pdf")
    answer = _post(client, url, **_fields(file=fake))
    assert answer.status_code == 400
    assert (
        '<p class="error-message" id="file-error">Hãy đính kèm tệp PDF, JPEG hoặc PNG; '
        "tệp này không thuộc loại nào trong số đó.</p>"
    ) in answer.text
    assert "\nĐã niêm yết đủ 120 thủ tục tại bộ phận một cửa.</textarea>" in answer.text
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0
    assert finding.status == FindingStatus.OPEN


def test_done_needs_the_date_it_was_fixed_and_no_date_is_in_the_future(
    client, sign_in, make_finding
):
    finding = make_finding()
    sign_in("editor")
    url = f"/vi/admin/findings/{finding.id}/follow-ups/new"
    answer = _post(client, url, **_fields(resolved_on=""))
    assert answer.status_code == 400
    assert (
        '<p class="error-message" id="resolved_on-error">Nhập ngày đã khắc phục.</p>' in answer.text
    )
    answer = _post(client, url, **_fields(reported_status="in_progress"))
    assert answer.status_code == 400
    assert "Chỉ hạn chế, thiếu sót đã khắc phục xong mới có ngày khắc phục." in answer.text
    answer = _post(client, url, **_fields(reported_on="2099-01-01"))
    assert answer.status_code == 400 and "Ngày này ở tương lai." in visible_text(answer.text)
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0


def test_withdrawing_a_report_puts_the_finding_s_status_back(client, sign_in, make_finding):
    finding = make_finding()
    sign_in("editor")
    assert (
        _post(client, f"/vi/admin/findings/{finding.id}/follow-ups/new", **_fields()).status_code
        == 303
    )
    report = db.session.scalar(sa.select(FollowUp))
    assert finding.status == FindingStatus.DONE
    url = f"/vi/admin/findings/follow-ups/{report.id}"
    assert _post(client, f"{url}/withdraw", form_url=url, reason_vi="").status_code == 400
    answer = _post(
        client,
        f"{url}/withdraw",
        form_url=url,
        reason_vi="Gửi nhầm báo cáo.",
        reason_en="Sent in error.",
    )
    assert answer.status_code == 303
    assert report.status == "withdrawn"
    assert (finding.status, finding.resolved_on) == (FindingStatus.OPEN, None)
    page = visible_text(client.get(f"/vi/inspections/{finding.inspection.slug}").text)
    assert "Đã rút ngày" in page and "Gửi nhầm báo cáo." in page
    english = visible_text(client.get(f"/en/inspections/{finding.inspection.slug}").text)
    assert f"Withdrawn on {today():%-d %b %Y}: Sent in error." in english
    assert _post(client, url, **_fields()).status_code == 400  # kept as it was


def test_an_officer_cannot_report_on_or_read_another_agency_s_findings(
    client, sign_in, make_finding, make_follow_up, make_agency
):
    ours, theirs = make_agency(), make_agency()
    other = make_finding(agency=theirs, text_vi="Việc của cơ quan khác.")
    draft = make_follow_up(finding=other, status=ContentStatus.DRAFT)
    sign_in("officer", ours)
    assert "Việc của cơ quan khác." not in client.get("/vi/admin/findings?state=all").text
    assert client.get(f"/vi/admin/findings/{other.id}/follow-ups/new").status_code == 403
    assert client.get(f"/vi/admin/findings/follow-ups/{draft.id}").status_code == 403
    token = csrf_token(client, "/vi/admin/findings")
    refused = client.post(
        f"/vi/admin/findings/{other.id}/follow-ups/new", data={**_fields(), "csrf_token": token}
    )
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 1
    assert db.session.scalar(sa.select(AuditEvent).filter_by(kind="access.refused")) is not None


def test_a_report_without_a_csrf_token_is_refused(client, sign_in, make_finding):
    finding = make_finding()
    sign_in("editor")
    answer = client.post(f"/vi/admin/findings/{finding.id}/follow-ups/new", data=_fields())
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0


def test_visitors_are_sent_to_sign_in(client, make_finding):
    finding = make_finding()
    for url in ("/vi/admin/findings", f"/vi/admin/findings/{finding.id}/follow-ups/new"):
        answer = client.get(url)
        assert answer.status_code == 303 and "/vi/account/login" in answer.headers["Location"]
