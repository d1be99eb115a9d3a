"""Complaints (tickets) linked to ledger enterprises: by the name in 涉及企业 at intake, or by hand."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.engine.clock import clock
from app.extensions import db
from app.models import Enterprise, EnterpriseTicket, Ticket
from app.services import N_, Conflict, NotFound, PermissionDenied, _, access, timeline
from app.services.enterprises.ledger import normalise_name
from app.services.events import TicketCreated
from app.services.uow import unit_of_work

LINKED = N_("关联台账企业：%(name)s")


def match_by_name(name: str | None) -> list[Enterprise]:
    name = normalise_name(name)
    if not name:
        return []
    return list(db.session.scalars(select(Enterprise).where(func.lower(Enterprise.name) == name.lower())))


def suggestions(ticket: Ticket, limit: int = 8) -> list[Enterprise]:
    """Enterprises whose name matches the ticket's 涉及企业 exactly or partly."""
    name = normalise_name(ticket.enterprise)
    if not name:
        return []
    return list(db.session.scalars(_suggestions_statement(), {"name": name.lower(), "like": f"%{name[:12]}%",
                                                              "limit": limit}))


@functools.cache
def _suggestions_statement():
    return select(Enterprise).where(or_(func.lower(Enterprise.name) == bindparam("name"),
                                        Enterprise.name.ilike(bindparam("like")))).limit(bindparam("limit"))


@functools.cache
def _links_statement():
    return (select(EnterpriseTicket).where(EnterpriseTicket.ticket_id == bindparam("ticket_id"))
            .order_by(EnterpriseTicket.id).options(joinedload(EnterpriseTicket.enterprise)))


def links_for_ticket(ticket: Ticket) -> list[EnterpriseTicket]:
    """The ledger enterprises linked to the ticket (each task page's panel: a statement built once)."""
    return list(db.session.scalars(_links_statement(), {"ticket_id": ticket.id}))


def link_on_intake(event: TicketCreated) -> None:
    """At intake: link the new ticket to the ledger enterprise named in 涉及企业."""
    ticket = event.ticket
    for ent in match_by_name(ticket.enterprise):
        db.session.add(EnterpriseTicket(enterprise_id=ent.id, ticket_id=ticket.id, how="auto",
                                        linked_at=clock.now()))


def can_link(user, ticket: Ticket) -> bool:
    return access.can_view_ticket(user, ticket) and user.has_role(
        "handler", "dispatcher", "duty", "supervisor", "inspector")


def link(ent: Enterprise, ticket: Ticket, user) -> EnterpriseTicket:
    if not can_link(user, ticket):
        raise PermissionDenied(_("您不能为该工单关联企业。"))
    try:
        with unit_of_work():
            existing = db.session.scalar(select(EnterpriseTicket).where(
                EnterpriseTicket.enterprise_id == ent.id, EnterpriseTicket.ticket_id == ticket.id))
            if existing is not None:
                return existing
            row = EnterpriseTicket(enterprise_id=ent.id, ticket_id=ticket.id, how="hand", linked_by_id=user.id,
                                   linked_at=clock.now())
            db.session.add(row)
            timeline.add(ticket, "link", LINKED, user, name=ent.name)
    except IntegrityError as exc:
        raise Conflict(_("该工单刚被他人关联到此企业。")) from exc
    return row


def unlink(row_id: int, user) -> None:
    with unit_of_work():
        row = db.session.get(EnterpriseTicket, row_id)
        if row is None:
            raise NotFound(_("关联不存在。"))
        if not can_link(user, row.ticket):
            raise PermissionDenied(_("您不能为该工单取消关联。"))
        db.session.delete(row)


def ticket_by_no(ticket_no: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.ticket_no == (ticket_no or "").strip()))
