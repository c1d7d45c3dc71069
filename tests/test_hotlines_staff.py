"""Staff add, correct and withdraw hotlines; visitors see published numbers only."""

import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text

from portal.models import AuditEvent, ContentVersion, Hotline, db
from portal.workdays import today

NEW = "/vi/admin/hotlines/new"


def _post(client, url, form_url=None, **fields):
    fields["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=fields)


def _fields(agency, **fields):
    values = {
        "agency_id": str(agency.id),
        "phone": "0290 3822 111",
        "channels": ["phone", "zalo"],
        "purpose_vi": "Tiếp nhận phản ánh về thủ tục đất đai",
        "action": "publish",
    }
    return {**values, **fields}


def test_an_officer_publishes_a_number_and_citizens_see_it(client, sign_in, make_agency, index):
    agency = make_agency(name_vi="Sở Tài nguyên và Môi trường")
    sign_in("officer", agency)
    answer = _post(client, NEW, **_fields(agency, verified="y"))
    assert answer.status_code == 303, visible_text(answer.text)
    hotline = db.session.scalar(sa.select(Hotline))
    assert (hotline.status, hotline.channels, hotline.verified_on) == (
        "published",
        "phone zalo",
        today(),
    )
    assert db.session.scalar(sa.select(ContentVersion)).fields["phone"] == "0290 3822 111"
    directory = visible_text(client.get("/vi/hotlines").text)
    assert "0290 3822 111" in directory
    assert "0290 3822 111" in visible_text(client.get(f"/vi/agencies/{agency.slug}").text)
    assert "0290 3822 111" in client.get("/vi/search?q=0290+3822+111").text


def test_a_draft_number_is_not_offered_until_published(client, sign_in, make_agency):
    agency = make_agency()
    sign_in("editor")
    _post(client, NEW, **_fields(agency, action="save"))
    hotline = db.session.scalar(sa.select(Hotline))
    assert hotline.status == "draft"
    assert "0290 3822 111" not in client.get("/vi/hotlines").text
    assert "0290 3822 111" not in client.get(f"/vi/agencies/{agency.slug}").text
    _post(client, f"/vi/admin/hotlines/{hotline.id}", **_fields(agency))
    assert hotline.status == "published"
    assert "0290 3822 111" in client.get("/vi/hotlines").text


def test_a_withdrawn_number_leaves_the_directory_with_its_reason_kept(
    client, sign_in, make_hotline
):
    hotline = make_hotline(phone="0290 3999 999")
    sign_in("editor")
    url = f"/vi/admin/hotlines/{hotline.id}"
    refused = _post(client, f"{url}/withdraw", form_url=url, reason_vi="")
    assert refused.status_code == 400 and hotline.status == "published"
    answer = _post(client, f"{url}/withdraw", form_url=url, reason_vi="Số đã ngừng hoạt động.")
    assert answer.status_code == 303
    assert hotline.status == "withdrawn" and hotline.withdrawn_reason_vi == "Số đã ngừng hoạt động."
    assert "0290 3999 999" not in client.get("/vi/hotlines").text
    assert "Số đã ngừng hoạt động." in visible_text(client.get(url).text)
    assert _post(client, url, **_fields(hotline.agency)).status_code == 400  # kept as it was


def test_a_wrong_number_is_refused_next_to_the_field_and_nothing_is_saved(
    client, sign_in, make_agency
):
    agency = make_agency()
    sign_in("editor")
    for phone, message in (
        ("", "Hãy nhập số điện thoại."),
        ("0290 abc", "Số điện thoại gồm chữ số"),
        ("0290 3822 111 xyz", "Số điện thoại gồm chữ số"),
    ):
        answer = _post(client, NEW, **_fields(agency, phone=phone))
        assert answer.status_code == 400, phone
        assert message in visible_text(answer.text), phone
        assert "Tiếp nhận phản ánh về thủ tục đất đai" in answer.text  # what was typed stays
    assert _post(client, NEW, **_fields(agency, channels=[])).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Hotline.id))) == 0


def test_an_officer_keeps_only_their_agencys_numbers(client, sign_in, make_agency, make_hotline):
    ours, theirs = make_agency(), make_agency()
    other = make_hotline(agency=theirs, phone="0290 3000 000")
    mine = make_hotline(agency=ours, phone="0290 3111 111")
    officer = sign_in("officer", ours)
    listed = client.get("/vi/admin/hotlines").text
    assert "0290 3111 111" in listed and "0290 3000 000" not in listed
    assert client.get(f"/en/admin/hotlines/{other.id}").status_code == 403
    url = f"/vi/admin/hotlines/{mine.id}"
    assert _post(client, NEW, form_url=url, **_fields(theirs)).status_code == 400  # not a choice
    changed = _post(
        client,
        f"/vi/admin/hotlines/{other.id}",
        form_url=url,
        **_fields(theirs, phone="0290 3666 666"),
    )
    assert changed.status_code == 403
    db.session.expire_all()
    assert other.phone == "0290 3000 000"
    refusals = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "access.refused")
    ).all()
    assert {(e.actor, e.record) for e in refusals} == {(officer.email, f"hotline:{other.id}")}


def test_a_change_to_the_vietnamese_marks_the_english_outdated(client, sign_in, make_hotline):
    hotline = make_hotline(purpose_en="Complaints about land procedures")
    sign_in("editor")
    url = f"/vi/admin/hotlines/{hotline.id}"
    _post(
        client,
        url,
        **_fields(
            hotline.agency, purpose_vi="Mục đích mới", purpose_en="Complaints about land procedures"
        ),
    )
    assert hotline.translation_status == "outdated"
    assert "Mục đích mới" in client.get("/vi/hotlines").text
