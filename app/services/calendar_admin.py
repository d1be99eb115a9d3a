"""Editing the working-day calendar (the State Council publishes next year's late each year).

A year counts as known only once an administrator confirms it complete (``confirm_year``);
entering days, by hand or from the pasted notice, does not confirm it. Every change marks
the open tickets' deadlines as due for recomputation (``pending_recompute``), which the
calendar page offers as a preview and applies (app/services/calendar_recompute.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.engine import calendar_store
from app.engine.clock import LOCAL_TZ, clock
from app.engine.workcalendar import DayOverride
from app.extensions import db
from app.models import Alert, CalendarDay, CalendarYear
from app.services import (
    InvalidInput,
    PermissionDenied,
    ServiceError,
    _,
    calendar_notice,
    query_args,
    settings,
)
from app.services.uow import unit_of_work

PENDING_KEY = "calendar_recompute_pending"  # {"at": iso, "years": [...]}: deadlines not yet recomputed
ALERT_PREFIX = "calendar:"
NAME_LIMIT = 40  # a special day's 名称 (characters; CalendarDay.name is String(40))


def can_edit(user) -> bool:
    return user.has_role("admin", "process_owner")


def _check(user):
    if not can_edit(user):
        raise PermissionDenied(_("只有管理员可以修改工作日历。"))


def _known_year(year) -> int:
    """A year the calendar keeps; a missing or absurd one (a form's ``10000``) is refused, not a 500."""
    try:
        return query_args.year(year)
    except (TypeError, ValueError):
        raise ServiceError(_("年份应在 %(low)s 至 %(high)s 之间。", low=query_args.YEARS[0],
                             high=query_args.YEARS[1])) from None


def _rows(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)))


def year_view(year: int) -> dict:
    cal = calendar_store.get_calendar()
    row = db.session.get(CalendarYear, year)
    return {"year": year, "days": _rows(year), "has_data": cal.has_data_for(year),
            "source": row.source if row else None, "year_row": row,
            "pending": pending_recompute()}


def _touch(year: int, source: str) -> CalendarYear:
    """The year's row (created unconfirmed); its source says where its days came from."""
    row = db.session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year, source=source)
        db.session.add(row)
    elif row.confirmed_at is None:
        row.source = source
    return row


def _mark_changed(years) -> None:
    pending = settings.get(PENDING_KEY) or {}
    settings.put(PENDING_KEY, {"at": clock.now().isoformat(),
                               "years": sorted(set(pending.get("years") or []) | set(years))})
    calendar_store.invalidate()


def set_day(user, day: date, is_workday: bool, name: str) -> None:
    _check(user)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写名称（如“春节”或“春节调休”）。"))
    if len(name) > NAME_LIMIT:
        raise InvalidInput({"name": _("名称不能超过 %(max)s 个字（现 %(n)s 个字）。", max=NAME_LIMIT, n=len(name))})
    if is_workday and day.weekday() < 5:
        raise ServiceError(_("%(day)s 本来就是工作日，无需设为调休上班。", day=day))
    if not is_workday and day.weekday() >= 5:
        raise ServiceError(_("%(day)s 本来就是周末，无需设为节假日。", day=day))
    with unit_of_work():
        db.session.merge(CalendarDay(day=day, is_workday=is_workday, name=name))
        _touch(day.year, "admin")
        _mark_changed([day.year])


def delete_day(user, day: date) -> None:
    _check(user)
    with unit_of_work():
        row = db.session.get(CalendarDay, day)
        if row is None:
            raise ServiceError(_("%(day)s 没有特殊安排。", day=day))
        db.session.delete(row)
        _mark_changed([day.year])


def confirm_year(user, year: int) -> CalendarYear:
    """Declare a year's official calendar complete: from now on it counts as known."""
    _check(user)
    year = _known_year(year)
    with unit_of_work():
        if not _rows(year):
            raise ServiceError(_("%(year)s 年还没有任何节假日：请先粘贴国务院的通知或逐日录入，再确认。", year=year))
        row = db.session.get(CalendarYear, year) or _touch(year, "admin")
        if row.confirmed_at is not None:
            raise ServiceError(_("%(year)s 年日历已于 %(at)s 确认。", year=year,
                                 at=row.confirmed_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")))
        row.confirmed_at, row.confirmed_by_id = clock.now(), user.id
        for alert in db.session.scalars(select(Alert).where(Alert.business_key == f"{ALERT_PREFIX}{year}",
                                                            Alert.acknowledged_at.is_(None))):
            alert.acknowledged_at, alert.acknowledged_by_id = row.confirmed_at, user.id
        _mark_changed([year])
    return row


def withdraw_confirmation(user, year: int) -> None:
    """The year is not complete after all (a correction is expected): deadlines in it are flagged again."""
    _check(user)
    year = _known_year(year)
    with unit_of_work():
        row = db.session.get(CalendarYear, year)
        if row is None or row.confirmed_at is None:
            raise ServiceError(_("%(year)s 年日历尚未确认。", year=year))
        row.confirmed_at = row.confirmed_by_id = None
        row.source = "admin" if row.source == "chinese_calendar" else row.source
        _mark_changed([year])


mark_year_complete = confirm_year  # the older name of the same action


# ------------------------------------------------------------------ the pasted notice

@dataclass
class NoticePreview:
    notice: calendar_notice.Notice
    added: list[DayOverride] = field(default_factory=list)
    changed: list[tuple[CalendarDay, DayOverride]] = field(default_factory=list)
    removed: list[CalendarDay] = field(default_factory=list)  # rows of the notice's year it does not list
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def preview_notice(text: str, year: int | None = None) -> NoticePreview:
    """What saving the notice would change in the table (nothing is written)."""
    notice = calendar_notice.parse(text, year)
    preview = NoticePreview(notice)
    if not notice.ok:
        return preview
    parsed = {o.day: o for o in notice.overrides()}
    stored = {r.day: r for y in notice.years() for r in _rows(y)}
    for day, o in parsed.items():
        row = stored.get(day)
        if row is None:
            preview.added.append(o)
        elif (row.is_workday, row.name) != (o.is_workday, o.name):
            if row.is_workday == o.is_workday:
                preview.unchanged += 1  # only the name differs: kept as it is
            else:
                preview.changed.append((row, o))
        else:
            preview.unchanged += 1
    preview.removed = [r for d, r in sorted(stored.items()) if d.year == notice.year and d not in parsed]
    return preview


def save_notice(user, text: str, year: int | None = None, confirm: bool = False) -> NoticePreview:
    """Store the notice's days: the notice's year gets exactly the notice's days (days of a
    neighbouring year it names are added or corrected); optionally confirm the year."""
    _check(user)
    preview = preview_notice(text, year)
    notice = preview.notice
    if not notice.ok:
        raise ServiceError("；".join(notice.problems) or _("通知没有可保存的内容。"))
    with unit_of_work():
        for row in preview.removed:
            db.session.delete(db.session.get(CalendarDay, row.day))
        for o in preview.added:
            db.session.add(CalendarDay(day=o.day, is_workday=o.is_workday, name=o.name))
        for row, o in preview.changed:
            stored = db.session.get(CalendarDay, row.day)
            stored.is_workday, stored.name = o.is_workday, o.name
        _touch(notice.year, "notice")
        _mark_changed(notice.years())
    if confirm:
        row = db.session.get(CalendarYear, notice.year)
        if row is None or row.confirmed_at is None:
            confirm_year(user, notice.year)
    return preview


def pending_recompute() -> dict | None:
    return settings.get(PENDING_KEY) or None


def clear_pending() -> None:
    """In the caller's transaction: the open tickets follow the calendar again."""
    settings.put(PENDING_KEY, {})
