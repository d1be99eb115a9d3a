"""Functions that BPMN expressions (timers, gateways, scripts, due dates) can call.

Times travel through process data as ISO 8601 strings in Asia/Shanghai, so they stay
JSON-serialisable and readable in the modeler.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine.clock import LOCAL_TZ, clock
from app.engine.evaluator import RestrictedEnvironment
from app.engine.workcalendar import WorkCalendar


def to_datetime(value) -> datetime:
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    return dt


def to_iso(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def due_instant(value, start: datetime | None = None) -> datetime:
    """A ``dueDate``/``followUpDate`` value as an instant: a date or date-time (no offset means
    Asia/Shanghai), an ISO 8601 duration from ``start`` (now), or a datetime."""
    if isinstance(value, datetime):
        return to_datetime(value)
    text = str(value).strip()
    if text[:1].upper() == "P":
        parsed = TimerEventDefinition.parse_iso_duration(text)
        start = start or clock.now()
        return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
    if len(text) == 10:  # a date alone: the end of that day
        return to_datetime(text) + timedelta(hours=23, minutes=59, seconds=59)
    return to_datetime(text)


# the functions make_environment() binds per engine operation (to its calendar and its alerts)
BUILTIN_FUNCTION_NAMES = frozenset(
    {"now", "add_hours", "add_workdays", "add_days", "end_of_workday", "next_month_start", "is_workday",
     "is_office_hours", "notify", "move_deadlines", "earliest", "latest", "is_future"})


class Notice(tuple):
    """One ``notify(kind, message)``: unpacks as ``(kind, message)``; ``once`` as asked."""

    once: bool

    def __new__(cls, kind: str, message: str, once: bool = False):
        notice = super().__new__(cls, (kind, message))
        notice.once = once
        return notice

    def __getnewargs__(self):  # copies and pickles keep ``once``
        return (self[0], self[1], self.once)


def make_environment(calendar: WorkCalendar, notifications: list, moves: list | None = None,
                     functions: dict | None = None) -> dict:
    """The functions one engine operation offers its diagram: ``functions`` (the product's
    registered BPMN functions and service implementations) plus the calendar-bound built-ins."""
    def now() -> str:
        """当前时间"""
        return to_iso(clock.now())

    def add_hours(start, hours) -> str:
        """start + hours (clock hours)"""
        return to_iso(calendar.add_hours(to_datetime(start), float(hours)))

    def add_workdays(start, days) -> str:
        """start + days working days (negative counts back)"""
        return to_iso(calendar.add_workdays(to_datetime(start), int(days)))

    def add_days(start, days) -> str:
        """start + days calendar days (negative counts back)"""
        return to_iso(to_datetime(start) + timedelta(days=int(days)))

    def end_of_workday(when) -> str:
        """the end of the working day of ``when`` (work_end, 17:30 by default)"""
        local = to_datetime(when).astimezone(LOCAL_TZ)
        return to_iso(datetime.combine(local.date(), calendar.work_end, tzinfo=LOCAL_TZ))

    def next_month_start(when=None, hour=9) -> str:
        """the first instant after ``when`` of the form YYYY-MM-01 hour:00"""
        local = to_datetime(when or now()).astimezone(LOCAL_TZ)
        candidate = datetime(local.year, local.month, 1, int(hour), tzinfo=LOCAL_TZ)
        if candidate <= local:
            year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
            candidate = datetime(year, month, 1, int(hour), tzinfo=LOCAL_TZ)
        return to_iso(candidate)

    def is_workday(when=None) -> bool:
        return calendar.is_workday(to_datetime(when or now()).astimezone(LOCAL_TZ).date())

    def is_office_hours(when=None) -> bool:
        return calendar.is_office_hours(to_datetime(when or now()))

    def earliest(*instants) -> str | None:
        """the earliest of the instants given (empty ones left out); None if none"""
        given = [to_datetime(v) for v in instants if v]
        return to_iso(min(given)) if given else None

    def latest(*instants) -> str | None:
        """the latest of the instants given (empty ones left out); None if none"""
        given = [to_datetime(v) for v in instants if v]
        return to_iso(max(given)) if given else None

    def is_future(when) -> bool:
        """whether ``when`` is still ahead (False when empty)"""
        return bool(when) and to_datetime(when) > clock.now()

    def notify(kind, message="", once=False) -> None:
        """Raise an alert for supervisors (recorded when the step is saved); the holders of the open
        tasks are told. ``once=True``: a ticket that already has an alert of this kind gets no second
        one (for a deadline that is never computed again, such as 响应时限: missed once, however many
        stages notice it); the holders are still told."""
        notifications.append(Notice(str(kind), str(message), bool(once)))

    def move_deadlines(**variables) -> None:
        """Give the waiting timers and open tasks new values for these variables (e.g. an
        approved extension's reply_deadline): their due instants are computed again."""
        if moves is not None:
            moves.append(variables)

    return {
        **(functions or {}),
        "now": now,
        "add_hours": add_hours,
        "add_workdays": add_workdays,
        "add_days": add_days,
        "end_of_workday": end_of_workday,
        "next_month_start": next_month_start,
        "is_workday": is_workday,
        "is_office_hours": is_office_hours,
        "notify": notify,
        "move_deadlines": move_deadlines,
        "earliest": earliest,
        "latest": latest,
        "is_future": is_future,
    }


def make_script_engine(calendar: WorkCalendar, notifications: list, moves: list | None = None,
                       functions: dict | None = None) -> PythonScriptEngine:
    """SpiffWorkflow's script engine on the restricted evaluator (see app/engine/evaluator.py)."""
    environment = RestrictedEnvironment(make_environment(calendar, notifications, moves, functions))
    return PythonScriptEngine(environment=environment)
