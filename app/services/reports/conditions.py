"""The SQL conditions behind every report figure, shared with the ledger's filter.

A report counts tickets with these conditions; the ledger (app/services/ledger.py) filters with
the same ones when a figure's link is followed, so a number and its list cannot disagree.
``EMPTY`` in a dimension filter means "not filled in" (an empty street, no enterprise ...).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, false, or_, select, true

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import LOCAL_TZ
from app.models import CaseRequest, Enterprise, EnterpriseTicket, Ticket
from app.models.ticket import STATE_NEW
from app.services import board

EMPTY = "-"
NOT_COUNTED = tuple(str(s) for s in lifecycle.NOT_COUNTED)
UNSIGNED = (STATE_NEW, str(lifecycle.STATE_SIGNING))


def overdue(now: datetime):
    """超期 (the ledger's 超期 filter): judged by the reply to the platform (回复上报), not by the callback
    that closes the ticket afterwards: replied after its 办理时限, or not replied and the deadline passed
    (while open, or before it was closed without a reply: returned or transferred late)."""
    not_replied = Ticket.replied_at.is_(None)
    return and_(Ticket.reply_deadline.is_not(None), or_(
        Ticket.replied_at > Ticket.reply_deadline,
        and_(not_replied, Ticket.closed_at.is_(None), Ticket.reply_deadline < now),
        and_(not_replied, Ticket.closed_at > Ticket.reply_deadline)))


def statuses(now: datetime) -> dict:
    """status name -> condition: what each count of a report counts."""
    counted = and_(Ticket.excluded.is_(False), Ticket.state.not_in(NOT_COUNTED))
    return {
        "received": true(),
        "signed": Ticket.state.not_in(UNSIGNED + NOT_COUNTED),
        "unsigned": Ticket.state.in_(UNSIGNED),
        "returned": Ticket.state == str(lifecycle.END_RETURNED),
        "transferred": Ticket.state == str(lifecycle.END_TRANSFERRED),
        "closed": and_(Ticket.closed_at.is_not(None), Ticket.state.not_in(NOT_COUNTED)),
        "open": Ticket.closed_at.is_(None),
        "overdue": overdue(now),
        # 督办看板's 已超期: open and past the first deadline it can miss (响应时限 or 办理时限, ticket.first_due)
        "due_passed": and_(Ticket.closed_at.is_(None), board.overdue_sql(now)),
        "extended": Ticket.original_reply_deadline.is_not(None),
        "excluded": Ticket.excluded.is_(True),
        "carried": Ticket.carried.is_(True),
        "written_off": Ticket.written_off_at.is_not(None),
        "supervised": Ticket.supervised.is_(True),
        "counted": counted,
        "appealed_excluded": and_(Ticket.excluded.is_(True), Ticket.id.in_(select(CaseRequest.ticket_id).where(
            CaseRequest.kind == "exclusion", CaseRequest.status == "approved", CaseRequest.appealed_at.is_not(None)))),
        "unassigned": Ticket.section_id.is_(None),
        "contacted": Ticket.first_contact_at.is_not(None),
        "responded_in_time": and_(Ticket.first_contact_at.is_not(None), or_(
            Ticket.response_deadline.is_(None), Ticket.first_contact_at <= Ticket.response_deadline)),
        "responded_late": and_(Ticket.first_contact_at.is_not(None), Ticket.response_deadline.is_not(None),
                               Ticket.first_contact_at > Ticket.response_deadline),
        "replied": Ticket.replied_at.is_not(None),
        "replied_in_time": and_(Ticket.replied_at.is_not(None), or_(
            Ticket.reply_deadline.is_(None), Ticket.replied_at <= Ticket.reply_deadline)),
        "replied_late": and_(Ticket.replied_at.is_not(None), Ticket.reply_deadline.is_not(None),
                             Ticket.replied_at > Ticket.reply_deadline),
        "response_decided": or_(Ticket.first_contact_at.is_not(None), and_(
            Ticket.response_deadline.is_not(None), Ticket.response_deadline <= now)),
        "callback_valid": Ticket.callback_contacted.is_(True),
        "resolved": Ticket.callback_resolved == str(lifecycle.RESOLVED),
        "basically_resolved": Ticket.callback_resolved == str(lifecycle.BASICALLY_RESOLVED),
        "satisfied": Ticket.callback_satisfied == str(lifecycle.SATISFIED),
        "basically_satisfied": Ticket.callback_satisfied == str(lifecycle.BASICALLY_SATISFIED),
        "callback_unreached": Ticket.callback_contacted.is_(False),
        "unresolved": and_(Ticket.callback_contacted.is_(True), Ticket.callback_resolved == str(lifecycle.UNRESOLVED)),
        "unsatisfied": and_(Ticket.callback_contacted.is_(True),
                            Ticket.callback_satisfied == str(lifecycle.UNSATISFIED)),
    }


def _text(column, value: str):
    return or_(column == "", column.is_(None)) if value == EMPTY else column == value


def topic_under(path: str):
    """A topic path and everything below it (文化->文化市场 takes 文化->文化市场->网吧)."""
    if path == EMPTY:
        return _text(Ticket.topic, EMPTY)
    return or_(Ticket.topic == path, Ticket.topic.like(path.replace("%", r"\%").replace("_", r"\_") + "->%",
                                                       escape="\\"))


def enterprise_kind(kind: str):
    linked = select(EnterpriseTicket.ticket_id)
    if kind == EMPTY:
        return Ticket.id.not_in(linked)
    return Ticket.id.in_(linked.join(Enterprise, Enterprise.id == EnterpriseTicket.enterprise_id)
                         .where(Enterprise.kind == kind))


def received_between(first: date | None, last: date | None) -> list:
    clauses = []
    if first:
        clauses.append(Ticket.received_at >= datetime.combine(first, datetime.min.time(), LOCAL_TZ))
    if last:
        clauses.append(Ticket.received_at < datetime.combine(last + timedelta(days=1), datetime.min.time(), LOCAL_TZ))
    return clauses


def dimension(name: str, value: str):
    """The condition for one row of a breakdown (the link's filter)."""
    if name == "source":
        return _text(Ticket.source, value)
    if name == "ticket_type":
        return _text(Ticket.ticket_type, value)
    if name == "street":
        return _text(Ticket.street, value)
    if name == "enterprise":
        return _text(Ticket.enterprise, value)
    if name == "topic_path":
        return topic_under(value)
    if name == "enterprise_kind":
        return enterprise_kind(value)
    if name == "section":
        return Ticket.section_id.is_(None) if value == EMPTY else Ticket.section_id == int(value)
    return false()
