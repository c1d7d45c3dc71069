"""Follow-up reports entered on the portal: what visitors see of them, and the import."""

import csv
import io
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from pagetext import visible_text

from portal.models import ContentStatus, Finding, FindingStatus, Level, db, utcnow

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
    assert row["last_follow_up"] == "Đã niêm yết đủ thủ tục tại bộ phận một cửa."
    assert row["last_follow_up_on"] == "2018-01-05"


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
