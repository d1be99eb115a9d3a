"""Who may see, plan, start and ask for inspections."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Inspection,
    Ticket,
    User,
)
from app.services import access


def can_view(user: User, insp: Inspection) -> bool:
    if user.has_role("inspector", "supervisor"):
        return True
    if insp.requested_by_id == user.id:
        return True
    if insp.ticket is not None and user.has_role("handler") and access.can_view_ticket(user, insp.ticket):
        return True
    return user.has_role("handler") and bool(user.section) and user.section.code == insp.section_code


def can_plan(user: User) -> bool:
    return user.has_role("supervisor")


def can_start(user: User) -> bool:
    return user.has_role("supervisor", "inspector")


def can_request_for(user: User, ticket: Ticket) -> bool:
    """Handlers of the ticket (its section, or who worked on it) and supervisors ask for 现场核实."""
    if ticket.closed_at is not None:
        return False
    if user.has_role("supervisor"):
        return True
    return user.has_role("handler") and access.can_view_ticket(user, ticket)


def inspectors() -> list[User]:
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
    return [u for u in users if "inspector" in u.role_set]

