"""Attached files (portal/attachments.py): checked by their bytes, kept once, sent safely."""

import hashlib
import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from portal import attachments
from portal.models import Attachment, AuditEvent, db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _upload(data, name="bao-cao.pdf"):
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.fixture
def report(make_follow_up):
    return make_follow_up()


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_a_file_is_kept_under_its_hash_with_the_type_its_bytes_say(app, report, data, media_type):
    kept = attachments.attach(_upload(data, "scan.bin"), report, "officer@example.vn")
    digest = hashlib.sha256(data).hexdigest()
    assert (kept.media_type, kept.size, kept.sha256) == (media_type, len(data), digest)
    assert kept.record == f"follow_up:{report.id}"
    path = Path(app.config["ATTACHMENT_DIR"]) / digest[:2] / digest
    assert path.read_bytes() == data
    event = db.session.scalar(db.select(AuditEvent).filter_by(kind="attachment.added"))
    assert (event.actor, event.record, event.details["sha256"]) == (
        "officer@example.vn",
        kept.record,
        digest,
    )


def test_the_same_file_attached_twice_is_stored_once(app, report, make_follow_up):
    other = make_follow_up()
    first = attachments.attach(_upload(PDF), report, "a@example.vn")
    second = attachments.attach(_upload(PDF, "again.pdf"), other, "b@example.vn")
    assert first.sha256 == second.sha256 and first.id != second.id
    stored = [p for p in Path(app.config["ATTACHMENT_DIR"]).rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert [a.filename for a in attachments.of(other)] == ["again.pdf"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script>", "report.pdf", "PDF, JPEG hoặc PNG"),
        (b"GIF89a" + b"\x00" * 20, "photo.png", "PDF, JPEG hoặc PNG"),
        (b"", "empty.pdf", "Tệp trống"),
    ],
)
def test_a_file_is_judged_by_its_bytes_not_its_name(app, report, data, name, message):
    with pytest.raises(attachments.Refused, match=message):
        attachments.attach(_upload(data, name), report, "a@example.vn")
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert not Path(app.config["ATTACHMENT_DIR"]).exists()


def test_a_file_over_the_limit_is_refused_with_the_limit_named(app, report):
    app.config["ATTACHMENT_MAX_BYTES"] = 1_000_000
    with pytest.raises(attachments.Refused, match="lớn hơn 1 MB"):
        attachments.attach(_upload(PDF + b"0" * 1_000_000), report, "a@example.vn")
    kept = attachments.attach(_upload(PDF + b"0" * (1_000_000 - len(PDF))), report, "a@x.vn")
    assert kept.size == 1_000_000


@pytest.mark.parametrize(
    ("name", "media_type", "safe"),
    [
        ("../../etc/passwd.html", "image/png", "passwd.png"),
        ("C:\\Users\\cb\\Báo cáo khắc phục.pdf", "application/pdf", "Báo cáo khắc phục.pdf"),
        ('a"b<c>\r\nd.jpeg', "image/jpeg", "abcd.jpg"),
        ("", "application/pdf", "file.pdf"),
        ("...", "application/pdf", "file.pdf"),
    ],
)
def test_a_name_keeps_no_folder_no_control_character_and_the_true_extension(name, media_type, safe):
    assert attachments.safe_name(name, media_type) == safe


def test_a_file_is_sent_as_a_download_of_its_checked_type(app, report):
    kept = attachments.attach(_upload(PNG, "ảnh chụp.html"), report, "a@example.vn")
    with app.test_request_context():
        response = attachments.send(kept)
        response.direct_passthrough = False
        assert response.get_data() == PNG
        response.close()
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''%E1%BA%A3nh%20ch%E1%BB%A5p.png" in response.headers["Content-Disposition"]
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
