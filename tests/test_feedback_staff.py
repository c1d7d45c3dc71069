"""The staff's side of feedback: the province office records what came another way than the
portal's form, accepts, rejects with a reason the sender reads, and assigns; an agency's
officers see only what was assigned to them and answer, with the signed answer's file."""

import csv
import io
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text
from werkzeug.datastructures import FileStorage

from portal import attachments, workdays
from portal.feedback import codes, queries
from portal.indexing import documents
from portal.models import Attachment, AuditEvent, Feedback, FeedbackEvent, db

CODE = codes.new()


def _feedback(**values):
    values.setdefault("code_hash", codes.digest(CODE.replace("-", "")))
    values.setdefault("sender_type", "citizen")
    values.setdefault("sender_name", "Trần Thị Mẫu")
    values.setdefault("sender_phone", "0987 654 321")
    values.setdefault("channel", "portal")
    values.setdefault("received_on", date(2026, 11, 30))
    values.setdefault("title", "Thời hạn cấp giấy phép xây dựng quá dài")
    values.setdefault("content", "Hồ sơ nộp đã 30 ngày chưa có kết quả.")
    item = Feedback(**values)
    item.events.append(FeedbackEvent(actor="sender", to_status="received"))
    db.session.add(item)
    db.session.commit()
    return item


def _post(client, url, form_url, **fields):
    fields["csrf_token"] = csrf_token(client, form_url)
    return client.post(url, data=fields)


def _status_page(client):
    url = "/vi/feedback/status"
    answer = client.post(url, data={"code": CODE, "csrf_token": csrf_token(client, url)})
    return visible_text(answer.text)


def test_the_office_accepts_and_assigns_and_the_sender_sees_each_step(client, sign_in, make_agency):
    item = _feedback()
    agency = make_agency(name_vi="Sở Xây dựng")
    sign_in("editor")
    queue = visible_text(client.get("/vi/admin/feedback?state=new").text)
    assert "Thời hạn cấp giấy phép xây dựng quá dài" in queue
    assert "Trần Thị Mẫu" not in queue  # no personal data in the list
    url = f"/vi/admin/feedback/{item.id}"
    page = visible_text(client.get(url).text)
    assert "Trần Thị Mẫu" in page and "0987 654 321" in page
    read = db.session.scalar(sa.select(AuditEvent).filter_by(kind="feedback.personal_data_read"))
    assert read.record == f"feedback:{item.id}"
    assert _post(client, f"{url}/accept", url).status_code == 303
    assert item.status == "accepted"
    answer = _post(client, f"{url}/assign", url, agency_id=str(agency.id))
    assert answer.status_code == 303
    assert (item.status, item.assigned_agency_id) == ("assigned", agency.id)
    sender = _status_page(client)
    assert "Đã thụ lý" in sender and "Đã chuyển cơ quan có thẩm quyền. Sở Xây dựng" in sender
    assert [e.to_status for e in item.events] == ["received", "accepted", "assigned"]
    kinds = {e.kind for e in db.session.scalars(sa.select(AuditEvent))}
    assert {"feedback.accepted", "feedback.assigned"} <= kinds


def test_a_rejection_needs_a_reason_and_the_sender_reads_it(client, sign_in):
    item = _feedback(title="Khiếu nại quyết định thu hồi đất")
    sign_in("editor")
    url = f"/vi/admin/feedback/{item.id}"
    refused = _post(client, f"{url}/reject", url, reason="  ")
    assert refused.status_code == 400 and item.status == "received"
    assert "Nêu lý do, và nơi người gửi có thể gửi đến." in visible_text(refused.text)
    reason = "Đây là khiếu nại: gửi Thanh tra tỉnh theo Luật Khiếu nại."
    assert _post(client, f"{url}/reject", url, reason=reason).status_code == 303
    assert item.status == "rejected"
    assert f"Không thuộc phạm vi. {reason}" in _status_page(client)
    assert _post(client, f"{url}/accept", url).status_code == 400  # no step back


def test_moving_it_to_another_agency_needs_a_reason(client, sign_in, make_agency):
    first, second = make_agency(), make_agency()
    item = _feedback(status="assigned", assigned_agency_id=first.id)
    sign_in("editor")
    url = f"/vi/admin/feedback/{item.id}"
    refused = _post(client, f"{url}/assign", url, agency_id=str(second.id))
    assert refused.status_code == 400 and item.assigned_agency_id == first.id
    assert "Nêu lý do chuyển sang cơ quan khác." in visible_text(refused.text)
    moved = _post(client, f"{url}/assign", url, agency_id=str(second.id), reason="Sai thẩm quyền")
    assert moved.status_code == 303 and item.assigned_agency_id == second.id


def test_an_officer_sees_only_what_was_assigned_to_their_agency_and_cannot_triage(
    client, sign_in, make_agency
):
    ours, theirs = make_agency(), make_agency()
    mine = _feedback(title="Việc của chúng tôi", status="assigned", assigned_agency_id=ours.id)
    other = _feedback(
        code_hash="0" * 64,
        title="Việc của nơi khác",
        status="assigned",
        assigned_agency_id=theirs.id,
    )
    new = _feedback(code_hash="1" * 64, title="Việc mới")
    sign_in("officer", ours)
    queue = visible_text(client.get("/vi/admin/feedback?state=all").text)
    assert "Việc của chúng tôi" in queue
    assert "Việc của nơi khác" not in queue and "Việc mới" not in queue
    assert client.get(f"/vi/admin/feedback/{mine.id}").status_code == 200
    assert client.get(f"/vi/admin/feedback/{other.id}").status_code == 403
    assert client.get(f"/vi/admin/feedback/{new.id}").status_code == 403
    url = f"/vi/admin/feedback/{mine.id}"
    assert _post(client, f"{url}/assign", url, agency_id=str(theirs.id)).status_code == 403
    assert mine.assigned_agency_id == ours.id
    refused = db.session.scalars(sa.select(AuditEvent).filter_by(kind="access.refused")).all()
    assert len(refused) == 3


def test_what_is_past_its_target_reads_overdue(client, sign_in, monkeypatch):
    _feedback(received_on=date(2026, 11, 2))
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 11, 30))
    sign_in("editor")
    assert "Quá hạn" in visible_text(client.get("/vi/admin/feedback").text)
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 11, 4))
    assert "Quá hạn" not in visible_text(client.get("/vi/admin/feedback").text)


def test_a_step_without_its_token_changes_nothing(client, sign_in):
    item = _feedback()
    sign_in("editor")
    assert client.post(f"/vi/admin/feedback/{item.id}/accept").status_code == 400
    assert item.status == "received"


def test_visitors_are_sent_to_sign_in(client):
    item = _feedback()
    for url in ("/vi/admin/feedback", f"/vi/admin/feedback/{item.id}"):
        answer = client.get(url)
        assert answer.status_code == 303 and "/vi/account/login" in answer.headers["Location"]


def _answered_and_published(client, sign_in, make_agency, monkeypatch):
    agency = make_agency(name_vi="Sở Xây dựng")
    item = _feedback(
        status="assigned",
        assigned_agency_id=agency.id,
        sender_email="mau.tran@example.com",
        content="Tôi là Trần Thị Mẫu, số 0987 654 321: hồ sơ nộp đã 30 ngày chưa có kết quả.",
    )
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 12, 9))
    sign_in("officer", agency)
    url = f"/vi/admin/feedback/{item.id}"
    answer = {
        "answer_vi": "Hồ sơ đã được giải quyết ngày 05/12/2026; Sở xin lỗi vì chậm trễ.",
        "signer_title": "Phó Giám đốc Sở Xây dựng",
        "answer_number": "125/SXD-VP",
        "answer_signed_on": "2026-12-08",
    }
    assert _post(client, f"{url}/answer", url, **answer).status_code == 303
    assert (item.status, item.answered_on) == ("answered", date(2026, 12, 9))
    # Publishing is the province office's.
    assert _post(client, f"{url}/publish", url, public_title="x").status_code == 403
    sign_in("editor")
    published = {
        "public_title": "Thời hạn cấp giấy phép xây dựng",
        "public_question": "Hồ sơ cấp giấy phép xây dựng nộp đã 30 ngày chưa có kết quả.",
        "personal_data": "2",
        "state_secret": "0",
        "business_secret": "0",
    }
    assert _post(client, f"{url}/publish", url, **published).status_code == 303
    return item


def test_an_answer_is_drafted_moderated_and_published_without_the_sender(
    client, sign_in, make_agency, monkeypatch
):
    item = _answered_and_published(client, sign_in, make_agency, monkeypatch)
    assert (item.status, item.published_on, len(item.redactions)) == (
        "published",
        date(2026, 12, 9),
        2,
    )
    page = client.get(f"/vi/feedback/{item.id}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Thời hạn cấp giấy phép xây dựng" in text
    assert "Hồ sơ đã được giải quyết ngày 05/12/2026" in text
    assert "Ngày tiếp nhận 30/11/2026" in text
    assert "Ngày trả lời 09/12/2026: 7 ngày làm việc, trong thời hạn tỉnh đặt ra" in text
    assert (
        "Đã lược bỏ khỏi câu hỏi công khai: dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP) (2)." in text
    )
    assert "Phó Giám đốc Sở Xây dựng · 125/SXD-VP · 08/12/2026" in text
    for private in ("Trần Thị Mẫu", "0987 654 321"):
        assert private not in page.text
    listed = visible_text(client.get("/en/feedback").text)
    assert "1 answer published" in listed and "Thời hạn cấp giấy phép xây dựng" in listed
    sender = _status_page(client)
    assert "Đã công khai câu trả lời" in sender and "Đọc câu trả lời" in sender


def test_moderation_sets_the_published_field_which_starts_as_the_item_s(
    client, sign_in, make_agency, make_sector
):
    civil = make_sector(slug="ho-tich", name_vi="Hộ tịch")
    land = make_sector(slug="dat-dai", name_vi="Đất đai")
    agency = make_agency(name_vi="Sở Tư pháp")
    item = _feedback(status="answered", assigned_agency_id=agency.id, sector_id=civil.id,
                     answer_vi="Trả lời.", answered_on=date(2026, 12, 1))  # fmt: skip
    sign_in("editor")
    url = f"/vi/admin/feedback/{item.id}"
    page = client.get(url).text
    assert re.search(rf'<option selected value="{civil.id}">Hộ tịch</option>', page), page
    published = {"public_title": "Đăng ký đất", "public_question": "Hỏi về đất.",
                 "sector_id": str(land.id), "personal_data": "0", "state_secret": "0",
                 "business_secret": "0"}  # fmt: skip
    assert _post(client, f"{url}/publish", url, **published).status_code == 303
    assert (item.status, item.sector_id) == ("published", land.id)
    assert "Lĩnh vực Đất đai" in visible_text(client.get(f"/vi/feedback/{item.id}").text)


def test_an_answer_is_not_public_before_it_is_published(client, sign_in, make_agency):
    agency = make_agency()
    item = _feedback(status="assigned", assigned_agency_id=agency.id)
    assert client.get(f"/vi/feedback/{item.id}").status_code == 404
    assert "Thời hạn cấp giấy phép" not in client.get("/vi/feedback").text


def test_an_answer_needs_its_text_signer_and_date(client, sign_in, make_agency):
    agency = make_agency()
    item = _feedback(status="assigned", assigned_agency_id=agency.id)
    sign_in("officer", agency)
    url = f"/vi/admin/feedback/{item.id}"
    refused = _post(client, f"{url}/answer", url, answer_vi=" ", answer_signed_on="2099-01-01")
    assert refused.status_code == 400 and item.status == "assigned"
    text = visible_text(refused.text)
    assert "Nhập nội dung trả lời." in text and "Nhập chức vụ người ký." in text
    assert "Ngày này ở tương lai." in text


def test_the_dashboard_lists_what_waits_for_each_person(client, sign_in, make_agency, monkeypatch):
    agency = make_agency()
    _feedback(title="Mới gửi đến")
    _feedback(
        code_hash="2" * 64, title="Đã chuyển Sở", status="assigned", assigned_agency_id=agency.id
    )
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 12, 10))
    sign_in("editor")
    office = visible_text(client.get("/vi/admin").text)
    assert "Phản ánh, kiến nghị chờ bạn xử lý (1)" in office
    assert "Mới gửi đến · trước ngày 03/12/2026 Quá hạn" in office
    assert "Đã chuyển Sở" not in office
    sign_in("officer", agency)
    officer = visible_text(client.get("/vi/admin").text)
    assert "Đã chuyển Sở · trước ngày 14/12/2026" in officer and "Mới gửi đến" not in officer


def test_a_published_answer_is_found_by_search_and_its_sender_is_not(
    client, sign_in, make_agency, monkeypatch, index
):
    item = _answered_and_published(client, sign_in, make_agency, monkeypatch)
    found = client.get("/vi/search?q=giay+phep+xay+dung+30+ngay&type=feedback")
    assert f'href="/vi/feedback/{item.id}"' in found.text
    assert "Câu trả lời phản ánh, kiến nghị" in visible_text(found.text)
    for private in ("Tran+Thi+Mau", "0987+654+321"):
        assert f"/vi/feedback/{item.id}" not in client.get(f"/vi/search?q={private}").text
    document = documents.to_document("feedback", item)
    stored = " ".join(str(value) for value in vars(document).values())
    assert "Trần Thị Mẫu" not in stored and "0987 654 321" not in stored


def test_an_unpublished_answer_is_not_in_search(client, sign_in, make_agency, index):
    agency = make_agency()
    item = _feedback(status="assigned", assigned_agency_id=agency.id, answer_vi="Đang soạn.")
    assert documents.to_document("feedback", item) is None
    assert "/vi/feedback/" not in client.get("/vi/search?q=giay+phep+xay+dung").text


def test_the_procedure_page_lists_answers_about_it_and_the_agency_page_counts_them(
    client, make_agency, make_procedure
):
    make_procedure(code="1.001193")
    agency = make_agency(slug="so-tu-phap")
    common = {"assigned_agency_id": agency.id, "answered_on": date(2026, 12, 1)}
    _feedback(
        code_hash="3" * 64,
        status="published",
        procedure_codes=["1.001193"],
        public_title="Bản sao giấy khai sinh",
        public_question="Có cần bản sao có chứng thực không?",
        answer_vi="Không cần.",
        published_on=date(2026, 12, 2),
        **common,
    )
    _feedback(code_hash="4" * 64, status="answered", procedure_codes=["1.001193"], **common)
    _feedback(code_hash="5" * 64, status="assigned", assigned_agency_id=agency.id)
    page = visible_text(client.get("/vi/procedures/1.001193").text)
    assert "Câu hỏi đã được trả lời về thủ tục này Bản sao giấy khai sinh 02/12/2026" in page
    figures = visible_text(client.get("/vi/agencies/so-tu-phap").text)
    assert "3 được chuyển đến, 2 đã trả lời, 1 đã công khai; 1 đang xử lý." in figures


def test_the_sender_is_e_mailed_the_link_when_the_answer_is_published(
    client, sign_in, make_agency, monkeypatch, inbox
):
    item = _answered_and_published(client, sign_in, make_agency, monkeypatch)
    (message,) = inbox
    assert message["To"] == "mau.tran@example.com"
    assert message["Subject"] == (
        "Phản ánh, kiến nghị của bạn đã được trả lời: Thời hạn cấp giấy phép xây dựng"
    )
    assert f"http://localhost/vi/feedback/{item.id}" in message.get_content()


def test_the_figures_reproduce_what_the_province_reported_for_2017(client, make_agency):
    """The seed report: of 16 received through other channels, 13 answered and published,
    3 still in progress (one published late here, to tell "answered" from "on time")."""
    agency = make_agency(name_vi="Sở Tư pháp")
    for n in range(16):
        published = n < 13
        _feedback(
            code_hash=f"{n:064d}",
            channel="press" if n % 2 else "referral",
            received_on=date(2017, 3, 1),
            status="published" if published else "assigned",
            assigned_agency_id=agency.id,
            answered_on=(date(2017, 3, 10) if n else date(2017, 4, 28)) if published else None,
            published_on=date(2017, 5, 2) if published else None,
            public_title=f"Câu hỏi {n}" if published else None,
            public_question="Nội dung." if published else None,
        )
    page = visible_text(client.get("/vi/feedback/statistics").text)
    assert "2017 16 0 13 12 13 3 3 0" in page
    assert "Sở Tư pháp 16 0 13 12 13 3 3 0" in page
    exported = client.get("/en/feedback/statistics?year=2017&format=csv")
    assert exported.headers["Content-Disposition"] == (
        'attachment; filename="feedback-statistics-2017-en.csv"'
    )
    lines = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == [
        "Year",
        "Agency",
        "Received",
        "Not in scope",
        "Answered",
        "Answered within the target",
        "Answer published",
        "Not answered yet",
        "In progress, past the target",
        "Withdrawn by the sender",
    ]
    assert ["2017", "Sở Tư pháp", "16", "0", "13", "12", "13", "3", "3", "0"] in lines
    assert client.get("/en/feedback/statistics?year=2017&format=json").json[0] == {
        "year": 2017,
        **dict(zip(("agency", *queries.MEASURES), ("", 16, 0, 13, 12, 13, 3, 3, 0), strict=True)),
    }
    for bad in ("abc", "%C2%B2", "1999"):
        assert client.get(f"/vi/feedback/statistics?year={bad}").status_code == 400


def _published(n, agency, **values):
    return _feedback(
        code_hash=f"{n:064d}",
        status="published",
        assigned_agency_id=agency.id,
        answer_agency_id=agency.id,
        answered_on=date(2026, 12, 1),
        published_on=date(2026, 12, 2),
        answer_vi="Trả lời.",
        **values,
    )


def test_the_answers_are_filtered_found_and_downloaded_without_the_sender(
    client, make_agency, index
):
    justice, building = make_agency(slug="so-tu-phap"), make_agency(slug="so-xay-dung")
    _published(1, justice, public_title="Bản sao giấy khai sinh", public_question="Có cần?",
               procedure_codes=["1.001193"], received_on=date(2025, 5, 4))  # fmt: skip
    _published(2, building, public_title="Giấy phép xây dựng nhà ở", public_question="Bao lâu?",
               channel="press")  # fmt: skip
    listed = visible_text(client.get("/vi/feedback?agency=so-tu-phap").text)
    assert "Bản sao giấy khai sinh" in listed and "Giấy phép xây dựng" not in listed
    assert "Giấy phép" in client.get("/vi/feedback?channel=press").text
    assert "Bản sao" not in client.get("/vi/feedback?channel=press").text
    assert "Bản sao" in client.get("/vi/feedback?year=2025&procedure=1.001193").text
    found = visible_text(client.get("/vi/feedback?q=giay+phep+xay+dung").text)
    assert "Giấy phép xây dựng nhà ở" in found and "Bản sao" not in found
    exported = client.get("/vi/feedback?agency=so-tu-phap&format=csv").get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
    # Headers and values in the page's language; the code marked as text (test_exports.py).
    assert (row["Tiêu đề"], row["Thủ tục hành chính"], row["Trong thời hạn"]) == (
        "Bản sao giấy khai sinh",
        "\u200b1.001193",
        "Không",
    )
    everything = client.get("/vi/feedback?format=json").get_data(as_text=True)
    assert len(json.loads(everything)) == 2
    (justice,) = [row for row in json.loads(everything) if row["title"].startswith("Bản sao")]
    assert (justice["procedures"], justice["within_target"]) == ("1.001193", False)
    for private in ("Trần Thị Mẫu", "0987 654 321"):
        assert private not in exported and private not in everything
    for bad in (
        "year=17",
        "year=%C2%B2",
        "channel=fax",
        "sort=random",
        "agency=%3Cb%3E",
        "procedure=x",
    ):
        assert client.get(f"/vi/feedback?{bad}").status_code == 400, bad


def test_a_search_that_matches_no_answer_says_so(client, make_agency, index):
    _published(1, make_agency(), public_title="Bản sao giấy khai sinh", public_question="?")
    answer = client.get("/vi/feedback?q=tau+vu+tru")
    assert answer.status_code == 200
    assert "Không có câu trả lời công khai nào phù hợp." in visible_text(answer.text)


# Staff intake: what reached the province another way than the portal's form

NEW_INTAKE = "/vi/admin/feedback/new"
CALL = {
    "channel": "hotline",
    "received_on": "2026-12-08",
    "sender_type": "citizen",
    "sender_name": "Phạm Văn Gọi",
    "sender_phone": "0918 000 111",
    "procedure_codes": "1.001193, 1.000894 1.001193",
    "title": "Không biết nộp hồ sơ cấp đổi giấy phép lái xe ở đâu",
    "content": "Người gọi hỏi nơi nộp hồ sơ cấp đổi giấy phép lái xe sau khi sáp nhập tỉnh.",
}


def _record(client, **fields):
    values = {**CALL, "csrf_token": csrf_token(client, NEW_INTAKE), **fields}
    return client.post(NEW_INTAKE, data=values, content_type="multipart/form-data")


def _count(model, **where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def test_the_office_records_a_hotline_call_and_reads_its_code_once(
    app, client, sign_in, make_agency, make_procedure, monkeypatch
):
    for code in ("1.001193", "1.000894"):
        make_procedure(code=code)
    agency = make_agency(name_vi="Sở Giao thông vận tải")
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 12, 9))
    user = sign_in("editor")
    queue = client.get("/vi/admin/feedback").text
    assert f'href="{NEW_INTAKE}"' in queue
    assert "Nhập phản ánh, kiến nghị tiếp nhận qua kênh khác" in visible_text(queue)
    assert "Kênh tiếp nhận" in visible_text(client.get(NEW_INTAKE).text)
    scan = (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ghi chep cuoc goi.pdf")
    answer = _record(client, agency_id=str(agency.id), file=scan)
    assert answer.status_code == 303 and answer.headers["Location"] == "/vi/admin/feedback/received"
    shown = client.get("/vi/admin/feedback/received")
    code = shown.text.split('class="tracking-code" lang="en"><strong>')[1].split("<")[0]
    text = visible_text(shown.text)
    assert "Mã tra cứu của người gửi:" in text and "chỉ hiển thị một lần" in text
    assert "Ngày tiếp nhận 08/12/2026 (đường dây nóng)" in text
    assert "Dự kiến trả lời trước ngày 22/12/2026" in text
    assert "Không có thư điện tử nào được gửi: hãy báo mã tra cứu cho người gửi" in text
    assert client.get("/vi/admin/feedback/received").status_code == 404  # shown once
    item = db.session.scalar(sa.select(Feedback))
    assert item.code_hash == codes.digest(codes.normalised(code)) and code not in item.code_hash
    assert (item.channel, item.received_on, item.agency_id, item.procedure_codes) == (
        "hotline",
        date(2026, 12, 8),
        agency.id,
        ["1.001193", "1.000894"],
    )
    (event,) = item.events
    assert (event.actor, event.to_status, event.note) == (
        user.email,
        "received",
        "Tiếp nhận qua: đường dây nóng.",
    )
    (audited,) = db.session.scalars(sa.select(AuditEvent).filter_by(kind="feedback.received"))
    assert (audited.actor, audited.record, audited.details) == (
        user.email,
        f"feedback:{item.id}",
        {"channel": "hotline"},
    )
    (file,) = db.session.scalars(sa.select(Attachment))
    assert file.record == f"feedback:{item.id}"  # the sender's: never public
    page = client.get(f"/vi/admin/feedback/{item.id}").text
    for code_ in ("1.001193", "1.000894"):
        assert f'href="/vi/procedures/{code_}"' in page
    assert "Phạm Văn Gọi" in visible_text(page) and "ghi chep cuoc goi.pdf" in visible_text(page)
    # The caller follows it with the code read to them, and reads no personal data there.
    caller = app.test_client()
    status = caller.post(
        "/vi/feedback/status",
        data={"code": code, "csrf_token": csrf_token(caller, "/vi/feedback/status")},
    )
    assert "Đã tiếp nhận. Tiếp nhận qua: đường dây nóng." in visible_text(status.text)
    assert "Phạm Văn Gọi" not in status.text and user.email not in status.text


def test_the_office_e_mails_the_receipt_when_it_has_an_address(client, sign_in, inbox, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 12, 9))
    sign_in("editor")
    answer = _record(client, channel="email", procedure_codes="", sender_email="goi@example.com")
    assert answer.status_code == 303
    shown = client.get("/vi/admin/feedback/received").text
    code = shown.split('class="tracking-code" lang="en"><strong>')[1].split("<")[0]
    assert "Giấy biên nhận kèm mã tra cứu đã được gửi đến thư điện tử của người gửi." in (
        visible_text(shown)
    )
    (message,) = inbox
    assert message["To"] == "goi@example.com"
    assert message["Subject"].startswith("Đã tiếp nhận phản ánh, kiến nghị:")
    assert code in message.get_content()


def test_officers_may_not_record_feedback(client, sign_in, make_agency):
    sign_in("officer", make_agency())
    assert f'href="{NEW_INTAKE}"' not in client.get("/vi/admin/feedback").text
    assert client.get(NEW_INTAKE).status_code == 403
    token = csrf_token(client, "/vi/admin/feedback")  # any form's token: the page is refused
    assert client.post(NEW_INTAKE, data={**CALL, "csrf_token": token}).status_code == 403
    assert _count(Feedback) == 0


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"channel": "portal"}, "channel", "Chọn kênh tỉnh đã tiếp nhận phản ánh, kiến nghị này."),
        ({"channel": ""}, "channel", "Chọn kênh tỉnh đã tiếp nhận phản ánh, kiến nghị này."),
        ({"received_on": "2026-12-10"}, "received_on", "Ngày này ở tương lai."),
        ({"received_on": ""}, "received_on", "Nhập ngày tiếp nhận."),
        ({"sender_name": "  "}, "sender_name", "Nhập họ tên."),
        ({"sender_name": "x" * 201}, "sender_name", "Tối đa 200 ký tự; nội dung này có 201."),
        ({"sender_email": "goi.example.com"}, "sender_email", "Nhập địa chỉ thư điện tử"),
        ({"sender_phone": "gọi lại"}, "sender_phone", "Số điện thoại gồm chữ số"),
        (
            {"procedure_codes": "1.001193 abc"},
            "procedure_codes",
            "Mã thủ tục có dạng 1.001193; abc không đúng dạng này.",
        ),
        (
            {"procedure_codes": "1.001193, 1.999999"},
            "procedure_codes",
            "Không có thủ tục nào mang mã 1.999999.",
        ),
        ({"title": "x" * 10_000}, "title", "Tối đa 300 ký tự; nội dung này có 10000."),
        ({"content": ""}, "content", "Nhập nội dung người gửi trình bày."),
        ({"file": "disguised"}, "file", "Hãy đính kèm tệp PDF, JPEG hoặc PNG"),
    ],
)
def test_bad_intake_is_refused_next_to_its_field_and_nothing_is_stored(
    client, sign_in, make_procedure, monkeypatch, fields, field, message
):
    make_procedure(code="1.001193")
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 12, 9))
    sign_in("editor")
    if fields.get("file") == "disguised":  # a program named .pdf, made for each run
        fields = {"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "ghi am.pdf")}
    answer = _record(client, **fields)
    assert answer.status_code == 400
    error = answer.text.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert message in error
    assert _count(Feedback) == 0 and _count(Attachment) == 0
    assert _count(AuditEvent, kind="feedback.received") == 0


# The signed answer's file: public with the answer once published; the sender's never


def test_the_signed_answer_is_downloadable_once_published_and_the_sender_s_file_never(
    app, client, sign_in, make_agency, monkeypatch
):
    agency = make_agency(name_vi="Sở Xây dựng")
    item = _feedback(status="assigned", assigned_agency_id=agency.id)
    sender_file = attachments.attach(
        FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n can cuoc"), "can cuoc.png"), item, "sender"
    )
    db.session.commit()
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 12, 9))
    sign_in("officer", agency)
    url = f"/vi/admin/feedback/{item.id}"
    answer = {
        "answer_vi": "Hồ sơ đã được giải quyết ngày 05/12/2026.",
        "signer_title": "Phó Giám đốc Sở Xây dựng",
        "answer_signed_on": "2026-12-08",
    }
    disguised = (io.BytesIO(b"<script>alert(1)</script>"), "cong van.pdf")
    refused = _post(client, f"{url}/answer", url, **answer, file=disguised)
    assert refused.status_code == 400 and item.status == "assigned"
    assert "Hãy đính kèm tệp PDF, JPEG hoặc PNG" in visible_text(refused.text)
    signed = b"%PDF-1.7\n cong van 125/SXD-VP\n%%EOF\n"
    saved = _post(client, f"{url}/answer", url, **answer, file=(io.BytesIO(signed), "cv 125.pdf"))
    assert saved.status_code == 303 and item.status == "answered"
    (file,) = attachments.of(item, "answer")
    staff_page = client.get(url).text
    assert f'href="{url}/files/{file.id}"' in staff_page
    staff_copy = client.get(f"{url}/files/{file.id}")
    assert staff_copy.status_code == 200 and staff_copy.data == signed
    staff_copy.close()
    public_file = f"/vi/feedback/{item.id}/files/{file.id}"
    assert client.get(public_file).status_code == 404  # not before it is published
    sign_in("editor")
    published = {
        "public_title": "Thời hạn cấp giấy phép xây dựng",
        "public_question": "Hồ sơ cấp giấy phép xây dựng nộp đã 30 ngày chưa có kết quả.",
        "personal_data": "0",
        "state_secret": "0",
        "business_secret": "0",
    }
    assert _post(client, f"{url}/publish", url, **published).status_code == 303
    visitor = app.test_client()  # what anyone reads, signed in or not
    page = visitor.get(f"/vi/feedback/{item.id}").text
    assert f'href="{public_file}"' in page
    assert "Văn bản trả lời đã ký: cv 125.pdf" in visible_text(page)
    assert "can cuoc" not in page and f"/files/{sender_file.id}" not in page
    download = visitor.get(public_file)
    assert download.status_code == 200 and download.data == signed
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    download.close()
    for elsewhere in (
        f"/vi/feedback/{item.id}/files/{sender_file.id}",
        f"/vi/inspections/attachments/{sender_file.id}",
        f"/vi/inspections/attachments/{file.id}",
    ):
        assert visitor.get(elsewhere).status_code == 404, elsewhere
