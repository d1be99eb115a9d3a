"""What the 排班 pages and the supervisor's board show: days x shifts with their people, and uncovered shifts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.engine import calendar_store
from app.engine.clock import clock
from app.models.roster import DUTY_ROLES, SHIFT_KINDS, DutyAssignment
from app.services import _
from app.services.roster.duty import assignments_between, can_take_tickets
from app.services.roster.shifts import (
    OFF_HOURS_KINDS,
    Shift,
    holiday_name,
    kinds_for,
    local,
    make_shift,
    shift_times,
    shifts_between,
)

# Upcoming uncovered shifts are shown to supervisors this far ahead.
WARN_HOURS = 48


@dataclass
class Cell:
    shift: Shift | None  # None: the calendar expects no such shift that day
    assignments: list[DutyAssignment] = field(default_factory=list)
    past: bool = False
    current: bool = False  # running now

    @property
    def uncovered(self) -> bool:
        return self.shift is not None and not self.assignments

    @property
    def missing_dispatcher(self) -> bool:
        return (self.shift is not None and self.shift.kind in OFF_HOURS_KINDS and bool(self.assignments)
                and not any(can_take_tickets(a) for a in self.assignments))


@dataclass
class DayRow:
    day: date
    is_workday: bool
    holiday_name: str | None
    is_today: bool
    cells: dict[str, Cell]


def _role_order(a: DutyAssignment) -> tuple:
    return (list(DUTY_ROLES).index(a.duty_role) if a.duty_role in DUTY_ROLES else 9, a.id)


def _by_cell(first: date, last: date, active_only: bool = False) -> dict[tuple, list[DutyAssignment]]:
    found: dict[tuple, list] = {}
    for a in assignments_between(first, last):
        if a.user.active or not active_only:
            found.setdefault((a.day, a.shift), []).append(a)
    return found


def table(first: date, last: date) -> list[DayRow]:
    """Days x shifts from ``first`` to ``last``, with the people on each shift."""
    cal = calendar_store.get_calendar()
    times = shift_times()
    now = clock.now()
    today = clock.local_now().date()
    by_cell = _by_cell(first, last)
    rows = []
    day = first
    while day <= last:
        expected = kinds_for(day, cal)
        cells = {}
        for kind in SHIFT_KINDS:
            people = sorted(by_cell.get((day, kind), []), key=_role_order)
            if kind not in expected and not people:
                continue
            shift = make_shift(day, kind, times)
            # a kind the calendar does not expect that day is kept (shift None) to show its people
            cells[kind] = Cell(shift if kind in expected else None, people, past=shift.end <= now,
                               current=shift.contains(now))
        name = cal.day_name(day) or holiday_name(day, cal)
        rows.append(DayRow(day, cal.is_workday(day), name, day == today, cells))
        day += timedelta(days=1)
    return rows


@dataclass
class Gap:
    shift: Shift
    nobody: bool  # nobody at all on the shift
    running: bool  # the shift has started already

    @property
    def reason(self) -> str:
        return _("无人值班") if self.nobody else _("无值班派单员：非工作时间的工单无人接收")


def gaps(start: datetime, end: datetime) -> list[Gap]:
    """Shifts between two instants with nobody on them, or (night, holiday) nobody to take tickets."""
    first = local(start).date() - timedelta(days=1)
    last = local(end).date()
    by_cell = _by_cell(first, last, active_only=True)
    result = []
    for shift in shifts_between(first, last):
        if shift.end <= start or shift.start >= end:
            continue
        people = by_cell.get((shift.day, shift.kind), [])
        if not people:
            result.append(Gap(shift, True, shift.start <= start))
        elif shift.kind in OFF_HOURS_KINDS and not any(can_take_tickets(a) for a in people):
            result.append(Gap(shift, False, shift.start <= start))
    return result


def upcoming_gaps(hours: int = WARN_HOURS) -> list[Gap]:
    """Uncovered shifts from now to ``hours`` ahead (the running one included): the supervisor's warning."""
    now = clock.now()
    return gaps(now, now + timedelta(hours=hours))
