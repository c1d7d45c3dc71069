"""Files attached to records: a signed conclusion's PDF, a scanned decision, a photo.

A file is accepted by what its bytes are (PDF, JPEG or PNG), never by its name, and up to
ATTACHMENT_MAX_BYTES. Its bytes are stored once per content, outside the web root, under
ATTACHMENT_DIR (instance/attachments) as `ab/abcdef…` by their SHA-256: the same file
attached twice is kept once. It is sent back as a download with its checked type and
`nosniff`, so a browser never runs it as a page. The caller checks who may read it and
commits.

Several hosts need ATTACHMENT_DIR on shared storage; a backup of the database needs a copy
of it too (its files never change, so copying it while the portal runs is safe).
"""

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from portal import audit
from portal.access import record_key
from portal.models import Attachment, db

# What each accepted type starts with, and the extension its downloads get.
TYPES = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
}


class Refused(ValueError):
    """A file the portal does not keep; the message says why, in the visitor's language."""


def sniff(head):
    """The media type the bytes are, or None when they are none of TYPES."""
    for media_type, (magic, _extension) in TYPES.items():
        if head.startswith(magic):
            return media_type
    return None


def read(upload):
    """The bytes of an upload (a werkzeug FileStorage) and their type, or Refused."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise Refused(_l("The file is empty."))
    if len(data) > limit:
        raise Refused(_l("The file is larger than %(size)s MB.", size=f"{limit / 1_000_000:g}"))
    media_type = sniff(data)
    if media_type is None:
        raise Refused(_l("Attach a PDF, JPEG or PNG file; this file is none of them."))
    return data, media_type


def checked(form, field):
    """A form validator for an optional FileField: the file is one the portal keeps (its
    stream is rewound for attach())."""
    if not field.data:
        return
    try:
        read(field.data)
    except Refused as refused:
        raise ValidationError(str(refused)) from None
    field.data.stream.seek(0)


def attach(upload, record, actor, part=None):
    """Keep the upload for `record` (flushed, with an id), or for one `part` of it (a
    feedback's "answer", which is public once published while the sender's file never
    is); returns the Attachment."""
    data, media_type = read(upload)
    digest = hashlib.sha256(data).hexdigest()
    path = _path(digest)
    if not path.exists():  # the same content is stored once
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: another worker never reads half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as written:
            written.write(data)
        os.replace(written.name, path)
    attachment = Attachment(
        record=_key(record, part),
        sha256=digest,
        media_type=media_type,
        size=len(data),
        filename=safe_name(upload.filename, media_type),
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(
        "attachment.added",
        actor,
        on=record_key(record),
        attachment=attachment.id,
        sha256=digest,
        size=len(data),
    )
    return attachment


def of(record, part=None):
    """The attachments of `record` (or of one `part` of it), oldest first."""
    return db.session.scalars(
        db.select(Attachment).where(Attachment.record == _key(record, part)).order_by(Attachment.id)
    ).all()


def is_of(attachment, record, part=None):
    """Was `attachment` attached to `record` (or to that `part` of it)?"""
    return attachment.record == _key(record, part)


def of_each(records):
    """{record key: its attachments} for many records, in one query."""
    keys = [record_key(record) for record in records]
    found = {}
    if keys:
        for attachment in db.session.scalars(
            db.select(Attachment).where(Attachment.record.in_(keys)).order_by(Attachment.id)
        ):
            found.setdefault(attachment.record, []).append(attachment)
    return found


def send(attachment):
    """The file as a download, with its checked type; never shown as a page."""
    response = send_file(
        _path(attachment.sha256),
        mimetype=attachment.media_type,
        as_attachment=True,
        download_name=attachment.filename,
        etag=attachment.sha256,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def safe_name(filename, media_type):
    """A name to show and to download as: the upload's, without folders or control
    characters, with the extension of what the file really is."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]+", "", name.rsplit(".", 1)[0]).strip(" .") or "file"
    return stem[:150] + TYPES[media_type][1]


def _key(record, part):
    """`feedback:5`, or `feedback:5/answer` for a part of it."""
    return record_key(record) + (f"/{part}" if part else "")


def _path(digest):
    root = Path(current_app.config["ATTACHMENT_DIR"])
    return root / digest[:2] / digest
