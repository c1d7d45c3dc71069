"""Agency officers keep their agency's contacts; each change is public at once, as a
version, and English readers are told when the Vietnamese changed after the English."""

import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text

from portal.models import AuditEvent, ContentVersion, db


def _post(client, url, **fields):
    fields["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=fields)


def _fields(**fields):
    values = {
        "address": "Số 10 Lý Thường Kiệt, phường An Xuyên",
        "phone": "0290 3820 111",
        "email": "stp@camau.gov.vn",
        "website": "https://stp.camau.gov.vn",
        "working_hours_vi": "Sáng 7 giờ đến 11 giờ, chiều 13 giờ đến 17 giờ",
        "name_en": "Department of Justice",
        "working_hours_en": "7 to 11 am and 1 to 5 pm",
    }
    return {**values, **fields}


def test_an_officer_updates_the_agency_s_contacts_and_visitors_see_them(
    client, sign_in, make_agency
):
    agency = make_agency(name_vi="Sở Tư pháp", slug="so-tu-phap")
    sign_in("officer", agency)
    listed = visible_text(client.get("/vi/admin/agencies").text)
    assert "Sở Tư pháp" in listed
    url = f"/vi/admin/agencies/{agency.id}"
    answer = _post(client, url, **_fields())
    assert answer.status_code == 303, visible_text(answer.text)
    page = visible_text(client.get("/vi/agencies/so-tu-phap").text)
    assert "Số 10 Lý Thường Kiệt, phường An Xuyên" in page and "0290 3820 111" in page
    english = visible_text(client.get("/en/agencies/so-tu-phap").text)
    assert "Department of Justice" in english and "7 to 11 am and 1 to 5 pm" in english
    (version,) = db.session.scalars(sa.select(ContentVersion)).all()
    assert (version.record, version.number) == (f"agency:{agency.id}", 1)
    assert version.fields["phone"] == "0290 3820 111"
    kinds = [e.kind for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert kinds[-2:] == ["agency.changed", "agency.published"]
    again = _post(client, url, **_fields())  # the same again: no new version
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(ContentVersion.id))) == 1


def test_the_english_page_says_when_the_vietnamese_changed_after_it(client, sign_in, make_agency):
    agency = make_agency(slug="so-y-te", name_vi="Sở Y tế")
    sign_in("editor")
    url = f"/vi/admin/agencies/{agency.id}"
    _post(client, url, **_fields())
    assert "may be out of date" not in client.get("/en/agencies/so-y-te").text
    _post(client, url, **_fields(working_hours_vi="Cả ngày thứ Bảy"))
    english = visible_text(client.get("/en/agencies/so-y-te").text)
    assert "this translation may be out of date" in english
    assert "Bản tiếng Anh đã cũ" in visible_text(client.get(url).text)
    _post(client, url, **_fields(working_hours_vi="Cả ngày thứ Bảy", english_checked="y"))
    assert "may be out of date" not in client.get("/en/agencies/so-y-te").text


def test_wrong_contacts_are_refused_next_to_their_fields_and_nothing_is_saved(
    client, sign_in, make_agency
):
    agency = make_agency()
    sign_in("editor")
    url = f"/vi/admin/agencies/{agency.id}"
    answer = _post(
        client,
        url,
        **_fields(phone="gọi tôi", email="stp.camau.gov.vn", website="javascript://x.vn/%0A1"),
    )
    assert answer.status_code == 400
    assert 'id="phone-error"' in answer.text and 'id="email-error"' in answer.text
    assert 'id="website-error"' in answer.text
    assert 'value="Số 10 Lý Thường Kiệt, phường An Xuyên"' in answer.text  # kept
    db.session.refresh(agency)
    assert agency.phone is None and agency.website is None


def test_an_officer_cannot_change_another_agency(client, sign_in, make_agency):
    ours = make_agency(name_vi="Sở Tư pháp")
    theirs = make_agency(name_vi="Sở Xây dựng", phone="0290 1111 111")
    sign_in("officer", ours)
    listed = visible_text(client.get("/vi/admin/agencies").text)
    assert "Sở Tư pháp" in listed and "Sở Xây dựng" not in listed
    assert client.get(f"/vi/admin/agencies/{theirs.id}").status_code == 403
    token = csrf_token(client, f"/vi/admin/agencies/{ours.id}")
    refused = client.post(
        f"/vi/admin/agencies/{theirs.id}", data={**_fields(), "csrf_token": token}
    )
    assert refused.status_code == 403
    db.session.refresh(theirs)
    assert theirs.phone == "0290 1111 111"


def test_the_list_finds_an_agency_by_its_name_typed_without_accents(
    client, sign_in, make_agency, index
):
    make_agency(name_vi="Sở Tư pháp")
    make_agency(name_vi="Sở Xây dựng")
    sign_in("editor")
    listed = visible_text(client.get("/vi/admin/agencies?q=tu+phap").text)
    assert "Sở Tư pháp" in listed and "Sở Xây dựng" not in listed


def test_the_agency_page_shows_every_published_change_of_its_contacts_and_numbers(
    app, client, sign_in, make_agency
):
    agency = make_agency(name_vi="Sở Tư pháp", slug="so-tu-phap")
    officer = sign_in("officer", agency)
    url = f"/vi/admin/agencies/{agency.id}"
    assert _post(client, url, **_fields()).status_code == 303
    assert _post(client, url, **_fields(phone="0290 3820 222")).status_code == 303
    number = {
        "agency_id": str(agency.id),
        "phone": "0290 3999 000",
        "channels": ["phone", "zalo"],
        "purpose_vi": "Tiếp nhận phản ánh về chứng thực",
        "action": "save",
    }
    assert _post(client, "/vi/admin/hotlines/new", **number).status_code == 303
    visitor = app.test_client()
    assert "0290 3999 000" not in visitor.get("/vi/agencies/so-tu-phap").text  # a draft
    hotline_url = "/vi/admin/hotlines/1"
    assert _post(client, hotline_url, **{**number, "action": "publish"}).status_code == 303
    token = csrf_token(client, hotline_url)
    withdrawn = client.post(
        f"{hotline_url}/withdraw", data={"reason_vi": "Số đã ngừng.", "csrf_token": token}
    )
    assert withdrawn.status_code == 303
    page = visible_text(visitor.get("/vi/agencies/so-tu-phap").text)
    history = page[page.index("Các thay đổi của trang này") :]
    assert "Điện thoại: 0290 3820 111 → 0290 3820 222" in history
    assert "Đường dây nóng 0290 3999 000, đã thu hồi: Số đã ngừng." in history
    assert "Liên hệ qua: Điện thoại, Zalo" in history
    assert "do cán bộ cơ quan công bố" in history
    assert officer.email not in page  # the role is public, never the person
    # Newest first: the withdrawal, the number, then the two versions of the contacts.
    assert history.index("đã thu hồi") < history.index("0290 3820 111 → 0290 3820 222")


def test_any_earlier_version_of_the_contacts_opens_by_its_permalink(client, sign_in, make_agency):
    agency = make_agency(name_vi="Sở Tư pháp", slug="so-tu-phap")
    sign_in("officer", agency)
    url = f"/vi/admin/agencies/{agency.id}"
    assert _post(client, url, **_fields()).status_code == 303
    assert _post(client, url, **_fields(phone="0290 3820 222")).status_code == 303
    current = visible_text(client.get("/vi/agencies/so-tu-phap").text)
    assert "0290 3820 222" in current
    assert "Đường dẫn cố định (phiên bản 2): http://localhost/vi/agencies/so-tu-phap?v=2" in current
    first = visible_text(client.get("/vi/agencies/so-tu-phap?v=1").text)
    start = first.index("Thông tin liên hệ")
    contacts = first[start : first.index("Các thay đổi của trang này", start)]
    assert "Bạn đang đọc phiên bản 1 trên 2 của các thông tin liên hệ này" in contacts
    assert "0290 3820 111" in contacts and "0290 3820 222" not in contacts
    second = visible_text(client.get("/vi/agencies/so-tu-phap?v=2").text)
    assert "Những gì thay đổi ở phiên bản 2" in second
    assert client.get("/vi/agencies/so-tu-phap?v=abc").status_code == 400
    assert client.get("/vi/agencies/so-tu-phap?v=9").status_code == 404
