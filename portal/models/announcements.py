"""Announcements published by the province's admins."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.agencies import Agency
from portal.models.base import (
    ContentStatus,
    Model,
    Published,
    Timestamped,
    Translated,
    enum_column,
)

AnnouncementStatus = ContentStatus  # its first name, kept for the imports and the tests


class Announcement(Translated, Published, Timestamped, Model):
    """News staff publish; the body is Markdown, sanitised when rendered."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title_vi: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str | None] = mapped_column(sa.String(300))
    summary_vi: Mapped[str | None] = mapped_column(sa.Text)
    summary_en: Mapped[str | None] = mapped_column(sa.Text)
    body_vi: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str | None] = mapped_column(sa.Text)
    published_on: Mapped[date | None] = mapped_column(index=True)  # the date it shows
    status: Mapped[AnnouncementStatus] = mapped_column(
        enum_column(AnnouncementStatus, name="status"),  # the constraint keeps its first name
        default=AnnouncementStatus.PUBLISHED,
    )
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    source_url: Mapped[str | None] = mapped_column(sa.String(500))

    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("published_on", "title_vi"),)

    VI_FIELDS = ("title_vi", "summary_vi", "body_vi")
    EN_FIELDS = ("title_en", "summary_en", "body_en")
    PUBLIC_FIELDS = VI_FIELDS + EN_FIELDS
