"""Staff write, review, publish, schedule and withdraw announcements in the browser; the
public sees versions, the translation status and a 410 for a withdrawn one."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from flask_babel import force_locale
from pagetext import visible_text

from portal.announcements import queries
from portal.i18n import format_date
from portal.models import Announcement, AuditEvent, ContentVersion, db, utcnow
from portal.workdays import VIETNAM, local_date

NEW = "/vi/admin/announcements/new"


def _post(client, url, form_url=None, **fields):
    fields.setdefault("agency_id", "None")
    fields["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=fields)


def _write(client, action="publish", **fields):
    fields.setdefault("title_vi", "Lịch tiếp công dân tháng 12")
    fields.setdefault("body_vi", "Chủ tịch tiếp công dân vào **thứ Năm**.")
    answer = _post(client, NEW, action=action, **fields)
    assert answer.status_code == 303, visible_text(answer.text)
    return db.session.scalar(sa.select(Announcement).order_by(Announcement.id.desc()))


def _sign_out(client):
    assert client.post("/vi/account/logout", data={"csrf_token": csrf_token(client, "/vi/admin")})


def _edit_url(announcement):
    return f"/vi/admin/announcements/{announcement.id}"


def _events(kind):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == kind)).all()


def test_the_staff_pages_ask_visitors_to_sign_in(client):
    for url in (
        "/vi/admin",
        "/en/admin",
        "/vi/admin/announcements",
        NEW,
        "/vi/admin/announcements/1",
    ):
        answer = client.get(url)
        assert answer.status_code == 303, url
        assert answer.headers["Location"].startswith(f"/{url[1:3]}/account/login?next="), url


def test_a_draft_is_not_public_until_published(client, sign_in, index):
    editor = sign_in("editor")
    draft = _write(client, action="save")
    assert draft.status == "draft" and draft.slug == "lich-tiep-cong-dan-thang-12"
    assert _events("announcement.created")[0].actor == editor.email
    # Staff see a preview on the public address; a visitor gets a page that does not exist.
    preview = client.get(f"/vi/announcements/{draft.slug}")
    assert "Bản xem trước: thông báo này chưa công khai." in visible_text(preview.text)
    assert client.get("/vi/announcements?q=tiep+cong+dan").text.count(draft.slug) == 0
    _sign_out(client)
    assert client.get(f"/vi/announcements/{draft.slug}").status_code == 404


def test_publishing_puts_it_on_the_list_in_search_and_in_its_history(client, sign_in, index):
    sign_in("editor")
    published = _write(client, title_en="Citizen reception in December", body_en="On Thursdays.")
    assert published.status == "published" and published.published_on == local_date(utcnow())
    page = visible_text(client.get(f"/vi/announcements/{published.slug}").text)
    assert "Chủ tịch tiếp công dân vào thứ Năm." in page
    assert "Phiên bản 1" in page and "do biên tập viên công bố" in page
    assert published.slug in client.get("/vi/announcements").text
    assert published.slug in client.get("/vi/search?q=lich+tiep+cong+dan").text
    english = visible_text(client.get(f"/en/announcements/{published.slug}").text)
    assert "Citizen reception in December" in english and "may be out of date" not in english


def test_an_edit_of_the_vietnamese_marks_the_english_outdated_on_the_english_page(client, sign_in):
    sign_in("editor")
    item = _write(client, title_en="Citizen reception in December", body_en="On Thursdays.")
    answer = _post(
        client,
        _edit_url(item),
        action="publish",
        title_vi="Lịch tiếp công dân tháng 12 (đã đổi ngày)",
        body_vi="Chủ tịch tiếp công dân vào **thứ Sáu**.",
        title_en="Citizen reception in December",
        body_en="On Thursdays.",
    )
    assert answer.status_code == 303
    assert item.translation_status == "outdated"
    english = visible_text(client.get(f"/en/announcements/{item.slug}").text)
    with force_locale("en"):
        day = format_date(item.vi_changed_at)
    assert (
        f"The Vietnamese text was updated on {day}; this translation may be out of date." in english
    )
    # Version 2 says what changed, word by word; version 1 stays readable by its number.
    second = client.get(f"/vi/announcements/{item.slug}?v=2").text
    assert "<del>Năm**.</del>" in second and "<ins>Sáu**.</ins>" in second
    first = visible_text(client.get(f"/vi/announcements/{item.slug}?v=1").text)
    assert "Bạn đang đọc phiên bản 1 trên 2" in first and "thứ Năm" in first
    assert client.get(f"/vi/announcements/{item.slug}?v=3").status_code == 404
    assert client.get(f"/vi/announcements/{item.slug}?v=x").status_code == 400
    # The editor says the English still holds: up to date again, and the banner goes.
    _post(
        client,
        _edit_url(item),
        action="publish",
        title_vi=item.title_vi,
        body_vi=item.body_vi,
        title_en=item.title_en,
        body_en=item.body_en,
        english_checked="y",
    )
    assert item.translation_status == "up_to_date"
    assert "may be out of date" not in client.get(f"/en/announcements/{item.slug}").text


def test_a_withdrawn_announcement_answers_410_with_when_and_why_and_stays_listed(client, sign_in):
    sign_in("editor")
    item = _write(client)
    url = f"{_edit_url(item)}/withdraw"
    refused = _post(client, url, form_url=_edit_url(item), reason_vi="")
    assert refused.status_code == 400
    assert "Hãy nói vì sao thông báo bị thu hồi." in visible_text(refused.text)
    assert item.status == "published"
    answer = _post(client, url, form_url=_edit_url(item), reason_vi="Đăng nhầm lịch.")
    assert answer.status_code == 303
    page = client.get(f"/vi/announcements/{item.slug}")
    assert page.status_code == 410
    text = visible_text(page.text)
    day = local_date(item.withdrawn_at).strftime("%d/%m/%Y")
    assert f"Thông báo này đã bị thu hồi ngày {day}. Lý do: Đăng nhầm lịch." in text
    listed = visible_text(client.get("/vi/announcements").text)
    assert "Đã thu hồi" in listed and item.title_vi in listed
    assert _events("announcement.withdrawn")[0].details["reason"] == "Đăng nhầm lịch."


def test_a_scheduled_announcement_is_public_from_its_time_with_nobody_present(
    client, sign_in, index
):
    sign_in("editor")
    tomorrow = local_date(utcnow()) + timedelta(days=1)
    item = _write(client, publish_date=tomorrow.isoformat(), publish_time="08:00")
    assert item.status == "published" and item.publish_at > utcnow()
    assert item.publish_at.astimezone(VIETNAM).hour == 8  # 08:00 in Vietnam
    dashboard = visible_text(client.get("/vi/admin").text)
    assert "Đã lên lịch (1)" in dashboard
    _sign_out(client)
    assert client.get(f"/vi/announcements/{item.slug}").status_code == 404
    assert item.slug not in client.get("/vi/announcements").text
    # The time comes (here: the clock is moved by moving the time back).
    db.session.execute(sa.update(Announcement).values(publish_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(f"/vi/announcements/{item.slug}").status_code == 200
    assert item.slug in client.get("/vi/announcements").text
    assert queries.release_due() == 1  # what each worker does now and then: search learns
    assert item.slug in client.get("/vi/search?q=lich+tiep+cong+dan").text
    assert queries.release_due() == 0


def test_a_form_with_errors_keeps_what_was_typed_and_says_what_is_wrong(client, sign_in):
    sign_in("editor")
    answer = _post(
        client,
        NEW,
        action="save",
        title_vi="",
        body_vi="Nội dung dài đã gõ.",
        title_en="Only a title",
    )
    assert answer.status_code == 400
    text = visible_text(answer.text)
    assert "Hãy nhập tiêu đề tiếng Việt." in text
    assert "Hãy nhập nội dung tiếng Anh, hoặc để trống tiêu đề tiếng Anh." in text
    assert "Nội dung dài đã gõ." in answer.text  # kept in its box
    assert 'aria-invalid="true"' in answer.text
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0


def test_the_preview_renders_sanitised_markdown_and_saves_nothing(client, sign_in):
    sign_in("editor")
    answer = _post(
        client,
        NEW,
        action="preview",
        title_vi="Xem thử",
        body_vi="## Mục 1\n\n**đậm** <script>alert(1)</script>",
    )
    assert answer.status_code == 200
    assert "<h2>Mục 1</h2>" in answer.text and "<strong>đậm</strong>" in answer.text
    assert "<script>alert(1)" not in answer.text
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0


def test_a_version_is_recorded_with_the_role_not_the_name(client, sign_in):
    sign_in("editor")
    item = _write(client)
    version = db.session.scalar(sa.select(ContentVersion))
    assert (version.record, version.number, version.role) == (
        f"announcement:{item.id}",
        1,
        "editor",
    )
    assert version.fields["title_vi"] == item.title_vi
    _sign_out(client)
    page = client.get(f"/vi/announcements/{item.slug}").text
    assert "do biên tập viên công bố" in visible_text(page)
    assert "editor1" not in page


def test_an_officer_acts_on_their_agencys_announcements_only(
    client, sign_in, make_agency, make_announcement
):
    ours, theirs = make_agency(name_vi="Sở Tư pháp"), make_agency(name_vi="Sở Y tế")
    other = make_announcement(agency_id=theirs.id)
    officer = sign_in("officer", ours)
    item = _write(client, agency_id=str(ours.id))
    assert item.agency_id == ours.id
    # Another agency's: a 403 in the visitor's language, for reading and for changing.
    for lang, words in (("vi", "Bạn không được làm việc này"), ("en", "You may not do this")):
        answer = client.get(f"/{lang}/admin/announcements/{other.id}")
        assert answer.status_code == 403
        assert words in visible_text(answer.text)
    changed = _post(
        client,
        _edit_url(other),
        form_url=_edit_url(item),
        action="save",
        title_vi="Đổi",
        body_vi="Đổi",
    )
    assert changed.status_code == 403 and other.title_vi != "Đổi"
    refusals = _events("access.refused")
    assert {e.record for e in refusals} == {f"announcement:{other.id}"}
    assert {e.actor for e in refusals} == {officer.email}
    # Nor may they move theirs to another agency, or write one under another's name.
    moved = _post(
        client,
        _edit_url(item),
        action="save",
        title_vi=item.title_vi,
        body_vi=item.body_vi,
        agency_id=str(theirs.id),
    )
    assert moved.status_code == 400 and item.agency_id == ours.id
    # A refused request keeps nothing it changed, only the refusal's audit entry.
    renamed = _post(
        client,
        _edit_url(other),
        form_url=_edit_url(item),
        action="save",
        title_vi="Đổi",
        body_vi="Đổi",
        agency_id=str(ours.id),
    )
    assert renamed.status_code == 403
    db.session.expire_all()
    assert other.title_vi != "Đổi" and other.agency_id == theirs.id
    listed = client.get("/vi/admin/announcements").text
    assert item.title_vi in listed and other.title_vi not in listed


def test_a_form_without_its_token_changes_nothing(client, sign_in):
    sign_in("editor")
    answer = client.post(NEW, data={"title_vi": "A", "body_vi": "B", "action": "publish"})
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0


@pytest.mark.parametrize(
    "payload",
    ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)"],
)
def test_what_staff_type_is_shown_as_text_everywhere_it_appears(client, sign_in, payload):
    sign_in("editor")
    item = _write(
        client,
        title_vi=f"Tiêu đề {payload}",
        body_vi=f"Nội dung {payload}",
        title_en=f"Title {payload}",
        body_en=payload,
    )
    for url in (
        f"/vi/announcements/{item.slug}",
        f"/en/announcements/{item.slug}",
        "/vi/announcements",
        "/vi/admin/announcements",
        _edit_url(item),
        "/vi/",
    ):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert 'href="javascript:' not in page, url


def test_back_to_draft_takes_a_scheduled_one_off_the_schedule(client, sign_in):
    sign_in("editor")
    later = (local_date(utcnow()) + timedelta(days=3)).isoformat()
    item = _write(client, publish_date=later)
    answer = _post(client, f"{_edit_url(item)}/draft", form_url=_edit_url(item))
    assert answer.status_code == 303
    assert item.status == "draft" and item.publish_at is None
    again = _post(client, f"{_edit_url(item)}/draft", form_url=_edit_url(item))
    assert again.status_code == 400


def test_two_announcements_may_not_share_a_title_on_one_day(client, sign_in):
    sign_in("editor")
    first = _write(client)
    answer = _post(client, NEW, action="publish", title_vi=first.title_vi, body_vi="Khác.")
    assert answer.status_code == 400
    assert "Đã có thông báo khác cùng tiêu đề trong cùng ngày" in visible_text(answer.text)
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 1
    # Saved as a draft it may wait, and be published on another day.
    assert (
        _post(client, NEW, action="save", title_vi=first.title_vi, body_vi="Khác.").status_code
        == 303
    )


def test_a_title_of_spaces_only_is_refused_like_an_empty_one(client, sign_in):
    sign_in("editor")
    answer = _post(client, NEW, action="save", title_vi="   ", body_vi="Nội dung.")
    assert answer.status_code == 400
    assert "Hãy nhập tiêu đề tiếng Việt." in visible_text(answer.text)
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0
