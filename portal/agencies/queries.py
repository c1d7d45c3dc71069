"""What the agency pages and their downloads share: the download's columns and rows."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal import labels
from portal.downloads import Column

COLUMNS = (
    Column("slug", _l("Identifier")),
    Column("name_vi", _l("Name (Vietnamese)")),
    Column("name_en", _l("Name (English)")),
    Column("level", _l("Level"), labels=labels.AGENCY_LEVELS),
    Column("parent", _l("Under")),
    Column("address", _l("Address")),
    Column("phone", _l("Phone"), text=True),
    Column("email", _l("Email")),
    Column("website", _l("Website")),
    Column("working_hours_vi", _l("Working hours (Vietnamese)")),
    Column("working_hours_en", _l("Working hours (English)")),
    Column("valid_from", _l("Existed from")),
    Column("valid_until", _l("Ceased on")),
    Column("successor", _l("Duties taken over by")),
    Column("url", _l("Page on this portal")),
)


def rows(agencies):
    """The download's rows: every agency, those that ceased with who took over."""
    for agency in agencies:
        yield {
            "slug": agency.slug,
            "name_vi": agency.name_vi,
            "name_en": agency.name_en or "",
            "level": str(agency.level),
            "parent": agency.parent.name_vi if agency.parent else "",
            "address": agency.address or "",
            "phone": agency.phone or "",
            "email": agency.email or "",
            "website": agency.website or "",
            "working_hours_vi": agency.working_hours_vi or "",
            "working_hours_en": agency.working_hours_en or "",
            "valid_from": agency.valid_from.isoformat() if agency.valid_from else "",
            "valid_until": agency.valid_until.isoformat() if agency.valid_until else "",
            "successor": agency.successor.name_vi if agency.successor else "",
            "url": url_for("agencies.detail", slug=agency.slug, _external=True),
        }
