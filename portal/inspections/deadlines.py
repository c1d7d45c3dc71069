"""Findings' deadlines: overdue and on time, counted in working days (portal.workdays)."""

import sqlalchemy as sa

from portal.models import OVERDUE, Finding, FindingStatus
from portal.workdays import due_date, overdue_cutoff


def status_expression(cutoff):
    """SQL for a finding's status with "overdue" derived from its deadline."""
    return sa.case(
        (sa.and_(Finding.status != FindingStatus.DONE, Finding.deadline <= cutoff), OVERDUE),
        else_=sa.type_coerce(Finding.status, sa.String(20)),
    )


def status_of(finding, on, cal):
    """A finding's status on a day: what the unit reported, or overdue past the deadline.

    The same rule as `status_expression()`, for one finding already loaded.
    """
    done = finding.status == FindingStatus.DONE
    if not done and finding.deadline is not None and finding.deadline <= overdue_cutoff(on, cal):
        return OVERDUE
    return str(finding.status)


def working_days_late(finding, on, cal):
    """Working days past the deadline: until it was done, or until `on` while open."""
    due = due_date(finding.deadline, cal)
    if due is None:
        return 0
    end = finding.resolved_on if finding.status == FindingStatus.DONE else on
    if end is None or end <= due:
        return 0
    return cal.working_days_between(due, end)


def outcome(finding, on, cal):
    """For scorecards: "on_time", "late" (done after the deadline) or "open" (not done yet)."""
    if finding.status != FindingStatus.DONE:
        return "open"
    return "late" if working_days_late(finding, on, cal) else "on_time"
