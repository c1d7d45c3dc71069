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


def pages():
    """(endpoint, values, last changed or None) of every public page, sections first."""
    for endpoint, values in SECTIONS:
        yield endpoint, values, None
    rows = db.session.execute(
        sa.select(Procedure.code, Procedure.updated_at).order_by(Procedure.code)
    )
    for code, changed in rows:
        yield "procedures.detail", {"code": code}, changed
    rows = db.session.execute(
        sa.select(Announcement.slug, Announcement.updated_at)
        .where(announcement_is_public())
        .order_by(Announcement.id)
    )
    for slug, changed in rows:
        yield "announcements.detail", {"slug": slug}, changed
    rows = db.session.execute(sa.select(Agency.slug, Agency.updated_at).order_by(Agency.slug))
    for slug, changed in rows:
        yield "agencies.detail", {"slug": slug}, changed
    rows = db.session.execute(
        sa.select(Inspection.slug, Inspection.updated_at)
        .where(inspection_is_public())
        .order_by(Inspection.id)
    )
    for slug, changed in rows:
        yield "inspections.detail", {"slug": slug}, changed
    inspected = (
        sa.select(Agency.slug)
        .join(InspectedUnit, InspectedUnit.agency_id == Agency.id)
        .join(Inspection, Inspection.id == InspectedUnit.inspection_id)
        .where(inspection_is_public())
        .distinct()
        .order_by(Agency.slug)
    )
    for slug in db.session.scalars(inspected):
        yield "inspections.unit", {"slug": slug}, None
    rows = db.session.execute(
        sa.select(Feedback.id, Feedback.updated_at)
        .where(Feedback.status == FeedbackStatus.PUBLISHED)
        .order_by(Feedback.id)
    )
    for feedback_id, changed in rows:
        yield "feedback.detail", {"feedback_id": feedback_id}, changed
