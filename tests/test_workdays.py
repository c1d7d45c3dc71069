"""Working days: lunar calendar, Vietnamese public holidays, deadlines and overdue counts."""

from datetime import date

import pytest

from portal.workdays import (
    Calendar,
    default_holidays,
    due_date,
    lunar_to_solar,
    makeup_working_days,
    overdue_cutoff,
)

TET = {
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    # The new moon is at 23:09 UTC+7 on 2 Feb 2030 (00:09 on 3 Feb in China, UTC+8), so the
    # Vietnamese Tết is a day before the Chinese one, as in 2007 and 1985.
    2030: date(2030, 2, 2),
    2007: date(2007, 2, 17),
    1985: date(1985, 1, 21),
}


@pytest.mark.parametrize(("year", "expected"), TET.items())
def test_tet(year, expected):
    assert lunar_to_solar(year, 1, 1) == expected


def test_hung_kings_day_and_leap_months():
    assert lunar_to_solar(2024, 3, 10) == date(2024, 4, 18)
    assert lunar_to_solar(2025, 3, 10) == date(2025, 4, 7)
    assert lunar_to_solar(2026, 3, 10) == date(2026, 4, 26)
    assert lunar_to_solar(2023, 2, 1, leap=True) == date(2023, 3, 22)
    assert lunar_to_solar(2025, 6, 1, leap=True) == date(2025, 7, 25)
    assert lunar_to_solar(2025, 7, 1) == date(2025, 8, 23)
    with pytest.raises(ValueError):
        lunar_to_solar(2025, 5, 1, leap=True)
    with pytest.raises(ValueError):
        lunar_to_solar(2024, 1, 1, leap=True)


def test_2026_holidays():
    # Official 2026 decisions: Tết 16-20/2 (29 Chạp Ất Tỵ to mùng 4 Bính Ngọ, the 9-day break
    # 14-22/2 counting weekends); 2/1 swapped for Saturday 10/1; Quốc khánh 29/8-2/9, i.e.
    # 1/9 as the adjacent day plus 31/8 swapped (its make-up Saturday was not yet announced).
    assert [d for d, _, _ in default_holidays(2026)] == [
        date(2026, 1, 1),
        date(2026, 1, 2),
        *(date(2026, 2, d) for d in range(16, 21)),
        date(2026, 4, 26),  # Giỗ Tổ on a Sunday...
        date(2026, 4, 27),  # ...compensated on Monday
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 8, 31),
        date(2026, 9, 1),
        date(2026, 9, 2),
    ]
    names = {d: (vi, en) for d, vi, en in default_holidays(2026)}
    assert names[date(2026, 2, 17)] == ("Tết Nguyên đán", "Lunar New Year (Tết)")
    assert names[date(2026, 4, 27)][0] == "Nghỉ bù Giỗ Tổ Hùng Vương"
    assert names[date(2026, 9, 2)] == ("Quốc khánh", "National Day")
    assert makeup_working_days(2026) == [date(2026, 1, 10)]


def test_tet_from_the_rule_when_no_decision_is_known():
    # 2027: 29 Chạp Fri 5/2, mùng 1-4 Sat 6/2 to Tue 9/2; the weekend Tết days move to Wed/Thu.
    tet = [d for d, vi, _ in default_holidays(2027) if "Tết Nguyên đán" in vi]
    assert tet == [date(2027, 2, d) for d in range(5, 12)]
    assert Calendar().add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)


def test_deadline_from_the_friday_before_tet_skips_the_tet_week():
    calendar = Calendar()
    assert calendar.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    assert calendar.add_working_days(date(2026, 2, 6), 5) == date(2026, 2, 13)
    assert calendar.add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert calendar.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)


def test_fixed_holiday_on_a_weekend_gives_a_day_in_lieu():
    calendar = Calendar()
    # 2027: 1/5 is a Saturday, Monday 3/5 is off.
    assert not calendar.is_working_day(date(2027, 5, 3))
    assert calendar.add_working_days(date(2027, 4, 29), 1) == date(2027, 5, 4)
    # 2022: both on a weekend, Monday 2/5 and Tuesday 3/5 are off.
    assert [d for d, _, _ in calendar.holidays_in(2022) if d.month == 5] == [
        date(2022, 5, 1),
        date(2022, 5, 2),
        date(2022, 5, 3),
    ]
    # 2028: 30/4 on a Sunday; Monday is already 1/5, so the day in lieu is Tuesday 2/5.
    assert not calendar.is_working_day(date(2028, 5, 2))
    assert calendar.is_working_day(date(2028, 5, 3))


def test_national_day_before_2021_is_one_day():
    # 2018 (Labour Code 2012): 2/9 on a Sunday, only Monday 3/9 off in lieu.
    assert [d for d, _, _ in default_holidays(2018) if d.month == 9] == [
        date(2018, 9, 2),
        date(2018, 9, 3),
    ]
    # 2023: 1/9 Fri, 2/9 Sat, Monday 4/9 in lieu.
    assert [d for d, _, _ in default_holidays(2023) if d.month == 9] == [
        date(2023, 9, 1),
        date(2023, 9, 2),
        date(2023, 9, 4),
    ]


def test_announced_swaps():
    calendar = Calendar()
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.is_working_day(date(2025, 4, 26))  # the make-up Saturday
    assert calendar.working_days_between(date(2025, 4, 25), date(2025, 5, 5)) == 4


def test_admin_added_holiday_shifts_a_deadline():
    start = date(2026, 3, 2)  # a Monday
    assert Calendar().add_working_days(start, 5) == date(2026, 3, 9)
    added = Calendar(extra_holidays=[(date(2026, 3, 4), "Nghỉ đột xuất", "Special day off")])
    assert added.add_working_days(start, 5) == date(2026, 3, 10)
    assert (date(2026, 3, 4), "Nghỉ đột xuất", "Special day off") in added.holidays_in(2026)
    assert Calendar(extra_holidays=[date(2026, 3, 4)]).add_working_days(start, 5) == date(
        2026, 3, 10
    )


def test_admin_removed_days_count_as_working():
    # A Saturday worked in exchange: 5 days from Friday 6/3 end on Thursday instead of Friday.
    worked = Calendar(removed_holidays=[date(2026, 3, 7)])
    assert Calendar().add_working_days(date(2026, 3, 6), 5) == date(2026, 3, 13)
    assert worked.add_working_days(date(2026, 3, 6), 5) == date(2026, 3, 12)
    # A holiday turned back into a working day disappears from the list and counts.
    no_labour_day = Calendar(removed_holidays=[date(2026, 5, 1)])
    assert no_labour_day.is_working_day(date(2026, 5, 1))
    assert date(2026, 5, 1) not in [d for d, _, _ in no_labour_day.holidays_in(2026)]
    assert no_labour_day.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 1)
    assert Calendar().add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)


def test_working_days_between_across_new_year():
    calendar = Calendar()
    # 29-31/12/2025 (Mon-Wed), 1/1 holiday, 2/1 swapped off, 5-9/1, Saturday 10/1 worked.
    assert calendar.working_days_between(date(2025, 12, 26), date(2026, 1, 10)) == 9
    assert calendar.working_days_between(date(2026, 1, 10), date(2025, 12, 26)) == -9
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 1, 4)) == 0
    assert calendar.working_days_between(date(2026, 1, 5), date(2026, 1, 5)) == 0


def test_a_friday_deadline_before_tet_is_missed_on_the_monday_after_it():
    # The portal's one overdue rule: missed once a working day has begun after the deadline.
    calendar = Calendar()
    deadline = date(2026, 2, 13)  # Friday; Tết 16-20/02/2026 between two weekends
    for on in (date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 20), date(2026, 2, 22)):
        assert overdue_cutoff(on, calendar) < deadline, on
    assert overdue_cutoff(date(2026, 2, 23), calendar) == deadline
    assert due_date(date(2026, 2, 14), calendar) == date(2026, 2, 23)  # a Saturday deadline


def test_years_outside_the_calendar_only_skip_weekends():
    calendar = Calendar(years=[2026])
    assert calendar.is_working_day(date(2027, 1, 1))
    assert not calendar.is_working_day(date(2026, 1, 1))
    assert calendar.holidays_in(2027) == []
