"""Inspections in the editorial workflow: only public ones reach visitors (pages, lists,
exports, scorecards, search); a withdrawn one answers 410 and stays listed; the importer
keeps what staff changed on the portal; and the staff's pages that write them."""

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text

from portal.inspections import queries
from portal.inspections import views as inspections_views
from portal.models import (
    AuditEvent,
    ContentStatus,
    ContentVersion,
    Finding,
    Inspection,
    InspectionPlan,
    Level,
    db,
    utcnow,
)
from portal.workdays import local_date

SAMPLE = Path(__file__).parent / "data" / "inspections-sample.jsonl"
PUBLIC_LISTS = (
    "/vi/inspections",
    "/vi/inspections/findings",
    "/vi/inspections/overdue",
    "/vi/inspections?format=csv",
    "/vi/inspections/findings?format=json",
    "/vi/inspections/overdue?format=csv",
)


def _overdue(make_finding, **inspection):
    """A finding overdue since 2018, in an inspection with the given columns."""
    finding = make_finding(deadline=date(2018, 3, 30), text_vi="Chưa công khai số điện thoại.")
    for name, value in inspection.items():
        setattr(finding.inspection, name, value)
    db.session.commit()
    return finding


def _everywhere(client, finding):
    """Where a visitor may meet the finding's inspection: {url: found}."""
    inspection, unit = finding.inspection, finding.agency
    found = {}
    for url in PUBLIC_LISTS:
        answer = client.get(url)
        assert answer.status_code == 200, url
        found[url] = inspection.slug in answer.get_data(as_text=True)
        answer.close()
    scorecard = client.get(f"/vi/inspections/units/{unit.slug}").text
    found["scorecard"] = inspection.slug in scorecard
    found["agency page"] = "Đã được kiểm tra" in client.get(f"/vi/agencies/{unit.slug}").text
    found["search"] = inspection.slug in client.get("/vi/search?q=so+dien+thoai").text
    return found


def test_a_draft_inspection_reaches_no_visitor_anywhere(client, make_finding, index):
    finding = _overdue(make_finding, status=ContentStatus.DRAFT)
    assert not any(_everywhere(client, finding).values()), _everywhere(client, finding)
    assert client.get(f"/vi/inspections/{finding.inspection.slug}").status_code == 404
    # Published, it is everywhere.
    finding.inspection.status = ContentStatus.PUBLISHED
    db.session.commit()
    assert all(_everywhere(client, finding).values()), _everywhere(client, finding)


def test_a_withdrawn_inspection_answers_410_with_when_and_why_and_stays_listed(
    client, make_finding, index
):
    finding = _overdue(
        make_finding,
        status=ContentStatus.WITHDRAWN,
        withdrawn_at=utcnow(),
        withdrawn_reason_vi="Kết luận đã được thay thế.",
    )
    inspection = finding.inspection
    page = client.get(f"/vi/inspections/{inspection.slug}")
    assert page.status_code == 410
    day = local_date(inspection.withdrawn_at).strftime("%d/%m/%Y")
    assert (
        f"Kết luận của cuộc kiểm tra này đã bị thu hồi ngày {day}. "
        "Lý do: Kết luận đã được thay thế." in visible_text(page.text)
    )
    found = _everywhere(client, finding)
    # Listed, marked, like a withdrawn announcement; its findings count nowhere any more.
    assert found["/vi/inspections"] and found["/vi/inspections?format=csv"]
    assert "Đã thu hồi" in visible_text(client.get("/vi/inspections").text)
    assert found["search"]
    others = {url for url, seen in found.items() if seen} - {
        "/vi/inspections",
        "/vi/inspections?format=csv",
        "search",
    }
    assert others == set()


def test_a_scheduled_inspection_is_public_from_its_time(client, make_finding, index, monkeypatch):
    # The workers' own look (every 30 s, on some request) would release it first, or not,
    # by when the test runs: it waits here, so the look below is the one that does.
    monkeypatch.setattr(inspections_views, "_next_release_check", float("inf"))
    finding = _overdue(make_finding, publish_at=utcnow() + timedelta(hours=2))
    slug = finding.inspection.slug
    assert client.get(f"/vi/inspections/{slug}").status_code == 404
    db.session.execute(sa.update(Inspection).values(publish_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(f"/vi/inspections/{slug}").status_code == 200
    assert queries.release_due() == 1  # what each worker does now and then: search learns
    assert slug in client.get("/vi/search?q=so+dien+thoai").text
    assert queries.release_due() == 0


def _agencies(make_agency):
    for slug, level in (
        ("ubnd-tinh", Level.PROVINCE),
        ("so-noi-vu", Level.PROVINCE),
        ("so-tai-chinh", Level.PROVINCE),
        ("ubnd-huyen-phu-tan", Level.DISTRICT),
        ("ubnd-xa-phu-my", Level.COMMUNE),
    ):
        make_agency(slug=slug, level=level)


def test_imported_inspections_are_published_and_a_re_import_keeps_what_staff_changed(
    runner, make_agency
):
    _agencies(make_agency)
    args = ["import", "inspections", str(SAMPLE)]
    assert runner.invoke(args=args).exit_code == 0
    inspections = db.session.scalars(sa.select(Inspection).order_by(Inspection.slug)).all()
    assert [(i.status, i.imported) for i in inspections] == [("published", True)] * 2
    assert db.session.scalar(sa.select(InspectionPlan.imported))
    # Staff change one inspection and the plan on the portal (the views clear `imported`).
    changed, untouched = inspections
    changed.title_vi, changed.imported = "Tiêu đề sửa trên cổng", False
    plan = db.session.scalar(sa.select(InspectionPlan))
    plan.title_vi, plan.imported = "Kế hoạch sửa trên cổng", False
    untouched.title_vi = "Sửa thẳng trong cơ sở dữ liệu"
    db.session.commit()
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "2 kept as staff changed them on the portal" in result.output
    db.session.expire_all()
    assert changed.title_vi == "Tiêu đề sửa trên cổng"
    assert plan.title_vi == "Kế hoạch sửa trên cổng"
    assert untouched.title_vi != "Sửa thẳng trong cơ sở dữ liệu"  # the file's again


def test_the_migration_keeps_every_existing_inspection_public(tmp_path):
    import flask_migrate

    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
            "SEARCH_INDEX_DIR": str(tmp_path),
        }
    )
    with app.app_context():
        flask_migrate.upgrade(revision="b38d90bbd628")  # the revision before
        db.session.execute(
            sa.text(
                "INSERT INTO inspection (slug, year, title_vi, started_on, ended_on, created_at,"
                " updated_at) VALUES ('cu', 2017, 'Cũ', '2017-09-11', '2017-10-20',"
                " '2017-11-01 00:00:00', '2017-11-01 00:00:00')"
            )
        )
        db.session.commit()
        flask_migrate.upgrade()
        row = db.session.execute(sa.text("SELECT status, imported FROM inspection")).one()
        assert tuple(row) == ("published", 1)
        db.session.remove()
        db.engine.dispose()


# The staff's pages: /<lang>/admin/inspections

NEW = "/vi/admin/inspections/new"


def _post(client, url, form_url=None, **fields):
    fields["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=fields)


def _fields(unit, **fields):
    values = {
        "title_vi": "Kiểm tra cải cách hành chính tại Sở Tư pháp năm 2026",
        "started_on": "2026-09-07",
        "ended_on": "2026-09-18",
        "lead_agency_id": "None",
        "deputy_agency_id": "None",
        "plan_id": "None",
        "topics": ["procedures", "one_stop"],
        "units-0-agency_id": str(unit.id),
        "units-0-assessment_vi": "Đơn vị thực hiện tương đối tốt.",
        "conclusion_number": "301/TB-UBND",
        "conclusion_signed_on": "2026-09-30",
        "conclusion_text_vi": "Đoàn đã kiểm tra **1 đơn vị**.",
        "action": "publish",
    }
    return {**values, **fields}


def _write(client, unit, url=NEW, form_url=None, **fields):
    answer = _post(client, url, form_url=form_url, **_fields(unit, **fields))
    assert answer.status_code == 303, visible_text(answer.text)
    return db.session.scalar(sa.select(Inspection).order_by(Inspection.id.desc()))


def _edit_url(inspection):
    return f"/vi/admin/inspections/{inspection.id}"


def _events(kind):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == kind)).all()


def test_a_draft_inspection_is_a_preview_for_staff_and_404_for_visitors(
    client, sign_in, make_agency
):
    unit = make_agency(name_vi="Sở Tư pháp")
    editor = sign_in("editor")
    draft = _write(client, unit, action="save")
    assert (draft.status, draft.imported, draft.year) == ("draft", False, 2026)
    assert [u.agency_id for u in draft.units] == [unit.id]
    assert draft.topics == ["procedures", "one_stop"]
    assert _events("inspection.created")[0].actor == editor.email
    preview = visible_text(client.get(f"/vi/inspections/{draft.slug}").text)
    assert "Bản xem trước: cuộc kiểm tra này chưa công khai." in preview
    listed = visible_text(client.get("/vi/admin/inspections?status=draft").text)
    assert draft.title_vi in listed
    client.post("/vi/account/logout", data={"csrf_token": csrf_token(client, "/vi/admin")})
    assert client.get(f"/vi/inspections/{draft.slug}").status_code == 404


def test_publishing_and_each_published_change_are_public_versions(client, sign_in, make_agency):
    unit = make_agency(name_vi="Sở Tư pháp")
    sign_in("editor")
    inspection = _write(
        client,
        unit,
        title_en="Inspection of the Department of Justice in 2026",
        conclusion_text_en="The team inspected **1 unit**.",
    )
    assert inspection.status == "published" and inspection.is_public(utcnow())
    page = visible_text(client.get(f"/vi/inspections/{inspection.slug}").text)
    assert "Đoàn đã kiểm tra 1 đơn vị." in page  # the conclusion's Markdown, rendered
    assert "Phiên bản 1" in page and "do biên tập viên công bố" in page
    # The Vietnamese changes and the English does not: version 2, the English outdated.
    _write(
        client,
        unit,
        url=_edit_url(inspection),
        action="save",  # a published inspection changes only by publishing the change
        title_en=inspection.title_en,
        conclusion_text_vi="Đoàn đã kiểm tra **2 đơn vị**.",
        conclusion_text_en=inspection.conclusion_text_en,
    )
    versions = db.session.scalars(
        sa.select(ContentVersion).where(ContentVersion.record == f"inspection:{inspection.id}")
    ).all()
    assert [v.number for v in versions] == [1, 2] and {v.role for v in versions} == {"editor"}
    second = client.get(f"/vi/inspections/{inspection.slug}?v=2").text
    assert "<del>**1</del>" in second and "<ins>**2</ins>" in second
    first = visible_text(client.get(f"/vi/inspections/{inspection.slug}?v=1").text)
    assert "Bạn đang đọc phiên bản 1 trên 2" in first and "1 đơn vị" in first
    assert client.get(f"/vi/inspections/{inspection.slug}?v=3").status_code == 404
    assert client.get(f"/vi/inspections/{inspection.slug}?v=²").status_code == 400
    english = visible_text(client.get(f"/en/inspections/{inspection.slug}").text)
    assert "this translation may be out of date" in english
    assert _events("inspection.published")


def test_the_preview_renders_sanitised_markdown_and_saves_nothing(client, sign_in, make_agency):
    unit = make_agency()
    sign_in("editor")
    answer = _post(
        client,
        NEW,
        **_fields(
            unit, action="preview", conclusion_text_vi="## Mục 1\n\n**đậm** <script>x</script>"
        ),
    )
    assert answer.status_code == 200
    assert "<h2>Mục 1</h2>" in answer.text and "<strong>đậm</strong>" in answer.text
    assert "<script>x" not in answer.text
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_a_form_with_errors_keeps_what_was_typed_and_says_what_is_wrong(
    client, sign_in, make_agency
):
    unit = make_agency()
    sign_in("editor")
    answer = _post(
        client,
        NEW,
        **_fields(
            unit,
            title_vi="   ",
            ended_on="2026-09-01",
            conclusion_text_vi="Nội dung kết luận đã gõ.",
            **{"units-1-agency_id": str(unit.id)},
        ),
    )
    assert answer.status_code == 400
    text = visible_text(answer.text)
    assert "Hãy nhập tiêu đề tiếng Việt." in text
    assert "Ngày kết thúc không được trước ngày bắt đầu." in text
    assert "Một đơn vị được chọn hai lần." in text
    assert "Nội dung kết luận đã gõ." in answer.text and 'aria-invalid="true"' in answer.text
    english = _post(client, "/en/admin/inspections/new", **_fields(unit, title_vi=""))
    assert "Enter the Vietnamese title." in visible_text(english.text)
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0
    # Without its token, nothing either.
    assert client.post(NEW, data=_fields(unit)).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_withdrawing_needs_a_public_reason_and_the_page_then_answers_410(
    client, sign_in, make_agency
):
    unit = make_agency()
    sign_in("editor")
    inspection = _write(client, unit)
    url = f"{_edit_url(inspection)}/withdraw"
    refused = _post(client, url, form_url=_edit_url(inspection), reason_vi="")
    assert refused.status_code == 400 and inspection.status == "published"
    answer = _post(client, url, form_url=_edit_url(inspection), reason_vi="Ký nhầm kết luận.")
    assert answer.status_code == 303
    page = client.get(f"/vi/inspections/{inspection.slug}")
    assert page.status_code == 410 and "Lý do: Ký nhầm kết luận." in visible_text(page.text)
    assert _events("inspection.withdrawn")[0].details["reason"] == "Ký nhầm kết luận."
    again = _post(client, _edit_url(inspection), **_fields(unit, action="save"))
    assert again.status_code == 400


def test_review_schedule_and_back_to_draft_are_steps_in_the_audit_trail(
    client, sign_in, make_agency
):
    unit = make_agency()
    sign_in("editor")
    inspection = _write(client, unit, action="submit")
    assert inspection.status == "in_review"
    later = (local_date(utcnow()) + timedelta(days=3)).isoformat()
    _write(client, unit, url=_edit_url(inspection), publish_date=later, publish_time="08:00")
    assert inspection.status == "published" and inspection.publish_at > utcnow()
    assert "đã lên lịch" in visible_text(client.get(_edit_url(inspection)).text)
    answer = _post(client, f"{_edit_url(inspection)}/draft", form_url=_edit_url(inspection))
    assert answer.status_code == 303 and inspection.status == "draft"
    kinds = [e.kind for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert [k for k in kinds if k.startswith("inspection.")] == [
        "inspection.created",
        "inspection.changed",  # its units and topics
        "inspection.in_review",
        "inspection.published",
        "inspection.draft",
    ]


def test_an_officer_acts_on_the_inspections_their_agency_led_only(
    client, sign_in, make_agency, make_inspection
):
    ours, theirs = make_agency(name_vi="Sở Nội vụ"), make_agency(name_vi="Sở Y tế")
    other = make_inspection(lead_agency_id=theirs.id, status=ContentStatus.DRAFT)
    officer = sign_in("officer", ours)
    mine = _write(client, ours, lead_agency_id=str(ours.id), action="save")
    assert mine.lead_agency_id == ours.id
    for url in (_edit_url(other), f"/vi/inspections/{other.slug}"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(_edit_url(other)).status_code == 403
    assert client.get(f"/en/admin/inspections/{other.id}/findings/new").status_code == 403
    changed = _post(
        client, _edit_url(other), form_url=_edit_url(mine), **_fields(ours, title_vi="Đổi")
    )
    assert changed.status_code == 403
    withdrawn = _post(
        client, f"{_edit_url(other)}/withdraw", form_url=_edit_url(mine), reason_vi="Đổi"
    )
    assert withdrawn.status_code == 403
    db.session.expire_all()
    assert other.title_vi != "Đổi" and other.status == "draft"
    refusals = _events("access.refused")
    assert {e.record for e in refusals} == {f"inspection:{other.id}"}
    assert {e.actor for e in refusals} == {officer.email}
    # Nor may they hand theirs to another agency.
    moved = _post(client, _edit_url(mine), **_fields(ours, lead_agency_id=str(theirs.id)))
    assert moved.status_code == 400 and mine.lead_agency_id == ours.id
    listed = client.get("/vi/admin/inspections").text
    assert mine.title_vi in listed and other.title_vi not in listed


def test_each_role_reaches_exactly_the_inspections_and_plans_it_should(
    make_agency, make_inspection, make_plan
):
    from portal import access
    from portal.models import Role, User

    ours, theirs = make_agency(), make_agency()
    records = {
        "ours": [make_inspection(lead_agency_id=ours.id), make_plan(issuer_id=ours.id)],
        "theirs": [make_inspection(lead_agency_id=theirs.id), make_plan(issuer_id=theirs.id)],
    }
    people = {
        "admin": User(role=Role.ADMIN, active=True),
        "editor": User(role=Role.EDITOR, active=True),
        "officer": User(role=Role.OFFICER, agency_id=ours.id, active=True),
    }
    for side, items in records.items():
        for record in items:
            for action in ("view", "edit", "publish"):
                allowed = {who for who, user in people.items() if access.can(user, action, record)}
                expected = {"admin", "editor"} | ({"officer"} if side == "ours" else set())
                assert allowed == expected, (side, record, action)


def test_findings_added_to_a_published_inspection_are_a_new_version_and_count_everywhere(
    client, sign_in, make_agency, index
):
    unit, responsible = make_agency(name_vi="UBND xã Phú Mỹ"), make_agency(name_vi="Sở Nội vụ")
    sign_in("editor")
    inspection = _write(client, unit)
    url = f"{_edit_url(inspection)}/findings/new"
    finding_fields = {
        "agency_id": str(unit.id),
        "topic": "communication",
        "text_vi": "Chưa công khai số điện thoại đường dây nóng.",
        "recommendation_vi": "Công khai số điện thoại tại bộ phận một cửa.",
        "responsible_id": "None",
        "deadline": "2026-10-15",
    }
    refused = _post(client, url, **{**finding_fields, "text_vi": "", "agency_id": "None"})
    assert refused.status_code == 400
    text = visible_text(refused.text)
    assert "Hãy nêu hạn chế, thiếu sót mà đoàn phát hiện." in text
    assert "Hãy chọn đơn vị có hạn chế, thiếu sót này." in text
    assert "Công khai số điện thoại tại bộ phận một cửa." in refused.text  # kept
    assert _post(client, url, **finding_fields).status_code == 303
    second = {**finding_fields, "text_vi": "Chưa niêm yết thủ tục.", "deadline": ""}
    assert _post(client, url, **second).status_code == 303
    findings = db.session.scalars(sa.select(Finding).order_by(Finding.id)).all()
    assert [(f.position, f.responsible_id) for f in findings] == [(0, unit.id), (1, unit.id)]
    versions = [v.number for v in db.session.scalars(sa.select(ContentVersion))]
    assert versions == [1, 2, 3]
    page = visible_text(client.get(f"/vi/inspections/{inspection.slug}").text)
    assert "Hạn chế, thiếu sót 1 · " in page and "Hạn chế, thiếu sót 2 · " in page
    assert "Chưa công khai số điện thoại đường dây nóng." in page
    overdue = client.get("/vi/inspections/overdue").text
    assert "Chưa công khai số điện thoại" in overdue and "Chưa niêm yết thủ tục." not in overdue
    assert inspection.slug in client.get("/vi/search?q=so+dien+thoai+duong+day+nong").text
    # Edited: the responsible agency changes, as a new version that says what changed.
    edit = f"/vi/admin/inspections/findings/{findings[0].id}"
    changed = _post(client, edit, **{**finding_fields, "responsible_id": str(responsible.id)})
    assert changed.status_code == 303 and findings[0].responsible_id == responsible.id
    assert _events("finding.changed")[0].details["changes"]["responsible_id"] == [
        unit.id,
        responsible.id,
    ]
    assert _post(client, edit, **{**finding_fields, "responsible_id": str(responsible.id)})
    assert len(db.session.scalars(sa.select(ContentVersion)).all()) == 4  # nothing new: 3 + 1


def test_a_finding_of_a_draft_is_saved_without_a_version(client, sign_in, make_agency):
    unit = make_agency()
    sign_in("editor")
    inspection = _write(client, unit, action="save")
    answer = _post(
        client,
        f"{_edit_url(inspection)}/findings/new",
        agency_id=str(unit.id),
        topic="procedures",
        text_vi="Chưa niêm yết thủ tục.",
        recommendation_vi="Niêm yết đủ.",
        responsible_id="None",
    )
    assert answer.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(ContentVersion.id))) == 0
    assert "Chưa niêm yết thủ tục." in client.get(_edit_url(inspection)).text


def test_plans_are_kept_on_the_portal_and_picked_from_the_inspection_form(
    client, sign_in, make_agency, make_plan
):
    unit = make_agency()
    make_plan(number="4261/KH-UBND")
    sign_in("editor")
    fields = {
        "number": "55/KH-UBND",
        "signed_on": "2025-12-20",
        "year": "2026",
        "issuer_id": "None",
        "title_vi": "Kế hoạch kiểm tra cải cách hành chính năm 2026",
        "topics": ["procedures"],
    }
    for wrong, message in (
        ({"number": "4261/KH-UBND"}, "Đã có kế hoạch khác mang số này."),
        ({"year": "²⁰²⁶"}, "Năm phải gồm bốn chữ số, ví dụ 2017."),
    ):
        answer = _post(client, "/vi/admin/inspections/plans/new", **{**fields, **wrong})
        assert answer.status_code == 400 and message in visible_text(answer.text)
    answer = _post(client, "/vi/admin/inspections/plans/new", **fields)
    assert answer.status_code == 303
    plan = db.session.scalar(sa.select(InspectionPlan).filter_by(number="55/KH-UBND"))
    assert (plan.year, plan.topics, plan.imported) == (2026, ["procedures"], False)
    assert _events("inspection_plan.created")
    assert "55/KH-UBND" in client.get(NEW).text  # offered on the inspection's form
    inspection = _write(client, unit, plan_id=str(plan.id))
    assert inspection.plan_id == plan.id
    page = visible_text(client.get(f"/vi/inspections/{inspection.slug}").text)
    assert "Kế hoạch kiểm tra cải cách hành chính năm 2026" in page
    assert "55/KH-UBND" in client.get("/vi/admin/inspections/plans").text


def test_the_dashboard_links_the_inspection_pages(client, sign_in):
    sign_in("editor")
    page = client.get("/vi/admin").text
    assert "/vi/admin/inspections" in page and "Các cuộc kiểm tra và kết luận" in page


def test_an_old_inspection_of_a_body_that_has_ceased_can_still_be_changed(
    client, sign_in, make_agency, make_finding
):
    successor = make_agency(name_vi="UBND xã Phú Tân")
    district = make_agency(name_vi="UBND huyện Phú Tân", level=Level.DISTRICT)
    district.successor_id = successor.id
    finding = make_finding(agency=district)
    inspection = finding.inspection
    inspection.lead_agency_id = district.id
    db.session.commit()
    sign_in("editor")
    assert "UBND huyện Phú Tân" in client.get(_edit_url(inspection)).text
    fields = _fields(district, lead_agency_id=str(district.id), started_on="2019-06-19")
    fields["ended_on"] = "2019-06-21"
    answer = _post(client, _edit_url(inspection), **fields)
    assert answer.status_code == 303, visible_text(answer.text)
    assert inspection.lead_agency_id == district.id and not inspection.imported
    # Its unit keeps its findings: taking it off is refused, next to the units.
    fields["units-0-agency_id"] = str(successor.id)
    refused = _post(client, _edit_url(inspection), **fields)
    assert refused.status_code == 400
    assert "Đơn vị đã có hạn chế, thiếu sót thì phải giữ lại" in visible_text(refused.text)
