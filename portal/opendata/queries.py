"""What the sitemap lists: every public page, in both languages, with the day its content
last changed. Drafts, scheduled items whose time has not come and withdrawn ones (a 410)
are left out; each feature's own "is public" rule decides."""

import sqlalchemy as sa

from portal.announcements.queries import is_public as announcement_is_public
from portal.inspections.queries import is_public as inspection_is_public
from portal.models import (
    Agency,
    Announcement,
    Feedback,
    FeedbackStatus,
    InspectedUnit,
    Inspection,
    Procedure,
    db,
)

# The lists and pages without a record of their own: (endpoint, values).
SECTIONS = (
    ("home.index", {}),
    ("procedures.index", {}),
    ("hotlines.index", {}),
    ("inspections.index", {}),
    ("inspections.findings", {}),
    ("inspections.overdue", {}),
    ("feedback.index", {}),
    ("feedback.statistics", {}),
    ("feedback.new", {}),
    ("announcements.index", {}),
    ("agencies.index", {}),
    ("opendata.index", {}),
)


def _dated():
    """(endpoint, the argument its key fills, a query of (key, last changed)) of each kind
    of record that has a page."""
    return (
        ("procedures.detail", "code",
         sa.select(Procedure.code, Procedure.updated_at).order_by(Procedure.code)),
        ("announcements.detail", "slug",
         sa.select(Announcement.slug, Announcement.updated_at)
         .where(announcement_is_public()).order_by(Announcement.id)),
        ("agencies.detail", "slug",
         sa.select(Agency.slug, Agency.updated_at).order_by(Agency.slug)),
        ("inspections.detail", "slug",
         sa.select(Inspection.slug, Inspection.updated_at)
         .where(inspection_is_public()).order_by(Inspection.id)),
        ("inspections.unit", "slug",
         sa.select(Agency.slug, sa.null())
         .join(InspectedUnit, InspectedUnit.agency_id == Agency.id)
         .join(Inspection, Inspection.id == InspectedUnit.inspection_id)
         .where(inspection_is_public()).distinct().order_by(Agency.slug)),
        ("feedback.detail", "feedback_id",
         sa.select(Feedback.id, Feedback.updated_at)
         .where(Feedback.status == FeedbackStatus.PUBLISHED).order_by(Feedback.id)),
    )  # fmt: skip


def pages():
    """(endpoint, values, last changed or None) of every public page, sections first."""
    for endpoint, values in SECTIONS:
        yield endpoint, values, None
    for endpoint, argument, query in _dated():
        for key, changed in db.session.execute(query):
            yield endpoint, {argument: key}, changed
