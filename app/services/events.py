"""Domain events and their delivery to the subscribers wired in ``app/bootstrap.py``.

Each event is published inside the transaction of the change that caused it, so what a
subscriber writes is saved together with that change, or not at all. A subscriber wired
with a guard runs in a savepoint of its own: if it fails, only its work is undone and an
alert tells the supervisors, the change itself (a received ticket) is kept. A lost database
connection is not a subscriber's failure: it fails the whole change (the user gets the 503 page,
the platform its JSON 503, and sends again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app import wiring
from app.engine import errors
from app.engine.clock import clock
from app.engine.runtime import Snapshot
from app.extensions import db
from app.models import Alert, ProcessInstance, Ticket, User, WorkItem
from app.services import ServiceError
from app.services.outages import database_unavailable

log = logging.getLogger("jiesu.events")


@dataclass(frozen=True)
class TicketCreated:
    """A ticket was stored and its lifecycle process started (any channel)."""

    ticket: Ticket
    actor: User | None


@dataclass(frozen=True)
class WorkItemCreated:
    """A user task became ready and has its row in the inboxes."""

    item: WorkItem
    instance: ProcessInstance

    @property
    def process_key(self) -> str:
        return self.instance.version.process_key


@dataclass(frozen=True)
class InstanceChanged:
    """A process instance moved (a task completed, a timer fired, a message arrived)."""

    instance: ProcessInstance
    snapshot: Snapshot
    ticket: Ticket | None
    actor: User | None = None
    ready_items: tuple[WorkItem, ...] = ()  # the instance's open work items after the change, in id order
    closed_items: tuple[WorkItem, ...] = ()  # the work items this change completed or cancelled

    @property
    def process_key(self) -> str:
        return self.instance.version.process_key


def publish(event) -> None:
    for subscriber in wiring.current().subscribers(event):
        if subscriber.when is not None and not subscriber.when(event):
            continue
        if subscriber.guard is None:
            subscriber.handler(event)
        else:
            _guarded(subscriber, event)


def _guarded(subscriber: wiring.Subscriber, event) -> None:
    kind, message = subscriber.guard
    savepoint = db.session.begin_nested()
    try:
        subscriber.handler(event)
        savepoint.commit()
    except Exception as exc:  # noqa: BLE001 - the change that published the event must survive
        if database_unavailable(exc):  # the whole transaction is lost, not just this subscriber's work
            raise
        savepoint.rollback()
        log.exception("%s failed on %s", subscriber.handler, type(event).__name__)
        ticket = getattr(event, "ticket", None)
        instance = getattr(event, "instance", None)
        db.session.add(Alert(ticket_id=ticket.id if ticket is not None else None,
                             business_key=getattr(instance, "business_key", None), kind=kind,
                             raised_at=clock.now(), message=f"{message}：{_reason(exc)}"[:300]))


def _reason(exc: Exception) -> str:
    """Why a subscriber failed, in words a supervisor reads: a service's own message, else the kind of fault
    (the exception's text, often English, is in the server log)."""
    return str(exc) if isinstance(exc, ServiceError) else errors.describe(exc)
