"""Functions that BPMN expressions (timers, gateways, scripts, due dates) can call.

Times travel through process data as ISO 8601 strings in Asia/Shanghai, so they stay
JSON-serialisable and readable in the modeler.
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from app.engine.clock import LOCAL_TZ, clock
from app.engine.workcalendar import WorkCalendar


def to_datetime(value) -> datetime:
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    return dt


def to_iso(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


_extra_functions: dict = {}


def register_function(name: str, function) -> None:
    """Expose a function to BPMN expressions (e.g. the duty roster's ``on_duty``).

    Registered by the modules that own the data the function reads, at import time.
    """
    _extra_functions[name] = function


def make_environment(calendar: WorkCalendar, notifications: list, moves: list | None = None) -> dict:
    def now() -> str:
        """当前时间"""
        return to_iso(clock.now())

    def add_hours(start, hours) -> str:
        """start + hours (clock hours)"""
        return to_iso(calendar.add_hours(to_datetime(start), float(hours)))

    def add_workdays(start, days) -> str:
        """start + days working days (negative counts back)"""
        return to_iso(calendar.add_workdays(to_datetime(start), int(days)))

    def is_workday(when=None) -> bool:
        return calendar.is_workday(to_datetime(when or now()).astimezone(LOCAL_TZ).date())

    def is_office_hours(when=None) -> bool:
        return calendar.is_office_hours(to_datetime(when or now()))

    def notify(kind, message="") -> None:
        """Raise an alert for supervisors (recorded when the step is saved)."""
        notifications.append((str(kind), str(message)))

    def move_deadlines(**variables) -> None:
        """Give the waiting timers and open tasks new values for these variables (e.g. an
        approved extension's reply_deadline): their due instants are computed again."""
        if moves is not None:
            moves.append(variables)

    return {
        **_extra_functions,
        "now": now,
        "add_hours": add_hours,
        "add_workdays": add_workdays,
        "is_workday": is_workday,
        "is_office_hours": is_office_hours,
        "notify": notify,
        "move_deadlines": move_deadlines,
    }


def make_script_engine(calendar: WorkCalendar, notifications: list, moves: list | None = None) -> PythonScriptEngine:
    return PythonScriptEngine(environment=TaskDataEnvironment(make_environment(calendar, notifications, moves)))
