"""Deadlines in working days: the admin's holiday calendar, overdue and on-time rules."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.inspections.models import OVERDUE, Finding, FindingStatus, HolidayChange
from portal.models import db
from portal.workdays import Calendar, default_holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today():
    """Today's date in Vietnam, where the deadlines run."""
    return datetime.now(VIETNAM).date()


def calendar():
    """The working-day calendar with the admin's edits (one small query, then a cache)."""
    changes = db.session.execute(
        sa.select(
            HolidayChange.day,
            HolidayChange.is_day_off,
            HolidayChange.name_vi,
            HolidayChange.name_en,
        ).order_by(HolidayChange.day)
    ).all()
    return _calendar(tuple(tuple(row) for row in changes))


@lru_cache(maxsize=8)
def _calendar(changes):
    return Calendar(
        extra_holidays=[
            (day, vi or "Ngày nghỉ", en or "Day off") for day, off, vi, en in changes if off
        ],
        removed_holidays=[day for day, off, _, _ in changes if not off],
    )


def due_date(deadline, cal):
    """The day a deadline really falls on: a weekend or holiday moves it to the next working day."""
    if deadline is None or cal.is_working_day(deadline):
        return deadline
    return cal.add_working_days(deadline, 1)


def overdue_cutoff(on, cal):
    """The latest deadline already missed on `on`."""
    # A deadline is missed once a working day has begun after it: a deadline on the Friday
    # before Tết is not missed during Tết, only on the first working day after it.
    last_working = on if cal.is_working_day(on) else cal.add_working_days(on, -1)
    return cal.add_working_days(last_working, -1)


def status_expression(cutoff):
    """SQL for a finding's status with "overdue" derived from its deadline."""
    return sa.case(
        (sa.and_(Finding.status != FindingStatus.DONE, Finding.deadline <= cutoff), OVERDUE),
        else_=sa.type_coerce(Finding.status, sa.String(20)),
    )


def status_of(finding, on, cal):
    """A finding's status on a day: what the unit reported, or overdue past the deadline."""
    if (
        finding.status != FindingStatus.DONE
        and finding.deadline is not None
        and (cal.working_days_between(due_date(finding.deadline, cal), on) >= 1)
    ):
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


def add_holiday(day, name_vi=None, name_en=None):
    """Make `day` a day off; returns False when it already was one."""
    change = db.session.scalar(sa.select(HolidayChange).filter_by(day=day))
    if change is not None and not change.is_day_off:
        db.session.delete(change)  # it was a default holiday the admin had removed
    elif change is None and day.weekday() < 5 and not _is_default_holiday(day):
        db.session.add(HolidayChange(day=day, is_day_off=True, name_vi=name_vi, name_en=name_en))
    else:
        return False
    db.session.commit()
    return True


def remove_holiday(day):
    """Make `day` a working day again; returns False when it already was one."""
    change = db.session.scalar(sa.select(HolidayChange).filter_by(day=day))
    if change is not None and change.is_day_off:
        db.session.delete(change)
    elif change is None and _is_default_holiday(day) and day.weekday() < 5:
        db.session.add(HolidayChange(day=day, is_day_off=False))
    else:
        return False
    db.session.commit()
    return True


def _is_default_holiday(day):
    """Whether a day is a default public holiday (weekends aside)."""
    return any(d == day for d, _, _ in default_holidays(day.year))


def holidays(year):
    """The year's days off after the admin's edits, as (date, name_vi, name_en, edited)."""
    edited = set(db.session.scalars(sa.select(HolidayChange.day)))
    return [(d, vi, en, d in edited) for d, vi, en in calendar().holidays_in(year)]
