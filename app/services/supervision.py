"""What the supervisor watches: overdue and due-soon tickets, alerts, open work per state and section."""

from __future__ import annotations

from sqlalchemy import func, select

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, ProcessInstance, Section, Ticket
from app.services import NotFound, PermissionDenied, _, board, roster, time_rules
from app.services.uow import unit_of_work


def _open():
    return select(Ticket).where(Ticket.closed_at.is_(None))


def overview() -> dict:
    now = clock.now()
    cal = calendar_store.get_calendar()
    open_tickets = db.session.scalars(_open().order_by(Ticket.reply_deadline)).all()
    # by each ticket's first open deadline: an unsigned or unresponded ticket by its 响应时限
    overdue, soon = board.split_by_deadline(open_tickets, now, cal, time_rules.urge_workdays())
    per_state = db.session.execute(
        select(Ticket.state, func.count(Ticket.id)).where(Ticket.closed_at.is_(None)).group_by(Ticket.state)
    ).all()
    per_section = db.session.execute(
        select(Section.name, func.count(Ticket.id))
        .select_from(Ticket).outerjoin(Section, Ticket.section_id == Section.id)
        .where(Ticket.closed_at.is_(None)).group_by(Section.name)
    ).all()
    alerts = db.session.scalars(
        select(Alert).where(Alert.acknowledged_at.is_(None)).order_by(Alert.raised_at.desc())
    ).all()
    recent = db.session.scalars(
        select(Alert).where(Alert.acknowledged_at.is_not(None)).order_by(Alert.acknowledged_at.desc()).limit(10)
    ).all()
    broken = db.session.execute(
        select(ProcessInstance.id, ProcessInstance.error, Ticket)
        .join(Ticket, ProcessInstance.ticket_id == Ticket.id).where(ProcessInstance.status == "error")
    ).all()
    return {
        "broken": broken,
        "overdue": overdue,
        "soon": soon,
        "per_state": sorted(per_state, key=lambda r: -r[1]),
        "per_section": sorted(((name or _("未分派"), n) for name, n in per_section), key=lambda r: -r[1]),
        "alerts": alerts,
        "subjects": board.subjects([*alerts, *recent]),  # enterprise:11 -> the enterprise's name
        "recent_alerts": recent,
        "open_count": len(open_tickets),
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
