"""Working-day arithmetic against the official PRC calendar.

Calendar facts used below (State Council notices, as shipped in chinesecalendar 1.11):
- 2026 Spring Festival: holidays Mon 02-16 .. Mon 02-23 (Sat/Sun 21-22 inside);
  make-up working days Sat 02-14 and Sat 02-28.
- 2026 Mid-autumn: Fri 09-25 holiday (no make-up day of its own).
- 2026 National Day: holidays Thu 10-01 .. Wed 10-07 (Sat/Sun 03-04 inside);
  make-up working days Sun 09-20 and Sat 10-10.
- chinesecalendar 1.11 has no data for 2027.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar as cc
import pytest

from app.engine.workcalendar import DayOverride, WorkCalendar, chinese_calendar_overrides

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture(scope="module")
def official():
    rows, known = chinese_calendar_overrides(range(2025, 2028))
    return rows, known


@pytest.fixture(scope="module")
def cal(official):
    rows, known = official
    return WorkCalendar(rows, known)


# ---------------------------------------------------------------- the brief's examples


def test_add_seven_workdays_plain_weeks(cal):
    # Wed 2026-11-25 10:30 + 7 -> Thu, Fri, Mon, Tue, Wed, Thu, Fri 12-04
    assert cal.add_workdays(at(2026, 11, 25, 10, 30), 7) == at(2026, 12, 4, 10, 30)


def test_start_on_saturday_moves_to_monday_morning(cal):
    assert cal.add_workdays(at(2026, 11, 28, 15, 0), 1) == at(2026, 12, 1, 9, 0)


def test_step_back_keeps_time_of_day(cal):
    assert cal.add_workdays(at(2026, 12, 4, 10, 30), -3) == at(2026, 12, 1, 10, 30)


def test_zero_workdays_is_the_normalised_start(cal):
    assert cal.add_workdays(at(2026, 11, 25, 10, 30), 0) == at(2026, 11, 25, 10, 30)
    assert cal.add_workdays(at(2026, 11, 25, 8, 0), 0) == at(2026, 11, 25, 9, 0)
    assert cal.add_workdays(at(2026, 11, 25, 17, 30), 0) == at(2026, 11, 26, 9, 0)
    assert cal.add_workdays(at(2026, 11, 28, 15, 0), 0) == at(2026, 11, 30, 9, 0)


def test_after_work_end_counts_from_next_morning(cal):
    # Wed 18:00 -> Thu 09:00, + 1 -> Fri 09:00
    assert cal.add_workdays(at(2026, 11, 25, 18, 0), 1) == at(2026, 11, 27, 9, 0)
    # before work_start: same day 09:00, + 1 -> Thu 09:00
    assert cal.add_workdays(at(2026, 11, 25, 7, 15), 1) == at(2026, 11, 26, 9, 0)


def test_result_is_in_shanghai_whatever_the_input_zone(cal):
    # 2026-11-25 02:30 UTC is 10:30 in Beijing
    result = cal.add_workdays(datetime(2026, 11, 25, 2, 30, tzinfo=UTC), 7)
    assert result == at(2026, 12, 4, 10, 30)
    assert result.tzinfo == SH
    assert result.hour == 10


# ---------------------------------------------------------------- National Day 2026


def test_national_day_2026_days(cal):
    for d in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)):
        assert not cal.is_workday(d), d
        assert cal.day_name(d) == "国庆节"
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, 调休上班
    assert cal.day_name(date(2026, 10, 10)) == "国庆节调休"
    assert cal.is_workday(date(2026, 9, 20))  # Sunday, 调休上班
    assert not cal.is_workday(date(2026, 9, 25))  # 中秋节, a Friday
    assert cal.day_name(date(2026, 9, 25)) == "中秋节"
    assert not cal.is_workday(date(2026, 10, 11))  # the Sunday after is a normal weekend
    assert cal.day_name(date(2026, 10, 11)) is None


def test_deadline_across_national_day_and_makeup_saturday(cal):
    # Tue 09-29 + 7: Wed 09-30 (1), holidays 10-01..10-07, Thu 10-08 (2), Fri 10-09 (3),
    # Sat 10-10 (4, make-up day), Mon 10-12 (5), Tue 10-13 (6), Wed 10-14 (7)
    assert cal.add_workdays(at(2026, 9, 29, 10, 0), 7) == at(2026, 10, 14, 10, 0)


def test_deadline_can_fall_on_the_makeup_saturday(cal):
    # Wed 09-23 + 7: Thu 09-24 (1), Fri 09-25 中秋, Mon 09-28 (2), Tue (3), Wed 09-30 (4),
    # Thu 10-08 (5), Fri 10-09 (6), Sat 10-10 (7)
    assert cal.add_workdays(at(2026, 9, 23, 10, 0), 7) == at(2026, 10, 10, 10, 0)
    # Fri 10-09 16:00 + 1 -> the working Saturday
    assert cal.add_workdays(at(2026, 10, 9, 16, 0), 1) == at(2026, 10, 10, 16, 0)


def test_makeup_sunday_before_national_day(cal):
    # Fri 09-18 + 1 -> Sun 09-20 (working day)
    assert cal.add_workdays(at(2026, 9, 18, 10, 0), 1) == at(2026, 9, 20, 10, 0)
    # received Sat 09-19 afternoon: clock starts Sun 09-20 09:00, + 1 -> Mon 09-21
    assert cal.add_workdays(at(2026, 9, 19, 15, 0), 1) == at(2026, 9, 21, 9, 0)


def test_received_during_the_holiday(cal):
    # Sat 10-03 (inside the holiday) + 1: clock starts Thu 10-08 09:00 -> Fri 10-09 09:00
    assert cal.add_workdays(at(2026, 10, 3, 11, 0), 1) == at(2026, 10, 9, 9, 0)
    assert cal.next_workday(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_workday(date(2026, 10, 9)) == date(2026, 10, 10)


def test_reminder_three_workdays_before_deadline_across_holiday(cal):
    deadline = at(2026, 10, 10, 10, 0)
    # back: Fri 10-09 (1), Thu 10-08 (2), holidays, Wed 09-30 (3)
    assert cal.add_workdays(deadline, -3) == at(2026, 9, 30, 10, 0)
    # Fri 10-09 17:00 - 3: Thu 10-08, Wed 09-30, Tue 09-29
    assert cal.add_workdays(at(2026, 10, 9, 17, 0), -3) == at(2026, 9, 29, 17, 0)


def test_step_back_from_a_holiday_starts_at_previous_work_end(cal):
    # Sun 10-04 is a holiday: previous working day Wed 09-30 17:30, - 1 -> Tue 09-29 17:30
    assert cal.add_workdays(at(2026, 10, 4, 12, 0), -1) == at(2026, 9, 29, 17, 30)


# ---------------------------------------------------------------- Spring Festival 2026


def test_spring_festival_2026(cal):
    assert cal.is_workday(date(2026, 2, 14))  # Saturday, 调休上班
    assert cal.is_workday(date(2026, 2, 28))  # Saturday, 调休上班
    assert cal.day_name(date(2026, 2, 17)) == "春节"
    assert cal.day_name(date(2026, 2, 28)) == "春节调休"
    # Fri 02-13 + 2: Sat 02-14 (1), holidays 02-16..02-23, Tue 02-24 (2)
    assert cal.add_workdays(at(2026, 2, 13, 10, 0), 2) == at(2026, 2, 24, 10, 0)
    # ... + 6: Wed 25 (3), Thu 26 (4), Fri 27 (5), Sat 28 (6)
    assert cal.add_workdays(at(2026, 2, 13, 10, 0), 6) == at(2026, 2, 28, 10, 0)
    # back from Tue 02-24 by 1 -> Sat 02-14
    assert cal.add_workdays(at(2026, 2, 24, 10, 0), -1) == at(2026, 2, 14, 10, 0)


# ---------------------------------------------------------------- against the package


def test_is_workday_agrees_with_the_package_for_2025_and_2026(cal):
    d = date(2025, 1, 1)
    while d.year < 2027:
        assert cal.is_workday(d) == cc.is_workday(d), d
        d += timedelta(days=1)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 15])
def test_add_workdays_agrees_with_package_find_workday(cal, n):
    d = date(2025, 1, 2)
    while d < date(2026, 11, 15):
        if cc.is_workday(d):
            assert cal.add_workdays(at(d.year, d.month, d.day, 10, 0), n).date() == cc.find_workday(n, d), d
            assert cal.add_workdays(at(d.year, d.month, d.day, 10, 0), -n).date() == cc.find_workday(-n, d), d
        d += timedelta(days=1)


# ---------------------------------------------------------------- years without data


def test_year_without_data_counts_weekends_only(cal):
    assert cal.has_data_for(2025) and cal.has_data_for(2026)
    assert not cal.has_data_for(2027)
    assert cal.years_without_data([2028, 2026, 2027, 2027]) == [2027, 2028]
    # 2027-01-01 is a Friday: without data it is an ordinary working day
    assert cal.is_workday(date(2027, 1, 1))
    assert cal.add_workdays(at(2026, 12, 31, 10, 0), 1) == at(2027, 1, 1, 10, 0)
    # Spring Festival 2027 (Sat 02-06) is unknown: Fri 02-05 + 5 -> Fri 02-12
    assert cal.add_workdays(at(2027, 2, 5, 10, 0), 5) == at(2027, 2, 12, 10, 0)


def test_override_added_by_admin_is_honoured(official):
    rows, known = official
    admin = DayOverride(date(2027, 1, 1), is_workday=False, name="元旦")
    cal = WorkCalendar([*rows, admin], known)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.day_name(date(2027, 1, 1)) == "元旦"
    # Thu 2026-12-31 + 1 skips Fri 01-01 and the weekend -> Mon 2027-01-04
    assert cal.add_workdays(at(2026, 12, 31, 10, 0), 1) == at(2027, 1, 4, 10, 0)
    assert not cal.has_data_for(2027)  # one row is not a year's calendar
    # an admin-declared working Sunday
    cal2 = WorkCalendar([DayOverride(date(2027, 1, 3), True, "元旦调休")], [2027])
    assert cal2.is_workday(date(2027, 1, 3))
    assert cal2.has_data_for(2027)
    assert cal2.add_workdays(at(2027, 1, 1, 10, 0), 1) == at(2027, 1, 3, 10, 0)


# ---------------------------------------------------------------- chinese_calendar_overrides


def test_chinese_calendar_overrides(official):
    rows, known = official
    assert known == [2025, 2026]
    assert all(r.day.year in (2025, 2026) for r in rows)
    by_day = {r.day: r for r in rows}
    for d in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)):
        assert by_day[d] == DayOverride(d, False, "国庆节")
    assert by_day[date(2026, 10, 10)] == DayOverride(date(2026, 10, 10), True, "国庆节调休")
    assert by_day[date(2026, 9, 20)] == DayOverride(date(2026, 9, 20), True, "国庆节调休")
    assert any(r.is_workday for r in rows)
    # only days that differ from Mon-Fri: the holiday weekend 10-03/04 needs no row
    assert date(2026, 10, 3) not in by_day
    assert all(r.is_workday == (r.day.weekday() >= 5) for r in rows)
    # 2025 National Day make-up days: Sun 09-28 and Sat 10-11
    assert by_day[date(2025, 9, 28)].is_workday and by_day[date(2025, 10, 11)].is_workday


def test_chinese_calendar_overrides_unknown_years_only():
    rows, known = chinese_calendar_overrides([2027, 2030])
    assert rows == [] and known == []


# ---------------------------------------------------------------- naive datetimes


def test_naive_datetime_refused(cal):
    naive = datetime(2026, 11, 25, 10, 30)
    aware = at(2026, 11, 25, 10, 30)
    with pytest.raises(ValueError):
        cal.add_workdays(naive, 1)
    with pytest.raises(ValueError):
        cal.add_workdays(naive, -1)
    with pytest.raises(ValueError):
        cal.add_hours(naive, 24)
    with pytest.raises(ValueError):
        cal.is_office_hours(naive)
    with pytest.raises(ValueError):
        cal.workdays_between(naive, aware)
    with pytest.raises(ValueError):
        cal.is_within_workdays(naive, aware, 3)
    with pytest.raises(ValueError):
        cal.is_within_workdays(aware, naive, 3)


# ---------------------------------------------------------------- hours, counts, windows


def test_add_hours_is_plain_clock_time(cal):
    # 24 h response limit runs straight through the holiday
    assert cal.add_hours(at(2026, 9, 30, 20, 0), 24) == at(2026, 10, 1, 20, 0)
    assert cal.add_hours(at(2026, 10, 3, 23, 30), 2) == at(2026, 10, 4, 1, 30)
    assert cal.add_hours(at(2026, 11, 25, 10, 0), 0.5) == at(2026, 11, 25, 10, 30)
    result = cal.add_hours(datetime(2026, 11, 25, 0, 0, tzinfo=UTC), 2)
    assert result == at(2026, 11, 25, 10, 0) and result.tzinfo == SH


def test_workdays_between(cal):
    a = at(2026, 11, 25, 10, 30)
    assert cal.workdays_between(a, at(2026, 12, 4, 10, 30)) == 7
    assert cal.workdays_between(a, at(2026, 12, 4, 10, 29)) == 6
    assert cal.workdays_between(at(2026, 12, 4, 10, 30), a) == -7
    assert cal.workdays_between(a, a) == 0
    assert cal.workdays_between(a, at(2026, 11, 25, 17, 0)) == 0
    # across National Day: Tue 09-29 -> Wed 10-14 is 7 working days (see above)
    assert cal.workdays_between(at(2026, 9, 29, 10, 0), at(2026, 10, 14, 10, 0)) == 7
    # from a Saturday: clock starts Mon 09:00
    assert cal.workdays_between(at(2026, 11, 28, 15, 0), at(2026, 12, 1, 9, 0)) == 1


def test_is_within_workdays_boundaries(cal):
    now = at(2026, 11, 25, 10, 30)  # Wed; +3 working days = Mon 11-30 10:30
    assert cal.is_within_workdays(now, at(2026, 11, 30, 10, 30), 3)  # exactly 3: due within 3
    assert not cal.is_within_workdays(now, at(2026, 11, 30, 10, 31), 3)
    assert cal.is_within_workdays(now, at(2026, 11, 25, 10, 31), 3)
    assert not cal.is_within_workdays(now, now, 3)  # due now: overdue, not "within"
    assert not cal.is_within_workdays(now, at(2026, 11, 24, 10, 30), 3)  # past
    # across the holiday: Tue 09-29 -> Fri 10-09 is Wed 09-30, Thu 10-08, Fri 10-09
    assert cal.is_within_workdays(at(2026, 9, 29, 10, 0), at(2026, 10, 9, 10, 0), 3)
    assert not cal.is_within_workdays(at(2026, 9, 29, 10, 0), at(2026, 10, 9, 10, 0), 2)


def test_is_office_hours(cal):
    assert not cal.is_office_hours(at(2026, 11, 25, 8, 59))
    assert cal.is_office_hours(at(2026, 11, 25, 9, 0))
    assert cal.is_office_hours(at(2026, 11, 25, 17, 29))
    assert not cal.is_office_hours(at(2026, 11, 25, 17, 30))
    assert not cal.is_office_hours(at(2026, 10, 1, 10, 0))  # 国庆节, a Thursday
    assert not cal.is_office_hours(at(2026, 11, 28, 10, 0))  # ordinary Saturday
    assert cal.is_office_hours(at(2026, 10, 10, 10, 0))  # make-up Saturday
    assert cal.is_office_hours(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))  # 09:00 in Beijing


def test_custom_hours_and_bad_hours():
    cal = WorkCalendar([], [], work_start=time(8, 30), work_end=time(17, 0))
    assert cal.is_office_hours(at(2026, 11, 25, 8, 30))
    assert not cal.is_office_hours(at(2026, 11, 25, 17, 0))
    assert cal.add_workdays(at(2026, 11, 25, 17, 0), 0) == at(2026, 11, 26, 8, 30)
    with pytest.raises(ValueError):
        WorkCalendar([], [], work_start=time(18, 0), work_end=time(9, 0))
