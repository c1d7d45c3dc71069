"""Announcements published by the province's admins."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.agencies import Agency
from portal.models.base import Model, Timestamped, Translated, UTCDateTime, enum_column


class AnnouncementStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"  # public from publish_at (at once when it has none)
    WITHDRAWN = "withdrawn"  # still listed, its page answers 410 with the reason


class Announcement(Translated, Timestamped, Model):
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
    # A future time schedules it: it is public from then, in every worker, with no job.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the search index and the feeds were told a scheduled announcement came out.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason_vi: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_reason_en: Mapped[str | None] = mapped_column(sa.Text)
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

    def is_public(self, now):
        """Published, and its time has come (a scheduled one waits for publish_at)."""
        return self.status == AnnouncementStatus.PUBLISHED and (
            self.publish_at is None or self.publish_at <= now
        )
