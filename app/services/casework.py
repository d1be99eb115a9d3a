"""延期、剔除、挂账、督办: requests about a ticket, each decided in a side process of its own.

A side process (processes/extension.bpmn, exclusion.bpmn, carried.bpmn, supervision.bpmn)
is started with the ticket's id and never changes the ticket's state (only
``ticket_lifecycle`` does, see app/services/process.py). Its user tasks appear in the
inboxes and on the ticket page like any other; its timers fire through the sweep. A
``CaseRequest`` row keeps what was asked and decided; it follows its process through an
``InstanceChanged`` subscriber of each module (deadline_extension, exclusions, carried,
supervised_cases; wired in app/bootstrap.py), so whoever moved the process — a person, a
timer — the row, the ticket's flags and the timeline are updated in the same transaction.

This module holds what they share: reading requests, who may ask, the functions the
diagrams call (``ticket_open``, ``carried_cases``).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import instances
from app.engine.clock import LOCAL_TZ
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import CaseRequest, ProcessInstance, Ticket, User, WorkItem
from app.services import NotFound, PermissionDenied, _, access, timeline
from app.services.events import InstanceChanged
from app.services.process import apply_snapshot

NOT_COUNTED_STATES = lifecycle.NOT_COUNTED




# -- reading -----------------------------------------------------------------------------------------

def get_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("工单不存在。"))
    return ticket


def requests_for(ticket: Ticket, kind: str | None = None) -> list[CaseRequest]:
    query = select(CaseRequest).where(CaseRequest.ticket_id == ticket.id)
    if kind:
        query = query.where(CaseRequest.kind == kind)
    return list(db.session.scalars(query.order_by(CaseRequest.requested_at, CaseRequest.id)))


def open_request(ticket: Ticket, kind: str) -> CaseRequest | None:
    return next((r for r in reversed(requests_for(ticket, kind)) if r.is_open), None)


def request_of(instance: ProcessInstance) -> CaseRequest | None:
    return db.session.scalar(select(CaseRequest).where(CaseRequest.instance_id == instance.id))


def request_for_item(item: WorkItem) -> CaseRequest | None:
    """The request a side-process task decides (None for the ticket's own tasks, without asking)."""
    if not item.instance_id or item.instance.version.process_key == lifecycle.PROCESS:
        return None
    return request_of(item.instance)


def open_items(req: CaseRequest) -> list[WorkItem]:
    return list(db.session.scalars(select(WorkItem).where(
        WorkItem.instance_id == req.instance_id, WorkItem.state == "ready").order_by(WorkItem.id)))


# -- who may ask ---------------------------------------------------------------------------------------

def is_handler_of(user: User, ticket: Ticket) -> bool:
    """A handler of the ticket: its section's handlers and whoever worked on it."""
    return user.has_role("handler") and access.can_view_ticket(user, ticket)


def require_handler(user: User, ticket: Ticket, what: str) -> None:
    if not is_handler_of(user, ticket):
        raise PermissionDenied(_("只有本工单的承办人可以%(what)s。", what=what))


# -- writing -------------------------------------------------------------------------------------------

def event(ticket: Ticket, actor: User | None, message: str, data: list | None = None, kind: str = "casework",
          **params) -> None:
    """A timeline line about a request (``message`` a catalogue msgid, see app/services/timeline.py)."""
    timeline.add(ticket, kind, message, actor, data, **params)


def start_process(key: str, req: CaseRequest, ticket: Ticket, data: dict, actor: User | None):
    """Start the side process of ``req`` in the caller's transaction."""
    db.session.add(req)
    db.session.flush()
    data = {"ticket_id": ticket.id, "ticket_no": ticket.ticket_no, "request_id": req.id, **data}
    instance, snap = instances.start(key, data, ticket.id)
    req.instance_id = instance.id
    apply_snapshot(instance, ticket, snap, actor)
    return instance, snap


def user_by_name(username: str | None) -> User | None:
    if not username:
        return None
    return db.session.scalar(select(User).where(User.username == username))


def local_text(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def as_deadline(day: date, like: datetime | None) -> datetime:
    """A date picked in a form as an instant: that day at the time of day of ``like`` (the current deadline)."""
    at = like.astimezone(LOCAL_TZ).time() if like else time(17, 30)
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


def follows_request(fn):
    """Adapts ``fn(instance, snap, req, ticket)`` into an ``InstanceChanged`` subscriber of a side process.

    The request row and the ticket are looked up once here; an instance without them is left alone.
    """

    def follow_process(event: InstanceChanged) -> None:
        if event.instance.ticket_id is None:
            return
        req = request_of(event.instance)
        if req is None:
            return
        fn(event.instance, event.snapshot, req, event.ticket or db.session.get(Ticket, event.instance.ticket_id))

    follow_process.__qualname__ = f"follows_request({fn.__module__}.{fn.__qualname__})"
    return follow_process


# -- functions for the diagrams' expressions --------------------------------------------------------

def ticket_open(ticket_id) -> bool:
    """True while the ticket's main flow has not ended (supervision.bpmn asks before each report)."""
    ticket = db.session.get(Ticket, int(ticket_id))
    return ticket is not None and ticket.closed_at is None


def carried_cases() -> list[dict]:
    """The tickets carried now (挂账), as plain data for the monthly review task."""
    rows = db.session.scalars(select(Ticket).where(Ticket.carried.is_(True))
                              .order_by(Ticket.carried_at, Ticket.id))
    return [{"id": t.id, "ticket_no": t.ticket_no, "title": t.title, "plan": t.carry_plan,
             "review_date": t.carry_review_date.isoformat() if t.carry_review_date else "",
             "carried_at": to_iso(t.carried_at) if t.carried_at else ""} for t in rows]

