"""Agencies and their hotlines: the directory every other record points to."""

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, Timestamped, enum_column


class Level(enum.StrEnum):
    MINISTRY = "ministry"  # central bodies named by national procedures (Bộ, Cục)
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class Agency(Timestamped, Model):
    """A public body: the province's committee, a department, a district or a commune."""

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

    parent: Mapped["Agency | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Agency"]] = relationship(
        back_populates="parent", order_by="Agency.name_vi"
    )
    hotlines: Mapped[list["Hotline"]] = relationship(
        back_populates="agency", order_by="Hotline.id", cascade="all, delete-orphan"
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


class Hotline(Timestamped, Model):
    """A phone number (and other channels) where citizens report problems to an agency."""

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

    agency: Mapped[Agency] = relationship(back_populates="hotlines")

    CHANNELS = ("phone", "zalo", "sms", "email")

    @property
    def channel_list(self):
        return [c for c in self.channels.split() if c in self.CHANNELS]
