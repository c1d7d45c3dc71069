"""What the feedback pages, the staff's queue and the dashboard share: the province's
targets in working days, and "overdue", derived from them (never stored)."""

from datetime import date

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload

from portal import listing, workdays
from portal.models import Agency, Feedback, FeedbackStatus, db

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


def answer_due(item, cal=None):
    """The day the province aims to answer by: ANSWER_DAYS working days after receipt."""
    cal = cal or workdays.calendar()
    return cal.add_working_days(item.received_on, ANSWER_DAYS), ANSWER_DAYS


def triage_due(item, cal=None):
    """The day the province office aims to accept or reject it by."""
    return (cal or workdays.calendar()).add_working_days(item.received_on, TRIAGE_DAYS)


def overdue(item, today=None, cal=None):
    """Derived, never stored: past the target of the stage it is in."""
    today = today or workdays.today()
    if item.status == FeedbackStatus.RECEIVED:
        return triage_due(item, cal) < today
    if item.status in OPEN:
        return answer_due(item, cal)[0] < today
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


MEASURES = ("received", "rejected", "answered", "on_time", "published", "in_progress", "overdue")


def statistics(year=None, today=None):
    """Counts per year (all years) and per assigned agency (one year, or all), as rows of
    dicts in MEASURES: received, not in scope, answered (published or not), answered
    within the target, published, in progress, in progress past its target."""
    today = today or workdays.today()
    cal = workdays.calendar()
    items = db.session.scalars(sa.select(Feedback).order_by(Feedback.received_on)).all()
    by_year, by_agency = {}, {}
    for item in items:
        counts = _counts_of(item, cal, today)
        _add(by_year, item.received_on.year, counts)
        if year is None or item.received_on.year == year:
            _add(by_agency, item.assigned_agency_id, counts)
    return by_year, by_agency


def _counts_of(item, cal, today):
    due = answer_due(item, cal)[0]
    answered = item.status in (FeedbackStatus.ANSWERED, FeedbackStatus.PUBLISHED)
    return {
        "received": 1,
        "rejected": int(item.status == FeedbackStatus.REJECTED),
        "answered": int(answered),
        "on_time": int(answered and item.answered_on is not None and item.answered_on <= due),
        "published": int(item.status == FeedbackStatus.PUBLISHED),
        "in_progress": int(item.status in OPEN),
        "overdue": int(overdue(item, today, cal)),
    }


def _add(table, key, counts):
    row = table.setdefault(key, dict.fromkeys(MEASURES, 0))
    for measure, n in counts.items():
        row[measure] += n


SORTS = {
    "newest": (Feedback.published_on.desc(), Feedback.id.desc()),
    "oldest": (Feedback.published_on, Feedback.id),
}
ANSWER_COLUMNS = (
    "title",
    "question",
    "answer_vi",
    "answer_en",
    "agency",
    "channel",
    "procedures",
    "received_on",
    "answered_on",
    "published_on",
    "working_days",
    "within_target",
    "url",
)


def published(filters, q=""):
    """The published answers matching `filters` (agency slug, year received, channel,
    procedure code) and the text `q`: best first by the search engine (a plain match of
    the public title and question until an index exists), else by `sort`."""
    query = sa.select(Feedback).where(Feedback.status == FeedbackStatus.PUBLISHED)
    ranked = listing.ranked_ids(q, "feedback") if q else None
    if q and ranked is None:
        query = query.where(
            sa.or_(
                Feedback.public_title.icontains(q, autoescape=True),
                Feedback.public_question.icontains(q, autoescape=True),
            )
        )
    if filters.get("agency"):
        query = query.join(Agency, Agency.id == Feedback.answer_agency_id).where(
            Agency.slug == filters["agency"]
        )
    if filters.get("year"):
        year = int(filters["year"])
        query = query.where(
            Feedback.received_on >= date(year, 1, 1), Feedback.received_on < date(year + 1, 1, 1)
        )
    if filters.get("channel"):
        query = query.where(Feedback.channel == filters["channel"])
    if filters.get("procedure"):
        named = sa.cast(Feedback.procedure_codes, sa.String).like(f'%"{filters["procedure"]}"%')
        query = query.where(named)
    if ranked is not None:
        if not ranked:  # nothing matches (and CASE with no branch is no SQL)
            return query.where(sa.false())
        query = query.where(Feedback.id.in_(ranked))
        if not filters.get("sort"):
            return query.order_by(listing.rank_order(Feedback.id, ranked))
    return query.order_by(*SORTS[filters.get("sort") or "newest"])


def answer_rows(query):
    """The export's rows: the public version only, never the sender."""
    cal = workdays.calendar()
    for item in db.session.scalars(query.options(selectinload(Feedback.answer_agency))):
        due = answer_due(item, cal)[0]
        yield {
            "title": item.public_title,
            "question": item.public_question,
            "answer_vi": item.answer_vi,
            "answer_en": item.answer_en or "",
            "agency": item.answer_agency.name_vi if item.answer_agency else "",
            "channel": str(item.channel),
            "procedures": " ".join(item.procedure_codes),
            "received_on": item.received_on.isoformat(),
            "answered_on": item.answered_on.isoformat() if item.answered_on else "",
            "published_on": item.published_on.isoformat() if item.published_on else "",
            "working_days": cal.working_days_between(item.received_on, item.answered_on)
            if item.answered_on
            else "",
            "within_target": bool(item.answered_on and item.answered_on <= due),
            "url": url_for("feedback.detail", feedback_id=item.id, _external=True),
        }
