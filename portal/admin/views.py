"""The staff dashboard, /<lang>/admin: what needs attention, for the signed-in person."""

import sqlalchemy as sa
from flask import Blueprint, g, render_template

from portal import access, publishing, workdays
from portal.announcements import queries as announcements
from portal.inspections.queries import status_expression
from portal.models import (
    OVERDUE,
    Announcement,
    Finding,
    Role,
    TranslationStatus,
    db,
)

bp = Blueprint("admin", __name__, url_prefix="/<lang>/admin")
access.guard(bp)


@bp.route("")
def index():
    mine = announcements.for_staff(g.user, "", "")
    in_review = db.session.scalars(mine.where(Announcement.status == "in_review")).all()
    scheduled = db.session.scalars(announcements.for_staff(g.user, "scheduled", "")).all()
    # Outdated is derived from two dates; a few hundred announcements are read in a blink.
    outdated = [
        a
        for a in db.session.scalars(mine.where(Announcement.title_en.is_not(None)))
        if a.translation_status == TranslationStatus.OUTDATED
    ]
    return render_template(
        "admin/index.html",
        in_review=in_review,
        scheduled=scheduled,
        outdated=outdated,
        overdue=_overdue_findings(),
        state=publishing.state,
    )


def _overdue_findings():
    """How many findings of the officer's agency are overdue (None for other roles)."""
    if g.user.role != Role.OFFICER or g.user.agency_id is None:
        return None
    cutoff = workdays.overdue_cutoff(workdays.today(), workdays.calendar())
    ours = sa.or_(
        Finding.responsible_id == g.user.agency_id,
        sa.and_(Finding.responsible_id.is_(None), Finding.agency_id == g.user.agency_id),
    )
    return db.session.scalar(
        sa.select(sa.func.count(Finding.id)).where(ours, status_expression(cutoff) == OVERDUE)
    )
