"""Editing the working-day calendar (the State Council publishes next year's late each year)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.engine import calendar_store
from app.extensions import db
from app.models import CalendarDay, CalendarYear
from app.services import PermissionDenied, ServiceError, _
from app.services.uow import unit_of_work


def _check(user):
    if not user.has_role("admin", "process_owner"):
        raise PermissionDenied(_("只有管理员可以修改工作日历。"))


def year_view(year: int) -> dict:
    cal = calendar_store.get_calendar()
    days = db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    source = db.session.get(CalendarYear, year)
    return {"year": year, "days": days, "has_data": cal.has_data_for(year),
            "source": source.source if source else None}


def set_day(user, day: date, is_workday: bool, name: str) -> None:
    _check(user)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写名称（如“春节”或“春节调休”）。"))
    if is_workday and day.weekday() < 5:
        raise ServiceError(_("%(day)s 本来就是工作日，无需设为调休上班。", day=day))
    if not is_workday and day.weekday() >= 5:
        raise ServiceError(_("%(day)s 本来就是周末，无需设为节假日。", day=day))
    with unit_of_work():
        db.session.merge(CalendarDay(day=day, is_workday=is_workday, name=name))
        if db.session.get(CalendarYear, day.year) is None:
            db.session.add(CalendarYear(year=day.year, source="admin"))
        calendar_store.invalidate()


def delete_day(user, day: date) -> None:
    _check(user)
    with unit_of_work():
        row = db.session.get(CalendarDay, day)
        if row is None:
            raise ServiceError(_("%(day)s 没有特殊安排。", day=day))
        db.session.delete(row)
        calendar_store.invalidate()


def mark_year_complete(user, year: int) -> None:
    """Declare a year's official calendar fully entered (clears the 'weekends only' warning)."""
    _check(user)
    with unit_of_work():
        if db.session.get(CalendarYear, year) is None:
            db.session.add(CalendarYear(year=year, source="admin"))
        calendar_store.invalidate()
