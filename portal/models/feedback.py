"""Feedback and petitions (phản ánh, kiến nghị, Decree 20/2008/NĐ-CP): what a citizen or a
business sent, who they are (never public), and each step it went through."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.agencies import Agency
from portal.models.base import Model, Timestamped, UTCDateTime, enum_column, utcnow
from portal.models.procedures import Sector


class SenderType(enum.StrEnum):
    CITIZEN = "citizen"
    BUSINESS = "business"
    ORGANISATION = "organisation"


class Channel(enum.StrEnum):
    """How it reached the province."""

    PORTAL = "portal"
    HOTLINE = "hotline"
    EMAIL = "email"
    POST = "post"
    PRESS = "press"
    REFERRAL = "referral"  # from the Government Office or a ministry
    DIALOGUE = "dialogue"  # a dialogue meeting with citizens and businesses


class FeedbackStatus(enum.StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # out of scope (a complaint or denunciation), with the reason
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # by the sender


class Feedback(Timestamped, Model):
    """One feedback or petition. The sender's fields are personal data: they are never on a
    public page, in the search index, the API, an export, a feed or a log line, and reading
    them is an audited action. The sender follows it with a tracking code, of which only the
    SHA-256 is kept (the code has 130 random bits: nothing to guess from the hash)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The sender (personal data)
    sender_type: Mapped[SenderType] = mapped_column(enum_column(SenderType))
    sender_name: Mapped[str] = mapped_column(sa.String(200))
    sender_phone: Mapped[str | None] = mapped_column(sa.String(60))
    sender_email: Mapped[str | None] = mapped_column(sa.String(254))
    sender_address: Mapped[str | None] = mapped_column(sa.String(300))
    # What was sent
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    received_on: Mapped[date] = mapped_column(index=True)  # the day in Vietnam
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    procedure_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The field (lĩnh vực) it is about, as procedures have: chosen by the sender or the
    # staff, else that of its first procedure (queries.receive); public, like the agency.
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sector.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    content: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(2), default="vi")  # of the sender's page
    # The agency that answers it, once assigned (its officers then see it).
    assigned_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    status: Mapped[FeedbackStatus] = mapped_column(
        enum_column(FeedbackStatus, name="feedback_status"),
        default=FeedbackStatus.RECEIVED,
        index=True,
    )

    # The answer, drafted by the agency it was assigned to
    answer_vi: Mapped[str | None] = mapped_column(sa.Text)
    answer_en: Mapped[str | None] = mapped_column(sa.Text)
    answer_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    signer_title: Mapped[str | None] = mapped_column(sa.String(200))  # "Phó Giám đốc"
    answer_number: Mapped[str | None] = mapped_column(sa.String(80))  # "125/STP-VP"
    answer_signed_on: Mapped[date | None]
    answered_on: Mapped[date | None]  # the day in Vietnam it was marked answered
    # The public version, as moderated: what was withheld is in the redaction register.
    public_title: Mapped[str | None] = mapped_column(sa.String(300))
    public_question: Mapped[str | None] = mapped_column(sa.Text)
    published_on: Mapped[date | None] = mapped_column(index=True)

    agency: Mapped[Agency | None] = relationship(foreign_keys=[agency_id])
    answer_agency: Mapped[Agency | None] = relationship(foreign_keys=[answer_agency_id])
    sector: Mapped[Sector | None] = relationship()
    redactions: Mapped[list["Redaction"]] = relationship(
        back_populates="feedback", order_by="Redaction.id"
    )
    assigned_agency: Mapped[Agency | None] = relationship(foreign_keys=[assigned_agency_id])
    events: Mapped[list["FeedbackEvent"]] = relationship(
        back_populates="feedback", order_by="FeedbackEvent.id"
    )


class FeedbackEvent(Model):
    """A step in a feedback's history (append-only): who, when, from → to, and a note the
    sender may read (a rejection's reason, where to go instead)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(254))  # a staff e-mail, or "sender"
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)

    feedback: Mapped[Feedback] = relationship(back_populates="events")


@sa.event.listens_for(FeedbackEvent, "before_update")
@sa.event.listens_for(FeedbackEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise PermissionError("a feedback's history is append-only")


class Ground(enum.StrEnum):
    """Why something was withheld from the public version."""

    PERSONAL_DATA = "personal_data"  # Decree 13/2023/NĐ-CP
    STATE_SECRET = "state_secret"  # noqa: S105 (a ground, not a password): state secrets law 2018
    BUSINESS_SECRET = "business_secret"  # noqa: S105 (a ground, not a password)


class Redaction(Model):
    """One removal from a feedback's public version, with its ground: the public sees that
    something was withheld and why, never what."""

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    ground: Mapped[Ground] = mapped_column(enum_column(Ground))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(254))

    feedback: Mapped[Feedback] = relationship(back_populates="redactions")


class RateEvent(Model):
    """One counted request (a feedback sent, a tracking code looked up), per key such as
    "feedback-send:203.0.113.7": shared by every worker and host through the database."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
