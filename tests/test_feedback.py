"""Feedback and petitions, the citizen's side: send, get a tracking code shown once, follow
it; personal data never shown, bad input refused with a message and nothing stored."""

import hashlib
import http.client
import io
import os
import re
import socket
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from pagetext import visible_text

from portal import workdays
from portal.feedback import codes
from portal.feedback import views as feedback_views
from portal.models import Attachment, Feedback, FeedbackEvent, RateEvent, db

NEW, STATUS = "/vi/feedback/new", "/vi/feedback/status"
ROOT = Path(__file__).resolve().parent.parent
SENDER = {
    "sender_type": "citizen",
    "sender_name": "Nguyễn Văn Thử",
    "sender_phone": "0912 345 678",
    "sender_email": "thu.nguyen@example.com",
    "sender_address": "Ấp 3, xã Tân Thành",
}


def _send(client, **fields):
    values = {
        **SENDER,
        "title": "Hồ sơ khai sinh phải nộp bản sao có chứng thực",
        "content": "Bộ phận một cửa yêu cầu bản sao có chứng thực dù quy định không bắt buộc.",
        "csrf_token": csrf_token(client, NEW),
        **fields,
    }
    return client.post(NEW, data=values, content_type="multipart/form-data")


def _code_from(client):
    page = client.get("/vi/feedback/sent")
    assert page.status_code == 200
    return page.text.split('class="tracking-code" lang="en"><strong>')[1].split("<")[0]


def _look_up(client, code):
    return client.post(STATUS, data={"code": code, "csrf_token": csrf_token(client, STATUS)})


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Tracking codes


def test_a_code_has_130_random_bits_in_groups_read_aloud():
    made = {codes.new() for _ in range(2000)}
    assert len(made) == 2000
    code = made.pop()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4] * 7
    assert set(code.replace("-", "")) <= set(codes.ALPHABET) and len(codes.ALPHABET) == 32
    assert codes.BODY * 5 >= 128
    # As typed over the phone: lower case, spaces, O for 0, I or L for 1.
    plain = code.replace("-", "")
    typed = " ".join(groups).lower().replace("0", "o").replace("1", "l")
    assert codes.normalised(typed) == plain


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c[:-2], "Mã tra cứu có 28 chữ và số; mã này có 26."),
        (lambda c: c[:5] + "U" + c[6:], "Mã tra cứu không có ký tự U: hãy kiểm tra lại."),
        (lambda c: "", "Nhập mã tra cứu ghi trên giấy biên nhận."),
    ],
)
def test_a_code_that_cannot_be_one_says_why(app, change, message):
    code = codes.new().replace("-", "")
    with app.test_request_context("/vi/"), pytest.raises(codes.BadCode) as bad:
        codes.normalised(change(code))
    assert str(bad.value) == message


def test_the_check_catches_every_mistyped_character_and_every_swap_of_neighbours():
    code = codes.new().replace("-", "")
    typos = set()
    for i in range(codes.BODY):
        for char in codes.ALPHABET:
            typos.add(code[:i] + char + code[i + 1 :])
        if i + 1 < codes.BODY:
            typos.add(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
    typos.discard(code)
    assert len(typos) > 26 * 31
    for typo in typos:
        with pytest.raises(codes.BadCode):
            codes.normalised(typo)


# Sending


def test_a_citizen_sends_feedback_and_gets_a_code_shown_once(client, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 11, 30))
    answer = _send(client)
    assert answer.status_code == 303 and answer.location == "/vi/feedback/sent"
    page = visible_text(client.get("/vi/feedback/sent").text)
    assert "Phản ánh, kiến nghị của bạn đã được tiếp nhận" in page
    assert "Ngày tiếp nhận 30/11/2026" in page
    assert "Dự kiến trả lời trước ngày 14/12/2026 (10 ngày làm việc sau ngày tiếp nhận)" in page
    assert client.get("/vi/feedback/sent").status_code == 404  # shown once
    item = db.session.scalar(sa.select(Feedback))
    assert (item.sender_name, item.channel, item.status) == ("Nguyễn Văn Thử", "portal", "received")
    assert [e.to_status for e in item.events] == ["received"]


def test_only_the_code_s_hash_is_kept(client):
    _send(client)
    code = _code_from(client)
    plain = code.replace("-", "")
    item = db.session.scalar(sa.select(Feedback))
    assert item.code_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = " ".join(str(v) for v in db.session.execute(sa.select(Feedback.__table__)).one())
    assert plain not in stored and code not in stored


def test_the_status_page_shows_the_history_and_no_personal_data(client):
    _send(client)
    code = _code_from(client)
    answer = _look_up(client, code.lower().replace("-", " "))
    assert answer.status_code == 200
    page = visible_text(answer.text)
    assert "Hồ sơ khai sinh phải nộp bản sao có chứng thực" in page
    assert "Tình trạng Đã tiếp nhận" in page and "Dự kiến trả lời trước ngày" in page
    for private in SENDER.values():
        if private != "citizen":
            assert private not in answer.text
    assert code not in answer.text  # not echoed back into the page either


def test_wrong_codes_are_all_answered_the_same_way(client):
    _send(client)
    other = codes.new()  # well formed, but nobody's
    answer = _look_up(client, other)
    assert answer.status_code == 404
    assert "Không có phản ánh, kiến nghị nào mang mã này." in visible_text(answer.text)
    typo = _look_up(client, other[:-1] + ("0" if other[-1] != "0" else "1"))
    assert typo.status_code == 400
    assert "Mã này bị gõ nhầm: hãy đối chiếu với giấy biên nhận." in visible_text(typo.text)


def test_the_field_only_robots_see_stops_a_robot_and_stores_nothing(client):
    answer = _send(client, nickname="http://spam.example")
    assert answer.status_code == 400
    assert "Hãy để trống ô này." in visible_text(answer.text)
    assert _count(Feedback) == 0


def test_text_typed_in_decomposed_unicode_is_stored_composed(client):
    decomposed = unicodedata.normalize("NFD", "Thủ tục đăng ký khai sinh")
    assert _send(client, title=decomposed).status_code == 303
    assert db.session.scalar(sa.select(Feedback.title)) == "Thủ tục đăng ký khai sinh"


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"title": "x" * 10_000}, "title", "Tối đa 300 ký tự; nội dung này có 10000."),
        ({"sender_name": ""}, "sender_name", "Nhập họ tên."),
        ({"content": "   "}, "content", "Nhập nội dung phản ánh, kiến nghị."),
        ({"sender_email": "thu.nguyen"}, "sender_email", "Nhập địa chỉ thư điện tử"),
        ({"procedure_code": "1.999999"}, "procedure_code", "Không có thủ tục nào mang mã này."),
        ({"procedure_code": "abc"}, "procedure_code", "Mã thủ tục có dạng 1.001193."),
        ({"file": "disguised"}, "file", "Hãy đính kèm tệp PDF, JPEG hoặc PNG"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_stored(
    client, fields, field, message
):
    if fields.get("file") == "disguised":  # a program named .pdf, made for each run
        fields = {"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "don.pdf")}
    answer = _send(client, **fields)
    assert answer.status_code == 400
    error = answer.text.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert message in error
    kept = 'value="Hồ sơ khai sinh phải nộp bản sao có chứng thực"' if field != "title" else ""
    assert kept in answer.text  # what was typed is kept
    assert _count(Feedback) == 0 and _count(Attachment) == 0


def test_an_attachment_is_kept_with_the_feedback(client):
    pdf = b"%PDF-1.4\n%%EOF\n"
    assert _send(client, file=(io.BytesIO(pdf), "giay to.pdf")).status_code == 303
    (file,) = db.session.scalars(sa.select(Attachment)).all()
    item = db.session.scalar(sa.select(Feedback))
    assert (file.record, file.filename, file.size) == (f"feedback:{item.id}", "giay to.pdf", 15)


def test_the_answer_date_skips_tet(client, monkeypatch):
    """Sent on the Friday before Tết 2026: the five days off do not count."""
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 2, 13))
    _send(client)
    page = visible_text(client.get("/vi/feedback/sent").text)
    assert "Dự kiến trả lời trước ngày 06/03/2026" in page


# Rate limits, shared through the database


def test_one_address_may_send_five_an_hour_and_keeps_what_it_typed(client):
    for _ in range(feedback_views.SEND_LIMIT):
        assert _send(client).status_code == 303
    refused = _send(client, title="Lần thứ sáu")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Kết nối này đã thử quá nhiều lần." in visible_text(refused.text)
    assert 'value="Lần thứ sáu"' in refused.text
    assert _count(Feedback) == feedback_views.SEND_LIMIT


def test_code_lookups_are_limited_per_address(client):
    for _ in range(feedback_views.LOOKUP_LIMIT):
        assert _look_up(client, codes.new()).status_code == 404
    assert _look_up(client, codes.new()).status_code == 429
    keys = set(db.session.scalars(sa.select(RateEvent.key)))
    assert keys == {"feedback-code:127.0.0.1"}


def test_the_history_is_append_only(client):
    _send(client)
    event = db.session.scalar(sa.select(FeedbackEvent))
    event.note = "sửa lại"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


# E-mail, through a real SMTP server on this machine


def test_the_sender_gets_a_receipt_with_the_code_by_e_mail(client, inbox):
    _send(client)
    page = client.get("/vi/feedback/sent").text
    code = page.split('class="tracking-code" lang="en"><strong>')[1].split("<")[0]
    assert "Giấy biên nhận kèm mã tra cứu đã được gửi đến địa chỉ thư điện tử" in visible_text(page)
    (message,) = inbox
    assert message["To"] == SENDER["sender_email"]
    assert message["Subject"].startswith("Đã tiếp nhận phản ánh, kiến nghị:")
    body = message.get_content()
    assert code in body and "/vi/feedback/status" in body


def test_without_a_mail_server_the_portal_says_no_e_mail_was_sent(client):
    _send(client)
    page = visible_text(client.get("/vi/feedback/sent").text)
    assert "Không có thư điện tử nào được gửi" in page


def test_a_mail_server_that_is_down_costs_nothing_but_the_receipt(app, client, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    app.config["MAIL_SERVER"] = f"127.0.0.1:{port}"
    assert _send(client).status_code == 303
    page = visible_text(client.get("/vi/feedback/sent").text)
    assert "Không gửi được giấy biên nhận qua thư điện tử" in page
    assert _count(Feedback) == 1
    assert SENDER["sender_email"] not in caplog.text  # the address is not logged


def test_four_gunicorn_workers_let_one_address_send_five_at_the_most(app, tmp_path):
    """Twenty at once from one address, spread over four worker processes: the count is
    in the database, so no worker lets a sixth through (a burst may get fewer)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-only",
        "TRUSTED_HOSTS": "127.0.0.1",
        "SEARCH_INDEX_DIR": str(tmp_path / "gunicorn-index"),
        "ATTACHMENT_DIR": str(tmp_path / "gunicorn-attachments"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--workers", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = Counter(pool.map(lambda _n: _send_over_http(port), range(20)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    accepted = statuses[303]
    assert 1 <= accepted <= feedback_views.SEND_LIMIT, statuses
    assert statuses[429] == 20 - accepted, statuses
    db.session.expire_all()
    assert _count(Feedback) == accepted


def _wait_for(port):
    for _ in range(150):
        try:
            _http(port, "GET", "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not start")


def _http(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response, response.read().decode()
    finally:
        connection.close()


def _send_over_http(port):
    """As a browser does it: the form (its cookie and token), then the post."""
    form, page = _http(port, "GET", "/vi/feedback/new")
    cookie = form.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page)[1]
    fields = {**SENDER, "title": "Cùng lúc", "content": "Gửi cùng lúc.", "csrf_token": token}
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    answer, _page = _http(port, "POST", "/vi/feedback/new", urlencode(fields), headers)
    return answer.status


# Withdrawal by the sender

WITHDRAW = "/vi/feedback/status/withdraw"


def _withdraw(client, code, **fields):
    values = {"code": code, "confirm": "y", "csrf_token": csrf_token(client, STATUS), **fields}
    return client.post(WITHDRAW, data=values)


def test_the_sender_withdraws_what_is_not_answered_and_the_status_page_says_when(
    client, monkeypatch
):
    _send(client)
    code = _code_from(client)
    looked_up = _look_up(client, code)
    assert "Rút phản ánh, kiến nghị của tôi" in visible_text(looked_up.text)
    answer = _withdraw(client, code, note="Đã được giải quyết tại xã.")
    assert answer.status_code == 200
    page = visible_text(answer.text)
    assert "Tình trạng Người gửi đã rút" in page and "Ngày rút" in page
    assert "Người gửi đã rút. Đã được giải quyết tại xã." in page
    assert "Dự kiến trả lời trước ngày" not in page
    item = db.session.scalar(sa.select(Feedback))
    assert item.status == "withdrawn"
    last = item.events[-1]
    assert (last.actor, last.from_status, last.to_status, last.note) == (
        "sender",
        "received",
        "withdrawn",
        "Đã được giải quyết tại xã.",
    )
    later = _look_up(client, code)
    assert "Ngày rút" in visible_text(later.text)
    assert "Rút phản ánh, kiến nghị của tôi" not in visible_text(later.text)  # done once
    assert _withdraw(client, code).status_code == 400
    assert len(item.events) == 2


def test_withdrawing_needs_the_tick_and_a_right_code_and_changes_nothing_without(client):
    _send(client)
    code = _code_from(client)
    unticked = _withdraw(client, code, confirm="")
    assert unticked.status_code == 400
    assert "Đánh dấu vào ô để xác nhận bạn rút phản ánh, kiến nghị." in visible_text(unticked.text)
    wrong = _withdraw(client, codes.new())
    looked_up = _look_up(client, codes.new())
    assert wrong.status_code == looked_up.status_code == 404
    message = "Không có phản ánh, kiến nghị nào mang mã này."
    assert message in visible_text(wrong.text) and message in visible_text(looked_up.text)
    assert "Tình trạng" not in visible_text(wrong.text)
    no_token = client.post(WITHDRAW, data={"code": code, "confirm": "y"})
    assert no_token.status_code == 400
    assert db.session.scalar(sa.select(Feedback.status)) == "received"


def test_withdrawals_count_as_lookups_against_the_limit(client):
    for _ in range(feedback_views.LOOKUP_LIMIT):
        assert _withdraw(client, codes.new()).status_code == 404
    assert _look_up(client, codes.new()).status_code == 429
    assert set(db.session.scalars(sa.select(RateEvent.key))) == {"feedback-code:127.0.0.1"}


def test_what_is_answered_cannot_be_withdrawn(client, make_feedback):
    code = codes.new()
    make_feedback(published=True, code_hash=codes.digest(code.replace("-", "")))
    assert "Rút phản ánh, kiến nghị của tôi" not in visible_text(_look_up(client, code).text)
    refused = _withdraw(client, code)
    assert refused.status_code == 400
    assert "Không thể rút phản ánh, kiến nghị này nữa" in visible_text(refused.text)
    assert db.session.scalar(sa.select(Feedback.status)) == "published"


def test_staff_see_it_withdrawn_and_no_longer_in_progress_or_overdue(client, sign_in, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 11, 2))
    _send(client, title="Rút lại sau khi gửi")
    code = _code_from(client)
    _send(client, title="Vẫn đang chờ")
    monkeypatch.setattr(workdays, "today", lambda: date(2026, 12, 30))
    assert _withdraw(client, code).status_code == 200
    sign_in("editor")
    open_items = visible_text(client.get("/vi/admin/feedback").text)
    assert "Vẫn đang chờ" in open_items and "Rút lại sau khi gửi" not in open_items
    everything = visible_text(client.get("/vi/admin/feedback?state=all").text)
    assert "Rút lại sau khi gửi 02/11/2026 · Người gửi đã rút Vẫn đang chờ" in everything
    assert everything.count("Quá hạn") == 1  # the one still waiting
    withdrawn = client.get("/vi/admin/feedback?state=withdrawn").text
    assert "Rút lại sau khi gửi" in withdrawn and "Vẫn đang chờ" not in withdrawn
    states = re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', withdrawn)
    assert states == [
        ("new", "Mới, cần thụ lý hoặc từ chối (1)"),
        ("open", "Chưa trả lời (1)"),
        ("withdrawn", "Người gửi đã rút (1)"),
        ("all", "Tất cả (2)"),
    ]
    assert "Rút lại sau khi gửi" not in visible_text(client.get("/vi/admin").text)
    item = db.session.scalar(sa.select(Feedback).filter_by(title="Rút lại sau khi gửi"))
    assert client.post(f"/vi/admin/feedback/{item.id}/accept", data={
        "csrf_token": csrf_token(client, f"/vi/admin/feedback/{item.id}")
    }).status_code == 400  # fmt: skip
    # received 2, in progress 1, overdue 1, withdrawn 1
    assert "2026 2 0 0 0 0 1 1 1" in visible_text(client.get("/vi/feedback/statistics").text)


# The field (lĩnh vực)


def test_the_sender_may_choose_a_field_and_without_one_it_is_the_procedure_s(
    client, make_sector, make_procedure
):
    civil = make_sector(slug="ho-tich", name_vi="Hộ tịch", name_en="Civil status")
    land = make_sector(slug="dat-dai", name_vi="Đất đai", name_en="Land")
    make_procedure(code="1.001193", name_vi="Đăng ký khai sinh", sector_id=civil.id)

    form = client.get("/en/feedback/new").text
    assert re.search(r'<option value="\d+">Civil status</option>', form)
    assert _send(client, sector_id=str(land.id), title="Đất").status_code == 303
    assert _send(client, procedure_code="1.001193", title="Khai sinh").status_code == 303
    assert _send(client, title="Không rõ").status_code == 303
    fields = dict(db.session.execute(sa.select(Feedback.title, Feedback.sector_id)).all())
    assert fields == {"Đất": land.id, "Khai sinh": civil.id, "Không rõ": None}


def test_a_choice_that_is_not_on_the_list_is_refused_in_the_page_s_language(client):
    # WTForms has no Vietnamese: its "Not a valid choice." comes from the portal's catalog.
    for field in ("sector_id", "agency_id"):
        answer = _send(client, **{field: "999"})
        assert answer.status_code == 400
        assert "Lựa chọn không có trong danh sách." in visible_text(answer.text)
    answer = client.post(
        "/en/feedback/new", data={"sector_id": "999", "csrf_token": csrf_token(client, NEW)}
    )
    assert "Not a valid choice." in visible_text(answer.text)
    assert _count(Feedback) == 0
