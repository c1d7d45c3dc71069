"""What the feedback pages, the staff's queue and the dashboard share: the province's
targets in working days, and "overdue", derived from them (never stored)."""

import sqlalchemy as sa

from portal import workdays
from portal.models import Feedback, FeedbackStatus, db

# The province's target for an answer, in working days from receipt, shown to the sender
# as "expected by". Decree 20/2008/NĐ-CP (amended by Decree 92/2017/NĐ-CP) and Circular
# 02/2017/TT-VPCP set how feedback is handled; this number is the province's own target,
# to be checked against its regulation before it is called a legal time limit.
ANSWER_DAYS = 10

# Working days the province office takes to accept or reject what came in (its target,
# like ANSWER_DAYS).
TRIAGE_DAYS = 3
# Not answered yet
OPEN = (FeedbackStatus.RECEIVED, FeedbackStatus.ACCEPTED, FeedbackStatus.ASSIGNED)


def answer_due(item):
    """The day the province aims to answer by: ANSWER_DAYS working days after receipt."""
    return workdays.calendar().add_working_days(item.received_on, ANSWER_DAYS), ANSWER_DAYS


def triage_due(item):
    """The day the province office aims to accept or reject it by."""
    return workdays.calendar().add_working_days(item.received_on, TRIAGE_DAYS)


def overdue(item, today=None):
    """Derived, never stored: past the target of the stage it is in."""
    today = today or workdays.today()
    if item.status == FeedbackStatus.RECEIVED:
        return triage_due(item) < today
    if item.status in OPEN:
        return answer_due(item)[0] < today
    return False


def answered_about(code, limit=10):
    """Published answers that name the procedure `code`, newest first (its page lists them)."""
    named = sa.cast(Feedback.procedure_codes, sa.String).like(f'%"{code}"%')
    return db.session.scalars(
        sa.select(Feedback)
        .where(Feedback.status == FeedbackStatus.PUBLISHED, named)
        .order_by(Feedback.published_on.desc(), Feedback.id.desc())
        .limit(limit)
    ).all()


def figures(agency):
    """How many were assigned to the agency, answered (published or not) and published."""
    rows = dict(
        db.session.execute(
            sa.select(Feedback.status, sa.func.count(Feedback.id))
            .where(Feedback.assigned_agency_id == agency.id)
            .group_by(Feedback.status)
        ).all()
    )
    published = rows.get(FeedbackStatus.PUBLISHED, 0)
    answered = rows.get(FeedbackStatus.ANSWERED, 0) + published
    return {
        "assigned": sum(rows.values()),
        "answered": answered,
        "published": published,
        "open": sum(rows.get(status, 0) for status in OPEN),
    }
