"""Working-day arithmetic on the official PRC calendar (法定节假日 and 调休).

Pure logic: the holiday table lives in the database and is handed in as
``DayOverride`` rows; every day without a row is a working day Monday to Friday.
Years for which nobody has entered the State Council's calendar yet fall back to
"weekends only"; ``has_data_for`` / ``years_without_data`` let the app warn about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "DayOverride", "WorkCalendar", "chinese_calendar_overrides"]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Longest run of non-working days tolerated before we assume the table is broken
# (e.g. an admin marked a whole year as holiday) instead of looping forever.
_MAX_GAP_DAYS = 366

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DayOverride:
    """One row of the holiday table: a date whose status differs from Mon-Fri."""

    day: date
    is_workday: bool  # False: 法定节假日 holiday; True: 调休上班 make-up working day
    name: str  # e.g. "国庆节", "国庆节调休"


class WorkCalendar:
    """Working days = Mon-Fri, corrected by the override rows; times computed in ``tz``."""

    def __init__(
        self,
        overrides: Iterable[DayOverride],
        known_years: Iterable[int],
        work_start: time = time(9, 0),
        work_end: time = time(17, 30),
        tz: ZoneInfo = SHANGHAI,
    ) -> None:
        if work_start >= work_end:
            raise ValueError(f"work_start {work_start} must be before work_end {work_end}")
        if work_start.tzinfo is not None or work_end.tzinfo is not None:
            raise ValueError("work_start / work_end are local wall-clock times, without tzinfo")
        # Later rows win if a day appears twice.
        self._overrides: dict[date, DayOverride] = {o.day: o for o in overrides}
        self.known_years: frozenset[int] = frozenset(known_years)
        self.work_start = work_start
        self.work_end = work_end
        self.tz = tz

    # ------------------------------------------------------------------ days

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day: its override if present, else Monday-Friday.

        An aware datetime is taken as its local date in ``tz``.
        """
        d = self._as_date(d)
        o = self._overrides.get(d)
        if o is not None:
            return o.is_workday
        return d.weekday() < 5

    def has_data_for(self, year: int) -> bool:
        """True if the official calendar of ``year`` is loaded (year in known_years)."""
        return year in self.known_years

    def years_without_data(self, years: Iterable[int]) -> list[int]:
        """The given years, sorted and de-duplicated, whose calendar is not loaded."""
        return sorted({y for y in years if y not in self.known_years})

    def day_name(self, d: date) -> str | None:
        """Holiday or make-up-day name of ``d`` (e.g. "国庆节", "国庆节调休"), else None."""
        o = self._overrides.get(self._as_date(d))
        return o.name if o is not None else None

    def next_workday(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d = self._as_date(d)
        return self._step(d, 1)

    def previous_workday(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d = self._as_date(d)
        return self._step(d, -1)

    # ----------------------------------------------------------- datetimes

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """Deadline arithmetic in working days; returns an aware datetime in ``tz``.

        n >= 0: the start is first normalised (a non-working day or a time at/after
        work_end moves to the next working day at work_start, a time before work_start
        moves to work_start), then n working days are added keeping the time of day.
        n < 0: |n| working days back keeping the time of day; a start on a non-working
        day first moves back to the previous working day at work_end.
        """
        local = self._local(start)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, not {type(n).__name__}")
        if n >= 0:
            d, t = self._normalise_forward(local)
        else:
            d, t = local.date(), local.time()
            if not self.is_workday(d):
                d, t = self._step(d, -1), self.work_end
        step = 1 if n > 0 else -1
        for _ in range(abs(n)):
            d = self._step(d, step)
        return self._combine(d, t)

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """``start`` plus plain elapsed clock hours (holidays do not matter), in ``tz``."""
        self._check_aware(start)
        return (start.astimezone(UTC) + timedelta(hours=hours)).astimezone(self.tz)

    def workdays_between(self, a: datetime, b: datetime) -> int:
        """Whole working days from ``a`` to ``b``: the largest k >= 0 with
        ``add_workdays(a, k) <= b``; negative (``-workdays_between(b, a)``) if b < a."""
        self._check_aware(a)
        self._check_aware(b)
        if b < a:
            return -self.workdays_between(b, a)
        start = self.add_workdays(a, 0)
        if b < start:
            return 0
        d0, t0 = start.date(), start.time()
        end = b.astimezone(self.tz)
        count = 0
        d = d0 + _ONE_DAY
        last = end.date()
        while d < last:
            if self.is_workday(d):
                count += 1
            d += _ONE_DAY
        if last > d0 and self.is_workday(last) and self._combine(last, t0) <= end:
            count += 1
        return count

    def is_within_workdays(self, now: datetime, deadline: datetime, n: int) -> bool:
        """Due within n working days: ``now < deadline <= add_workdays(now, n)``."""
        self._check_aware(now)
        self._check_aware(deadline)
        return now < deadline and self.add_workdays(now, n) >= deadline

    def is_office_hours(self, dt: datetime) -> bool:
        """True on a working day with work_start <= local time < work_end."""
        local = self._local(dt)
        return self.is_workday(local.date()) and self.work_start <= local.time() < self.work_end

    # ------------------------------------------------------------- helpers

    @staticmethod
    def _check_aware(dt: datetime) -> None:
        if not isinstance(dt, datetime):
            raise TypeError(f"expected a datetime, not {type(dt).__name__}")
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"naive datetime {dt.isoformat()} refused: give a timezone")

    def _local(self, dt: datetime) -> datetime:
        self._check_aware(dt)
        return dt.astimezone(self.tz)

    def _as_date(self, d: date) -> date:
        if isinstance(d, datetime):
            return self._local(d).date()
        return d

    def _combine(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    def _step(self, d: date, sign: int) -> date:
        """The next (sign=1) or previous (sign=-1) working day strictly after/before d."""
        delta = _ONE_DAY if sign > 0 else -_ONE_DAY
        for _ in range(_MAX_GAP_DAYS):
            d += delta
            if self.is_workday(d):
                return d
        raise ValueError(f"no working day within {_MAX_GAP_DAYS} days of {d}: check the holiday table")

    def _normalise_forward(self, local: datetime) -> tuple[date, time]:
        d, t = local.date(), local.time()
        if not self.is_workday(d) or t >= self.work_end:
            return self._step(d, 1), self.work_start
        if t < self.work_start:
            return d, self.work_start
        return d, t


# Names as the State Council notices spell them (the package abbreviates some).
_CHINESE_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def chinese_calendar_overrides(years: Iterable[int]) -> tuple[list[DayOverride], list[int]]:
    """Rows for the holiday table from the chinese_calendar package: every date where the
    official calendar differs from the Mon-Fri default, for the years the package knows.
    Returns (rows, years_known). Years it does not know (it raises NotImplementedError) are skipped."""
    import chinese_calendar as cc

    rows: list[DayOverride] = []
    known: list[int] = []
    for year in sorted(set(years)):
        d = date(year, 1, 1)
        try:
            cc.is_workday(d)
        except NotImplementedError:
            continue
        known.append(year)
        while d.year == year:
            official = cc.is_workday(d)
            if official != (d.weekday() < 5):
                _, english = cc.get_holiday_detail(d)
                name = _chinese_name(cc, english)
                rows.append(DayOverride(d, official, f"{name}调休" if official else name))
            d += _ONE_DAY
    return rows, known


def _chinese_name(cc, english: str | None) -> str:
    if english is None:  # not expected: every differing day has a name in the package
        return "调休"
    try:
        chinese = cc.Holiday(english).chinese
    except ValueError:
        return english
    return _CHINESE_NAMES.get(chinese, chinese)
