"""What the hotline directory and its downloads share: the numbers to call, in the order the
page shows them, and the download's columns."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import labels
from portal.downloads import Column
from portal.models import Agency, ContentStatus, Hotline, db


def listed():
    """The published numbers of bodies that exist today, the main hotline first, then by
    level and name. A body that ceased (a district after 1 July 2025) is no number to call:
    its hotlines stay on its own page, for the record, and are not offered here."""
    return [
        hotline
        for hotline in db.session.scalars(
            sa.select(Hotline)
            .join(Hotline.agency)
            .options(joinedload(Hotline.agency))
            .where(Hotline.status == ContentStatus.PUBLISHED)
            .order_by(Hotline.is_main.desc(), Agency.level, Agency.name_vi, Hotline.id)
        )
        if hotline.agency.is_current()
    ]


COLUMNS = (
    Column("phone", _l("Phone"), text=True),
    Column("agency", _l("Agency")),
    Column("agency_en", _l("Agency (English)")),
    Column("level", _l("Level"), labels=labels.AGENCY_LEVELS),
    Column("purpose_vi", _l("What it is for (Vietnamese)")),
    Column("purpose_en", _l("What it is for (English)")),
    Column("hours_vi", _l("Hours (Vietnamese)")),
    Column("hours_en", _l("Hours (English)")),
    Column("main", _l("The province's main hotline")),
    Column("verified_on", _l("Last checked on")),
    Column("url", _l("Page on this portal")),
)


def rows(hotlines):
    """The download's rows: each number as the directory lists it."""
    for hotline in hotlines:
        agency = hotline.agency
        yield {
            "phone": hotline.phone,
            "agency": agency.name_vi,
            "agency_en": agency.name_en or "",
            "level": str(agency.level),
            "purpose_vi": hotline.purpose_vi,
            "purpose_en": hotline.purpose_en or "",
            "hours_vi": hotline.hours_vi or "",
            "hours_en": hotline.hours_en or "",
            "main": bool(hotline.is_main),
            "verified_on": hotline.verified_on.isoformat() if hotline.verified_on else "",
            "url": url_for("agencies.detail", slug=agency.slug, _external=True),
        }
