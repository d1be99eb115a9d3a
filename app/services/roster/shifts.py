"""The shift calendar: which shifts a day has (by the working-day calendar) and when each starts and ends.

A working day has a 日班 and a 夜班, a day off (weekend or public holiday) one 节假日值班;
their times are a setting (``roster_shift_times``, edited by supervisors), an end at or
before the start being on the next day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.engine import calendar_store
from app.engine.clock import LOCAL_TZ, clock
from app.models import User
from app.models.roster import DEFAULT_SHIFT_TIMES, SHIFT_KINDS
from app.services import InvalidInput, PermissionDenied, _, _l, settings
from app.services.uow import unit_of_work

SHIFT_TIMES_KEY = "roster_shift_times"
# Kinds whose tickets are routed to the duty dispatcher (outside office hours).
OFF_HOURS_KINDS = ("night", "holiday")
# Labels for the interface (msgids for pybabel; the models keep the plain Chinese).
SHIFT_LABELS = {"day": _l("日班"), "night": _l("夜班"), "holiday": _l("节假日值班")}
# How files and people write a shift.
SHIFT_WORDS = {"日班": "day", "白班": "day", "day": "day", "夜班": "night", "night": "night",
               "节假日值班": "holiday", "节假日": "holiday", "假日值班": "holiday", "holiday": "holiday"}


def shift_label(kind: str) -> str:
    return str(SHIFT_LABELS.get(kind, kind))


@dataclass(frozen=True)
class Shift:
    """One shift: the date it starts on, its kind, and its start and end (aware, Asia/Shanghai)."""

    day: date
    kind: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return shift_label(self.kind)

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}:{self.kind}"

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def overlaps(self, other: Shift) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def hours(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def describe(day: date, kind: str) -> str:
    return f"{day.isoformat()} {shift_label(kind)}"


def parse_times(text: str) -> tuple[time, time]:
    """'08:30-17:30' -> (08:30, 17:30). Raises ValueError on anything else."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*", str(text or ""))
    if not match:
        raise ValueError(text)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return time(h1, m1), time(h2, m2)


def shift_times() -> dict[str, tuple[time, time]]:
    """The configured times per shift kind (the defaults where a setting is missing or broken)."""
    stored = settings.get(SHIFT_TIMES_KEY) or {}
    result = {}
    for kind, default in DEFAULT_SHIFT_TIMES.items():
        try:
            result[kind] = parse_times(stored.get(kind, default))
        except (ValueError, AttributeError):
            result[kind] = parse_times(default)
    return result


def shift_times_text() -> dict[str, str]:
    return {kind: f"{a:%H:%M}-{b:%H:%M}" for kind, (a, b) in shift_times().items()}


def set_shift_times(actor: User, values: dict[str, str]) -> dict[str, str]:
    """Change the shift times; {kind: message} of the bad ones is raised as ``InvalidInput``."""
    if not actor.has_role("supervisor"):
        raise PermissionDenied(_("只有主管可以修改班次时间。"))
    problems: dict[str, str] = {}
    clean: dict[str, str] = {}
    for kind in SHIFT_KINDS:
        text = (values.get(kind) or "").strip()
        try:
            start, end = parse_times(text)
        except ValueError:
            problems[kind] = _("%(shift)s的时间“%(text)s”格式不正确，应为“08:30-17:30”。",
                               shift=shift_label(kind), text=text)
            continue
        clean[kind] = f"{start:%H:%M}-{end:%H:%M}"
    if "day" in clean:
        start, end = parse_times(clean["day"])
        if end <= start:
            problems["day"] = _("日班应在当天结束：结束时间要晚于开始时间。")
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        settings.put(SHIFT_TIMES_KEY, clean)
    return clean


def make_shift(day: date, kind: str, times: dict | None = None) -> Shift:
    start_t, end_t = (times or shift_times())[kind]
    start = datetime.combine(day, start_t, tzinfo=LOCAL_TZ)
    end_day = day if end_t > start_t else day + timedelta(days=1)
    return Shift(day, kind, start, datetime.combine(end_day, end_t, tzinfo=LOCAL_TZ))


def kinds_for(day: date, cal=None) -> list[str]:
    """The shifts the calendar expects on a date: 日班 + 夜班 on working days, else 节假日值班."""
    cal = cal or calendar_store.get_calendar()
    return ["day", "night"] if cal.is_workday(day) else ["holiday"]


def shifts_between(first: date, last: date) -> list[Shift]:
    """The shifts the calendar expects from ``first`` to ``last`` (inclusive), in order."""
    cal = calendar_store.get_calendar()
    times = shift_times()
    result = []
    day = first
    while day <= last:
        result.extend(make_shift(day, kind, times) for kind in kinds_for(day, cal))
        day += timedelta(days=1)
    return result


def holiday_name(day: date, cal=None) -> str | None:
    """The holiday a day off belongs to: its own name, or that of the break it is part of
    (the Saturday inside 国庆节 has no row of its own); None for an ordinary weekend."""
    cal = cal or calendar_store.get_calendar()
    if cal.is_workday(day):
        return None
    for step in (timedelta(days=-1), timedelta(days=1)):
        d = day
        for _i in range(15):
            name = cal.day_name(d)
            if name:
                return name
            d += step
            if cal.is_workday(d):
                break
    return None


def local(at: datetime | None) -> datetime:
    """An instant (now by default) in Beijing time; naive datetimes are refused."""
    at = clock.now() if at is None else at
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    return at.astimezone(LOCAL_TZ)


def shift_at(at: datetime | None = None) -> Shift | None:
    """The expected shift running at an instant (None if the shift times leave a hole there)."""
    moment = local(at)
    for shift in shifts_between(moment.date() - timedelta(days=1), moment.date()):
        if shift.contains(moment):
            return shift
    return None
