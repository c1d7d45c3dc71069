"""The public history of content: each published change is a numbered version."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Model, UTCDateTime, utcnow


class ContentVersion(Model):
    """What a record said when one change of it was published: its public text fields, the
    role of who published it (staff names are not public) and, for a procedure, the
    decision behind it. Readers open any version by its number (`?v=3`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    record: Mapped[str] = mapped_column(sa.String(80), index=True)  # "announcement:5"
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    role: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)  # a decision, or why it changed
    fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.UniqueConstraint("record", "number"),)


class Attachment(Model):
    """A file attached to a record (a follow-up report's signed PDF, a scanned decision): the
    bytes are kept once per content under instance/attachments, named by their SHA-256, and
    this row says which record they belong to, what they are and what they were called."""

    id: Mapped[int] = mapped_column(primary_key=True)
    record: Mapped[str] = mapped_column(sa.String(80), index=True)  # "follow_up:3"
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    media_type: Mapped[str] = mapped_column(sa.String(40))  # read from the content
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(200))  # as uploaded, made safe
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
