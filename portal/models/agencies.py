"""Agencies and their hotlines: the directory every other record points to."""

import enum
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import (
    ContentStatus,
    Model,
    Published,
    Timestamped,
    Translated,
    enum_column,
)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Level(enum.StrEnum):
    MINISTRY = "ministry"  # central bodies named by national procedures (Bộ, Cục)
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class Agency(Translated, Timestamped, Model):
    """A public body: the province's committee, a department, a district or a commune.

    Its contacts are kept by its officers on the portal, each change public at once with a
    version; its name, level and place in the tree come from the directory import, and it
    ends by `valid_until` and a successor (`flask agencies merge`), not by withdrawal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # Text: bodies named in national records can have names of a thousand characters.
    name_vi: Mapped[str] = mapped_column(sa.Text)
    name_en: Mapped[str | None] = mapped_column(sa.Text)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(60))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    working_hours_vi: Mapped[str | None] = mapped_column(sa.String(300))
    working_hours_en: Mapped[str | None] = mapped_column(sa.String(300))
    # When the body existed, and who took over its duties when it ceased: on 1 July 2025
    # the districts ended and many departments merged (see DOMAIN.md). None: open-ended.
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]  # the first day it no longer existed
    successor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)

    parent: Mapped["Agency | None"] = relationship(
        remote_side=[id], back_populates="children", foreign_keys=[parent_id]
    )
    children: Mapped[list["Agency"]] = relationship(
        back_populates="parent", order_by="Agency.name_vi", foreign_keys=[parent_id]
    )
    # post_update: a successor row and its predecessors can be written in one flush.
    successor: Mapped["Agency | None"] = relationship(
        remote_side=[id],
        back_populates="predecessors",
        foreign_keys=[successor_id],
        post_update=True,
    )
    predecessors: Mapped[list["Agency"]] = relationship(
        back_populates="successor", order_by="Agency.name_vi", foreign_keys=[successor_id]
    )

    VI_FIELDS = ("name_vi", "working_hours_vi")
    EN_FIELDS = ("name_en", "working_hours_en")
    PUBLIC_FIELDS = (
        "name_en",
        "address",
        "phone",
        "email",
        "website",
        "working_hours_vi",
        "working_hours_en",
    )

    def is_current(self, on=None):
        """Whether the body exists on `on` (today in Vietnam when not given)."""
        on = on or datetime.now(VIETNAM).date()
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_until is None or on < self.valid_until)

    def current_successor(self):
        """Who does this body's work now: itself, or the last of its successors."""
        body, seen = self, set()
        while body.successor is not None and body.id not in seen and not body.is_current():
            seen.add(body.id)
            body = body.successor
        return body

    hotlines: Mapped[list["Hotline"]] = relationship(
        back_populates="agency", order_by="Hotline.id", cascade="all, delete-orphan"
    )
    # What visitors see: the published ones (a draft or a withdrawn number is not offered).
    public_hotlines: Mapped[list["Hotline"]] = relationship(
        primaryjoin="and_(Agency.id == Hotline.agency_id, Hotline.status == 'published')",
        order_by="Hotline.id",
        viewonly=True,
    )


class AgencyAlias(Model):
    """A name and slug an agency had before it was merged into another (`flask agencies
    merge`): the old URL redirects, and an import that names it finds the agency it became."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.Text)
    agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True
    )

    agency: Mapped[Agency] = relationship()


class Hotline(Translated, Published, Timestamped, Model):
    """A phone number (and other channels) where citizens report problems to an agency;
    public once published, and withdrawn (with the reason) when it goes out of service."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    purpose_vi: Mapped[str] = mapped_column(sa.String(300))
    purpose_en: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str] = mapped_column(sa.String(60))
    hours_vi: Mapped[str | None] = mapped_column(sa.String(200))
    hours_en: Mapped[str | None] = mapped_column(sa.String(200))
    # Space-separated channel keys, e.g. "phone zalo"; see CHANNELS.
    channels: Mapped[str] = mapped_column(sa.String(100), default="phone")
    verified_on: Mapped[date | None]
    is_main: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus, name="status"),
        default=ContentStatus.PUBLISHED,
        server_default=ContentStatus.PUBLISHED.value,
    )

    agency: Mapped[Agency] = relationship(back_populates="hotlines")

    CHANNELS = ("phone", "zalo", "sms", "email")
    VI_FIELDS = ("purpose_vi", "hours_vi")
    EN_FIELDS = ("purpose_en", "hours_en")
    PUBLIC_FIELDS = ("phone", "channels", *VI_FIELDS, *EN_FIELDS)

    @property
    def channel_list(self):
        return [c for c in self.channels.split() if c in self.CHANNELS]
