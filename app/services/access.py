"""Who may see which ticket, and whose personal data (callers' names, numbers, addresses, voices).

Every view of a ticket (masked or not), every playback, download and export of citizens' data,
and every refused attempt is written to the access log (数据访问记录), so it is accountable.
"""

from __future__ import annotations

import functools
import logging

from flask import g, has_request_context, request
from sqlalchemy import false, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError

from app.engine.clock import clock
from app.extensions import db
from app.models import AccessLog, Ticket, User, WorkItem
from app.services import StaleState
from app.services.uow import unit_of_work

log = logging.getLogger(__name__)

# Roles whose work spans all tickets.
DESK_WIDE_ROLES = ("dispatcher", "duty", "supervisor", "reviewer", "callback", "analyst", "inspector",
                   "process_owner", "leader")
# Roles that must reach the caller.
PERSONAL_DATA_ROLES = ("dispatcher", "duty", "callback", "supervisor")


def _involved(user: User, ticket: Ticket) -> bool:
    return db.session.scalar(select(WorkItem.id).where(
        WorkItem.ticket_id == ticket.id,
        or_(WorkItem.assignee_id == user.id, WorkItem.completed_by_id == user.id)).limit(1)) is not None


def _own_section(user: User, ticket: Ticket) -> bool:
    return user.section_id is not None and ticket.section_id == user.section_id


def can_view_ticket(user: User, ticket: Ticket) -> bool:
    if user.has_role(*DESK_WIDE_ROLES):
        return True
    return user.has_role("handler") and (_own_section(user, ticket) or _involved(user, ticket))


def reaches_callers(user: User) -> bool:
    """One of the roles that must reach every caller, held by the user itself: an administrator (or a process
    owner who is one) manages the system and needs no citizen's number, so ``admin`` is not every role here."""
    return bool(user.role_set & set(PERSONAL_DATA_ROLES))


def _is_handler(user: User) -> bool:
    return "handler" in user.role_set


def may_see_personal_data(user: User, ticket: Ticket) -> bool:
    if reaches_callers(user):
        return True
    return _is_handler(user) and (_own_section(user, ticket) or _involved(user, ticket))


def sees_addresses_of_visible(user: User) -> bool:
    """Whether every ticket ``visible_tickets`` lets the user list shows its caller's data (address included):
    the roles that see all callers, and handlers (who list their own section's tickets only)."""
    return reaches_callers(user) or (_is_handler(user) and user.section_id is not None)


def visible_tickets(user: User):
    """A WHERE clause limiting ticket lists to what the user may open (None: everything)."""
    if user.has_role(*DESK_WIDE_ROLES):
        return None
    if user.has_role("handler") and user.section_id is not None:
        return Ticket.section_id == user.section_id
    return false()


def may_hear_recordings(user: User, ticket: Ticket) -> bool:
    """Call recordings and the files attached to a ticket carry the caller's voice and data."""
    return may_see_personal_data(user, ticket)


def log_ticket_view(user: User, ticket: Ticket, where: str, masked: bool) -> None:
    record(user, "view", where, ticket, masked=masked)


def client_address() -> str:
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def record(user: User, action: str, where: str, ticket: Ticket | None = None, *, outcome: str = "allowed",
           masked: bool = False, detail: str = "") -> None:
    """Write one access-log line in a transaction of its own.

    ``action``: view, export, play, download; ``outcome``: allowed or denied (a refused attempt).
    In a request the lines are written together when the request ends (``write_pending``, wired as a
    teardown), so a page's own rows are not expired and loaded again by a commit in the middle of it.
    """
    row = dict(user_id=user.id, ticket_id=ticket.id if ticket is not None else None, at=clock.now(),
               action=action, where=where[:120], outcome=outcome, masked=masked, detail=(detail or "")[:200],
               address=client_address())
    if has_request_context():
        g.setdefault("jiesu_access_log", []).append(row)
        return
    with unit_of_work():
        db.session.add(AccessLog(**row))


@functools.cache
def _insert_lines():
    return insert(AccessLog.__table__)


def write_pending(failed: bool = False) -> None:
    """The access-log lines of this request, in one transaction of their own (also when it failed)."""
    rows = g.pop("jiesu_access_log", None)
    if not rows:
        return
    session = db.session()
    expiring = session.expire_on_commit
    try:
        if failed:
            session.rollback()
        # The request's work is done: this commit need not expire its objects (the session ends with the
        # request's app context; expiring them was 3 % of a task page's CPU).
        session.expire_on_commit = False
        with unit_of_work():  # a Core insert: rows for the log, no objects for the session to track
            session.execute(_insert_lines(), rows)
    except (SQLAlchemyError, StaleState):  # the database went away or stayed locked (unit_of_work's StaleState):
        # the page was already given; raised from this teardown it would become the server's bare 500
        log.exception("access log lines not written: %s", rows)
    finally:
        session.expire_on_commit = expiring
