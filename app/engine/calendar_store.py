"""The working-day calendar as stored in the database, cached per process.

Edits made on the admin page bump the ``calendar_rev`` setting; every process (web
servers, timer workers) sees the bump within ``TTL`` seconds and rebuilds.
"""

from __future__ import annotations

import threading
import time as _time
from datetime import time

from app.engine.clock import clock
from app.engine.workcalendar import DayOverride, WorkCalendar, chinese_calendar_overrides
from app.extensions import db
from app.models import CalendarDay, CalendarYear, Setting

TTL = 5.0
_lock = threading.Lock()
_cached: dict = {"calendar": None, "rev": None, "checked": 0.0, "bind": None}


def _setting(key: str, default):
    row = db.session.get(Setting, key)
    return default if row is None else row.value


def _build() -> WorkCalendar:
    overrides = [DayOverride(r.day, r.is_workday, r.name) for r in db.session.scalars(db.select(CalendarDay))]
    # only confirmed years are "known": a year with a few rows entered by hand is not complete
    years = list(db.session.scalars(db.select(CalendarYear.year).where(CalendarYear.confirmed_at.is_not(None))))
    start = time.fromisoformat(_setting("work_start", "09:00"))
    end = time.fromisoformat(_setting("work_end", "17:30"))
    return WorkCalendar(overrides, years, start, end)


def get_calendar() -> WorkCalendar:
    now = _time.monotonic()
    bind = db.engine  # (the engine itself: another app's database is another engine)
    with _lock:
        fresh = _cached["calendar"] is not None and _cached["bind"] is bind
        if fresh and now - _cached["checked"] < TTL:
            return _cached["calendar"]
    rev = _setting("calendar_rev", 0)
    with _lock:
        if _cached["calendar"] is None or _cached["rev"] != rev or _cached["bind"] is not bind:
            _cached.update(calendar=_build(), rev=rev, bind=bind)
        _cached["checked"] = now
        return _cached["calendar"]


def invalidate() -> None:
    """Call after editing the calendar in this transaction (bumps the shared revision)."""
    row = db.session.get(Setting, "calendar_rev")
    if row is None:
        db.session.add(Setting(key="calendar_rev", value=1))
    else:
        row.value = int(row.value) + 1
    with _lock:
        _cached["calendar"] = None


def seed_from_package(years) -> list[int]:
    """Fill the table from chinese-calendar for the years it knows; returns those years.

    Those years are confirmed (the package has the State Council's whole calendar for them); a
    year the package does not know gets no row at all, so it is never claimed as known."""
    rows, known = chinese_calendar_overrides(years)
    existing = set(db.session.scalars(db.select(CalendarYear.year)))
    for row in rows:
        if row.day.year in existing:
            continue
        db.session.merge(CalendarDay(day=row.day, is_workday=row.is_workday, name=row.name))
    for year in known:
        if year not in existing:
            db.session.add(CalendarYear(year=year, source="chinese_calendar", confirmed_at=clock.now()))
    invalidate()
    return known
