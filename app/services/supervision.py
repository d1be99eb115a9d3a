"""What the supervisor watches: overdue and due-soon tickets, alerts, open work per state and section."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, ProcessInstance, Section, Ticket
from app.services import NotFound, PermissionDenied, _, board, roster, time_rules
from app.services.uow import unit_of_work


def _open():
    return select(Ticket).where(Ticket.closed_at.is_(None))


LIST_LIMIT = 50  # rows shown per list on the board (the counts are of all)


def overview() -> dict:
    """Counts by SQL over the open tickets (a partial index holds them); lists bounded to LIST_LIMIT."""
    now = clock.now()
    cal = calendar_store.get_calendar()
    # due within the 催办 rule's working days: now < deadline <= add_workdays(now, n), each ticket by its
    # first open deadline: an unsigned or unresponded ticket by its 响应时限, the others by 办理时限
    soon_end = cal.add_workdays(now, time_rules.urge_workdays())
    first_due = Ticket.first_due  # computed by the database, indexed over the open tickets
    is_overdue = board.overdue_sql(now)  # a 待回访 ticket replied in time has no first_due: nothing left to miss
    is_soon = board.soon_sql(now, soon_end)
    open_count, overdue_count, soon_count = db.session.execute(
        select(func.count(), func.count(case((is_overdue, 1))), func.count(case((is_soon, 1))))
        .where(Ticket.closed_at.is_(None))).one()
    listed = _open().options(joinedload(Ticket.section)).order_by(first_due, Ticket.id).limit(LIST_LIMIT)
    overdue = [board.first_deadline(t) for t in db.session.scalars(listed.where(is_overdue))]
    soon = [board.first_deadline(t) for t in db.session.scalars(listed.where(is_soon))]
    per_state: dict = {}
    per_section: dict = {}
    for state, section, count in db.session.execute(  # the open tickets counted once, by state and section
        select(Ticket.state, Section.name, func.count())
        .select_from(Ticket).outerjoin(Section, Ticket.section_id == Section.id)
        .where(Ticket.closed_at.is_(None)).group_by(Ticket.state, Section.name)
    ):
        per_state[state] = per_state.get(state, 0) + count
        per_section[section] = per_section.get(section, 0) + count
    alert_count = db.session.scalar(select(func.count(Alert.id)).where(Alert.acknowledged_at.is_(None)))
    alerts = db.session.scalars(  # the tickets in a second query: joined, the LIMIT came after the join
        select(Alert).options(selectinload(Alert.ticket)).where(Alert.acknowledged_at.is_(None))
        .order_by(Alert.raised_at.desc()).limit(LIST_LIMIT)
    ).all()
    recent = db.session.scalars(
        select(Alert).options(selectinload(Alert.ticket), joinedload(Alert.acknowledged_by))
        .where(Alert.acknowledged_at.is_not(None)).order_by(Alert.acknowledged_at.desc()).limit(10)
    ).all()
    broken = db.session.execute(
        select(ProcessInstance.id, ProcessInstance.error, Ticket)
        .join(Ticket, ProcessInstance.ticket_id == Ticket.id).where(ProcessInstance.status == "error")
    ).all()
    return {
        "broken": broken,
        "overdue": overdue,
        "soon": soon,
        "per_state": sorted(per_state.items(), key=lambda r: -r[1]),
        "per_section": sorted(((name or _("未分派"), n) for name, n in per_section.items()), key=lambda r: -r[1]),
        "alerts": alerts,
        "subjects": board.subjects([*alerts, *recent]),  # enterprise:11 -> the enterprise's name
        "recent_alerts": recent,
        "open_count": open_count,
        "overdue_count": overdue_count,
        "soon_count": soon_count,
        "alert_count": alert_count,
        "list_limit": LIST_LIMIT,
        "roster_gaps": roster.upcoming_gaps(),  # uncovered duty shifts in the next 48 hours
    }


def acknowledge(alert_id: int, user) -> Alert:
    if not user.has_role("supervisor"):
        raise PermissionDenied(_("只有主管可以确认预警。"))
    from app.services import early_warning  # an early warning is acknowledged through its process

    alert = db.session.get(Alert, alert_id)
    if alert is not None and early_warning.acknowledge_alert(alert, user) is not None:
        return alert
    with unit_of_work():
        alert = db.session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(_("预警不存在。"))
        if alert.acknowledged_at is None:
            alert.acknowledged_at = clock.now()
            alert.acknowledged_by_id = user.id
    return alert
