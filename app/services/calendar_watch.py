"""A calendar that cannot be silently wrong: deadlines in years nobody has confirmed.

A year counts as known only once it is confirmed (app/services/calendar_admin.py). Until then
every deadline, reminder or callback date that falls in it is flagged wherever it is shown
(``unconfirmed_year``: the ticket page, the inbox and the board use it through the due-date
badge), and supervisors and administrators get one alert per year on the board (an ``Alert``
with business key ``calendar:<year>``): from 1 November of the year before, or as soon as an
open ticket has a date in it, whichever comes first. It is raised when the board or the
calendar page is shown (where alerts are read), not on every ticket save. Confirming the
year acknowledges it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, union

from app.engine import calendar_store
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import Alert, Ticket, WorkItem
from app.services import _, per_request
from app.services.calendar_admin import ALERT_PREFIX
from app.services.uow import unit_of_work

ALERT_KIND = "日历未确认"
WARN_FROM = (11, 1)  # month, day of the year before: the State Council publishes in Oct-Nov


def unconfirmed_year(at: datetime | date | None) -> int | None:
    """The year of ``at`` (Beijing time) if its calendar is not confirmed, else None (past years: None)."""
    if at is None:
        return None
    year = at.astimezone(LOCAL_TZ).year if isinstance(at, datetime) else at.year
    if year < clock.now().astimezone(LOCAL_TZ).year:  # a date of a past year has happened: no warning
        return None
    return None if calendar_store.get_calendar().has_data_for(year) else year


def _bounds(year: int) -> tuple[datetime, datetime]:
    return (datetime(year, 1, 1, tzinfo=LOCAL_TZ), datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ))


def candidate_years(now: datetime | None = None) -> list[int]:
    """Unconfirmed years a date of an open ticket could fall in (this year to two years on)."""
    local = (now or clock.now()).astimezone(LOCAL_TZ)
    cal = calendar_store.get_calendar()
    return cal.years_without_data(range(local.year, local.year + 3))


def ticket_dates(ticket: Ticket, tasks: bool = True) -> list[datetime]:
    """The dates of an open ticket the calendar decides: response, urge, reply, and (``tasks``) its open
    tasks' due dates (one query: lists of tickets pass ``tasks=False``)."""
    if ticket.closed_at is not None:
        return []
    dates = [ticket.reply_deadline, ticket.urge_at]
    if ticket.first_contact_at is None:
        dates.append(ticket.response_deadline)
    if tasks:
        dates += list(db.session.scalars(select(WorkItem.due_at).where(
            WorkItem.ticket_id == ticket.id, WorkItem.state == "ready", WorkItem.due_at.is_not(None))))
    return [d for d in dates if d is not None]


def ticket_years(ticket: Ticket, tasks: bool = True) -> list[int]:
    """Unconfirmed years among the ticket's open dates (no query while every near year is confirmed):
    ``unconfirmed_year`` of each date, with the calendar and this year taken once (lists call it per row)."""
    if ticket.closed_at is not None:
        return []
    now = clock.now()
    if not candidate_years(now):
        return []
    cal = calendar_store.get_calendar()
    this_year = now.astimezone(LOCAL_TZ).year
    years = {d.astimezone(LOCAL_TZ).year if isinstance(d, datetime) else d.year for d in ticket_dates(ticket, tasks)}
    return sorted(y for y in years if y >= this_year and not cal.has_data_for(y))


def affected_ids(year: int):
    """The ids of the open tickets with a deadline, reminder or open task due in ``year``: a union of four
    range reads, each on an index over the open tickets or tasks (ix_ticket_open, ix_ticket_open_urge,
    ix_ticket_open_response, ix_work_item_open)."""
    start, end = _bounds(year)
    in_year = lambda column: (column >= start) & (column < end)  # noqa: E731
    still_open = Ticket.closed_at.is_(None)
    return union(
        select(Ticket.id).where(still_open, in_year(Ticket.reply_deadline)),
        select(Ticket.id).where(still_open, in_year(Ticket.urge_at)),
        select(Ticket.id).where(still_open, Ticket.first_contact_at.is_(None), in_year(Ticket.response_deadline)),
        select(WorkItem.ticket_id).join(Ticket, Ticket.id == WorkItem.ticket_id)
        .where(WorkItem.state == "ready", in_year(WorkItem.due_at), still_open))


def affected_count(year: int) -> int:
    return db.session.scalar(select(func.count()).select_from(affected_ids(year).subquery())) or 0


def board_summary(now: datetime | None = None) -> list[dict]:
    """For the board and the calendar page: each unconfirmed year that matters now, with how many open
    tickets it touches (counted once per request: the board's alert check and its banner share it)."""
    if now is None:
        return per_request.remembered("jiesu.calendar_summary", lambda: _summary(clock.now()))
    return _summary(now)


def _summary(now: datetime) -> list[dict]:
    out = []
    for year in candidate_years(now):
        count = affected_count(year)
        if count or _in_warning_window(year, now):
            out.append({"year": year, "count": count})
    return out


def _in_warning_window(year: int, now: datetime) -> bool:
    local = now.astimezone(LOCAL_TZ)
    return local.year >= year or (local.year == year - 1 and (local.month, local.day) >= WARN_FROM)


def _message(year: int, count: int) -> str:
    if count:
        return _("%(year)s 年的节假日安排尚未确认：%(n)s 件未办结工单的时限落在 %(year)s 年，目前按“周一至周五上班”计算，"
                 "可能有误。请管理员粘贴国务院通知并确认全年日历。", year=year, n=count)
    return _("%(year)s 年的节假日安排尚未确认：请管理员在国务院通知发布后粘贴通知并确认全年日历，否则 %(year)s 年的时限按"
             "“周一至周五上班”计算。", year=year)


def ensure_alert(year: int, count: int = 0, now: datetime | None = None) -> Alert | None:
    """One alert per unconfirmed year (in the caller's transaction); None if it exists already."""
    exists = db.session.scalar(select(Alert.id).where(Alert.business_key == f"{ALERT_PREFIX}{year}").limit(1))
    if exists is not None:
        return None
    alert = Alert(business_key=f"{ALERT_PREFIX}{year}", kind=ALERT_KIND, message=_message(year, count)[:300],
                  raised_at=now or clock.now())
    db.session.add(alert)
    return alert


def raise_due_alerts(now: datetime | None = None) -> list[dict]:
    """Raise what is due now, in its own transaction; returns the board summary it was computed
    from (the board and the calendar page call it)."""
    summary = board_summary(now)  # without ``now``: the one the request's page shows too
    now = now or clock.now()
    with unit_of_work():
        for row in summary:
            ensure_alert(row["year"], row["count"], now)
    return summary
