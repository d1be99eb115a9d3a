"""What the board needs beyond counts: each open ticket's *first* open deadline, and who an alert is about.

A ticket not yet responded to (待签收, 待分派, 待响应) is judged by its 响应时限 (the first deadline
it can miss), every other open ticket by its 办理时限, except one 待回访 whose reply was reported in
time: it has no deadline left to miss (the callback step carries its own due date). An alert raised
by a side process names its subject (the enterprise of a licence watch, the inspected place, the warned ticket).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, not_

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


def awaiting_callback_in_time_sql():
    """待回访 with its reply reported within the 办理时限: no deadline left to miss (not 超期, not 临期),
    though ``first_due`` (the deadline it was last judged by) still holds the 办理时限."""
    return and_(Ticket.state == str(lifecycle.STATE_CALLBACK), Ticket.replied_at.is_not(None),
                Ticket.reply_deadline.is_not(None), Ticket.replied_at <= Ticket.reply_deadline)


def overdue_sql(now: datetime):
    """An open ticket past the deadline it can miss next (the board's 已超期 and its per-section 超期)."""
    return and_(Ticket.closed_at.is_(None), Ticket.first_due.is_not(None), Ticket.first_due <= now,
                not_(awaiting_callback_in_time_sql()))


def soon_sql(now: datetime, soon_end: datetime):
    """An open ticket whose next deadline falls in (now, soon_end] (the board's 临期)."""
    return and_(Ticket.closed_at.is_(None), Ticket.first_due > now, Ticket.first_due <= soon_end,
                not_(awaiting_callback_in_time_sql()))


def first_deadline(ticket: Ticket) -> Due | None:
    """The deadline the ticket can miss next: 响应时限 until the caller was contacted, else 办理时限."""
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
