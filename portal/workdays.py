"""Vietnamese working days: lunar calendar, public holidays, the admin's edits, due dates."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from math import floor, pi, sin
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from portal.models import HolidayChange, db

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TIMEZONE = 7  # hours east of UTC; the Vietnamese lunar calendar is computed for UTC+7
_JD_OFFSET = 1721425  # Julian day number of date.fromordinal(0)
_SYNODIC_MONTH = 29.530588853
_NEW_MOON_EPOCH = 2415021.076998695  # new moon of 1900-01-01, the k=0 of the series below
_DR = pi / 180

# Official decisions (Government / Ministry of Home Affairs) where they differ from the rule
# "last day of the lunar year + lunar days 1-4, weekend days compensated after".
_TET_OFFICIAL = {
    2024: tuple(date(2024, 2, d) for d in (8, 9, 12, 13, 14)),
    2025: tuple(date(2025, 1, d) for d in range(27, 32)),
    2026: tuple(date(2026, 2, d) for d in range(16, 21)),  # 29 Chạp Ất Tỵ to mùng 4 Bính Ngọ
}
# Announced swaps: (weekday given off, Saturday worked instead; None while not announced).
_SWAPS = {
    2024: ((date(2024, 4, 29), date(2024, 5, 4)),),
    2025: ((date(2025, 5, 2), date(2025, 4, 26)),),
    2026: ((date(2026, 1, 2), date(2026, 1, 10)), (date(2026, 8, 31), None)),
}
# Day next to 2/9 given off, by weekday of 2/9 (Mon..Sun): the decisions of 2021-2026 pick
# the side that joins the weekend; on a Wednesday (2026) they took 1/9.
_NATIONAL_DAY_SIDE = (1, -1, -1, 1, -1, -1, 1)


def _new_moon_day(k: int) -> int:
    """Julian day number (UTC+7) of the k-th new moon after 1900-01-01."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * sin((166.56 + 132.87 * t - 0.009173 * t2) * _DR)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * sin(m * _DR) + 0.0021 * sin(2 * _DR * m)
    c1 += -0.4068 * sin(mpr * _DR) + 0.0161 * sin(_DR * 2 * mpr) - 0.0004 * sin(_DR * 3 * mpr)
    c1 += 0.0104 * sin(_DR * 2 * f) - 0.0051 * sin(_DR * (m + mpr))
    c1 += -0.0074 * sin(_DR * (m - mpr)) + 0.0004 * sin(_DR * (2 * f + m))
    c1 += -0.0004 * sin(_DR * (2 * f - m)) - 0.0006 * sin(_DR * (2 * f + mpr))
    c1 += 0.0010 * sin(_DR * (2 * f - mpr)) + 0.0005 * sin(_DR * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return floor(jd1 + c1 - delta_t + 0.5 + TIMEZONE / 24)


def _sun_longitude_sector(day_number: int) -> int:
    """Sun's longitude at the start of that local day, as a 30° sector 0-11."""
    t = (day_number - 0.5 - TIMEZONE / 24 - 2451545.0) / 36525
    t2 = t * t
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(_DR * m)
    dl += (0.019993 - 0.000101 * t) * sin(_DR * 2 * m) + 0.000290 * sin(_DR * 3 * m)
    longitude = ((l0 + dl) * _DR) % (2 * pi)
    return floor(longitude / pi * 6)


def _lunar_month_11(year: int) -> int:
    """Julian day number of the start of lunar month 11 (the one holding the winter solstice)."""
    k = floor((date(year, 12, 31).toordinal() + _JD_OFFSET - 2415021) / _SYNODIC_MONTH)
    new_moon = _new_moon_day(k)
    if _sun_longitude_sector(new_moon) >= 9:
        new_moon = _new_moon_day(k - 1)
    return new_moon


def _leap_month_offset(a11: int) -> int:
    """Offset after month 11 of the first month containing no major solar term."""
    k = floor((a11 - _NEW_MOON_EPOCH) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _sun_longitude_sector(_new_moon_day(k + i))
    while True:
        last, i = arc, i + 1
        arc = _sun_longitude_sector(_new_moon_day(k + i))
        if arc == last or i >= 14:
            return i - 1


def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """Solar date of a Vietnamese lunar date (UTC+7); leap=True for the intercalary month."""
    if month < 11:
        a11, b11 = _lunar_month_11(year - 1), _lunar_month_11(year)
    else:
        a11, b11 = _lunar_month_11(year), _lunar_month_11(year + 1)
    k = floor(0.5 + (a11 - _NEW_MOON_EPOCH) / _SYNODIC_MONTH)
    offset = (month - 11) % 12
    if b11 - a11 > 365:  # 13 lunar months between the two solstice months: one is leap
        leap_offset = _leap_month_offset(a11)
        leap_month = (leap_offset - 2) % 12
        if leap and month != leap_month:
            raise ValueError(f"lunar year {year} has no leap month {month}")
        if leap or offset >= leap_offset:
            offset += 1
    elif leap:
        raise ValueError(f"lunar year {year} has no leap month")
    return date.fromordinal(_new_moon_day(k + offset) + day - 1 - _JD_OFFSET)


def _national_day(year: int) -> list[tuple[date, str, str]]:
    """2/9 and, from 2021 (Labour Code 2019), the adjacent day chosen by the decisions."""
    sep2 = date(year, 9, 2)
    days = [(sep2, "Quốc khánh", "National Day")]
    if year >= 2021:
        other = sep2 + timedelta(days=_NATIONAL_DAY_SIDE[sep2.weekday()])
        days.append((other, "Nghỉ lễ Quốc khánh", "National Day holiday"))
    return days


def default_holidays(year: int) -> list[tuple[date, str, str]]:
    """Public holidays of a year (2015-2035) as (date, name_vi, name_en), sorted by date."""
    tet_name = ("Tết Nguyên đán", "Lunar New Year (Tết)")
    fixed = [
        (date(year, 1, 1), "Tết Dương lịch", "New Year's Day"),
        (lunar_to_solar(year, 3, 10), "Giỗ Tổ Hùng Vương", "Hung Kings' Commemoration Day"),
        (date(year, 4, 30), "Ngày Chiến thắng", "Reunification Day"),
        (date(year, 5, 1), "Ngày Quốc tế Lao động", "International Labour Day"),
        *_national_day(year),
    ]
    official_tet = year in _TET_OFFICIAL
    if official_tet:
        # Official ranges already place the five days on weekdays: nothing to compensate.
        tet = [(d, *tet_name) for d in _TET_OFFICIAL[year]]
    else:
        first = lunar_to_solar(year, 1, 1)
        fixed += [(first + timedelta(days=i), *tet_name) for i in range(-1, 4)]
        tet = []
    taken = {d for d, _, _ in fixed + tet}
    result = fixed + tet
    for d, vi, en in sorted(fixed):
        if d.weekday() < 5:
            continue
        lieu = d + timedelta(days=1)
        while lieu.weekday() >= 5 or lieu in taken:
            lieu += timedelta(days=1)
        taken.add(lieu)
        result.append((lieu, f"Nghỉ bù {vi}", f"{en} (day off in lieu)"))
    for off, makeup in _SWAPS.get(year, ()):
        note_vi = f" (làm bù {makeup:%d/%m/%Y})" if makeup else ""
        note_en = f" (worked on {makeup:%d/%m/%Y})" if makeup else ""
        result.append((off, "Nghỉ hoán đổi" + note_vi, "Swapped day off" + note_en))
    return sorted(result)


def makeup_working_days(year: int) -> list[date]:
    """Weekend days of that year worked in exchange for an announced swapped day off."""
    return sorted(makeup for _, makeup in _SWAPS.get(year, ()) if makeup)


class Calendar:
    """Working-day calendar: default holidays plus the admin's added and removed days."""

    def __init__(
        self,
        extra_holidays: Iterable[date | tuple[date, str, str]] = (),
        removed_holidays: Iterable[date] = (),
        years: Iterable[int] = range(2015, 2036),
    ) -> None:
        self._holidays: dict[date, tuple[str, str]] = {}
        self._working: set[date] = set()
        for year in years:
            self._holidays.update((d, (vi, en)) for d, vi, en in default_holidays(year))
            self._working.update(makeup_working_days(year))
        for item in extra_holidays:
            if isinstance(item, date):
                item = (item, "Ngày nghỉ", "Day off")
            d, vi, en = item
            self._holidays[d] = (vi, en)
            self._working.discard(d)
        for d in removed_holidays:
            self._holidays.pop(d, None)
            self._working.add(d)

    def is_working_day(self, d: date) -> bool:
        """Whether d is a working day (weekdays, less holidays, plus worked weekend days)."""
        if d in self._working:
            return True
        return d.weekday() < 5 and d not in self._holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The date n working days after start (before it if n < 0); start is not counted."""
        step = timedelta(days=1 if n >= 0 else -1)
        d = start
        for _ in range(abs(n)):
            d += step
            while not self.is_working_day(d):
                d += step
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days in (start, end]; negative when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
        return sum(1 for d in days if self.is_working_day(d))

    def holidays_in(self, year: int) -> list[tuple[date, str, str]]:
        """Holidays of a year after the admin's edits, as (date, name_vi, name_en)."""
        return sorted((d, vi, en) for d, (vi, en) in self._holidays.items() if d.year == year)


# The portal's calendar: the defaults above with the admin's edits (`flask holidays …`).


def today():
    """Today's date in Vietnam, where the deadlines run."""
    return datetime.now(VIETNAM).date()


def local_date(moment):
    """The day a moment falls on in Vietnam: 23:30 UTC on 1 December is 2 December there.

    A moment without a zone is UTC, as the database stores it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).date()


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


def not_in_future(form, field):
    """A form validator: a date no later than today in Vietnam."""
    if field.data and field.data > today():
        raise ValidationError(_l("This date is in the future."))
