"""A unit's record over the years: findings fixed on time, late, or still open."""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import workdays
from portal.inspections import deadlines
from portal.models import OVERDUE, Finding, InspectedUnit, Inspection, Topic, db


@dataclass
class Row:
    """A finding as a scorecard shows it."""

    finding: Finding
    status: str
    outcome: str  # on_time, late, open
    days_late: int


@dataclass
class Scorecard:
    inspections: list
    rows: list = field(default_factory=list)
    totals: Counter = field(default_factory=Counter)
    by_topic: dict = field(default_factory=dict)


def rate(finding, on, cal):
    """One finding's status, outcome and working days late."""
    return Row(
        finding,
        deadlines.status_of(finding, on, cal),
        deadlines.outcome(finding, on, cal),
        deadlines.working_days_late(finding, on, cal),
    )


def _priority(row):
    """Overdue first (longest overdue first), then other open ones, then the done ones."""
    rank = 0 if row.status == OVERDUE else 1 if row.outcome == "open" else 2
    deadline = row.finding.deadline.toordinal() if row.finding.deadline else 10**7
    return (rank, deadline, row.finding.id)


def scorecard(agency, on=None):
    """Every inspection of `agency`, and its findings counted per outcome and per topic."""
    on = on or workdays.today()
    cal = workdays.calendar()
    inspections = db.session.scalars(
        sa.select(Inspection)
        .join(InspectedUnit)
        .where(InspectedUnit.agency_id == agency.id)
        .order_by(Inspection.started_on.desc())
    ).all()
    findings = db.session.scalars(
        sa.select(Finding)
        .where(Finding.agency_id == agency.id)
        .options(selectinload(Finding.follow_ups), selectinload(Finding.inspection))
    ).all()
    card = Scorecard(inspections)
    card.rows = sorted((rate(f, on, cal) for f in findings), key=_priority)
    for row in card.rows:
        counts = card.by_topic.setdefault(row.finding.topic, Counter())
        for counter in (card.totals, counts):
            counter["total"] += 1
            counter[row.outcome] += 1
            counter[OVERDUE] += row.status == OVERDUE
    card.by_topic = {t: card.by_topic[t] for t in Topic if t in card.by_topic}
    return card
