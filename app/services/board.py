"""What the board needs beyond counts: each open ticket's *first* open deadline, and who an alert is about.

A ticket not yet responded to (待签收, 待分派, 待响应) is judged by its 响应时限 (the first deadline
it can miss), every other open ticket by its 办理时限, except one 待回访 whose reply was reported in
time: it has no deadline left to miss (the callback step carries its own due date). An alert raised
by a side process names its subject (the enterprise of a licence watch, the inspected place, the warned ticket).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_

from app.diagrams import ticket_lifecycle as lifecycle
from app.extensions import db
from app.models import EarlyWarning, Enterprise, Inspection, Ticket
from app.models.ticket import BEFORE_RESPONSE  # the same rule as the column ticket.first_due
from app.services import N_

RESPONSE = N_("响应时限")
REPLY = N_("办理时限")


@dataclass(frozen=True)
class Due:
    ticket: Ticket
    at: datetime
    which: str  # RESPONSE or REPLY (msgids)


def replied_in_time_awaiting_callback(ticket: Ticket) -> bool:
    """待回访 with its reply reported within the 办理时限: no deadline left to miss (not 超期, not 临期).
    ``ticket.first_due`` is None for it: the database computes the same rule (models/ticket.py)."""
    return (ticket.state == lifecycle.STATE_CALLBACK and ticket.replied_at is not None
            and ticket.reply_deadline is not None and ticket.replied_at <= ticket.reply_deadline)


def overdue_sql(now: datetime):
    """Of the open tickets (the caller's WHERE says ``closed_at IS NULL``), one past the deadline it can miss
    next: the board's 已超期 and its per-section 超期. Only ``first_due``, so PostgreSQL counts from the
    partial index ``ix_ticket_open_due`` alone (a ``closed_at`` here too made it read every open row: 130 ms
    at 1 M tickets instead of 5)."""
    return and_(Ticket.first_due.is_not(None), Ticket.first_due <= now)


def soon_sql(now: datetime, soon_end: datetime):
    """Of the open tickets, one whose next deadline falls in (now, soon_end] (the board's 临期)."""
    return and_(Ticket.first_due > now, Ticket.first_due <= soon_end)


def first_deadline(ticket: Ticket) -> Due | None:
    """The deadline the ticket can miss next: 响应时限 until the caller was contacted, else 办理时限
    (none once the reply was reported in time and the ticket waits for its callback)."""
    if replied_in_time_awaiting_callback(ticket):
        return None
    if ticket.first_contact_at is None and ticket.state in BEFORE_RESPONSE and ticket.response_deadline:
        return Due(ticket, ticket.response_deadline, RESPONSE)
    if ticket.reply_deadline:
        return Due(ticket, ticket.reply_deadline, REPLY)
    return None


def split_by_deadline(tickets, now, calendar, workdays: int) -> tuple[list[Due], list[Due]]:
    """(overdue, due within ``workdays`` working days), each sorted by the deadline."""
    overdue, soon = [], []
    for ticket in tickets:
        due = first_deadline(ticket)
        if due is None:
            continue
        if due.at <= now:
            overdue.append(due)
        elif calendar.is_within_workdays(now, due.at, workdays):
            soon.append(due)
    return sorted(overdue, key=lambda d: d.at), sorted(soon, key=lambda d: d.at)


@dataclass(frozen=True)
class Subject:
    kind: str  # enterprise, inspection, warning
    id: int
    name: str


def subjects(alerts) -> dict[str, Subject]:
    """business_key -> what it names, for the alerts without a ticket (a few queries, by id)."""
    wanted: dict[str, set[int]] = {"enterprise": set(), "inspection": set(), "warning": set()}
    for alert in alerts:
        prefix, _, rest = (alert.business_key or "").partition(":")
        if prefix in wanted and rest.isdigit():
            wanted[prefix].add(int(rest))
    found: dict[str, Subject] = {}
    if wanted["enterprise"]:
        for ent in db.session.scalars(db.select(Enterprise).where(Enterprise.id.in_(wanted["enterprise"]))):
            found[f"enterprise:{ent.id}"] = Subject("enterprise", ent.id, ent.name)
    if wanted["inspection"]:
        for insp in db.session.scalars(db.select(Inspection).where(Inspection.id.in_(wanted["inspection"]))):
            found[f"inspection:{insp.id}"] = Subject("inspection", insp.id, f"{insp.number} {insp.subject_name}")
    if wanted["warning"]:
        rows = db.session.execute(db.select(EarlyWarning.id, Ticket.id, Ticket.ticket_no)
                                  .join(Ticket, EarlyWarning.ticket_id == Ticket.id)
                                  .where(EarlyWarning.id.in_(wanted["warning"])))
        for warning_id, ticket_id, ticket_no in rows:
            found[f"warning:{warning_id}"] = Subject("ticket", ticket_id, ticket_no)
    return found
