"""Keeps domain rows in step with the engine after every operation on an instance."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.engine.expressions import to_datetime
from app.engine.runtime import Snapshot
from app.extensions import db
from app.models import Alert, ProcessInstance, Ticket, User, WorkItem
from app.models.ticket import STATE_CLOSED
from app.services import timeline
from app.services.events import InstanceChanged, WorkItemCreated, publish

LIFECYCLE_PROCESS = lifecycle.PROCESS  # the process whose state is the ticket's state

# Process variables copied onto the ticket, so lists and the supervisor page can sort
# and filter without loading instances.
_DEADLINE_FIELDS = (lifecycle.RESPONSE_DEADLINE, lifecycle.REPLY_DEADLINE, lifecycle.URGE_AT)


def _user_id(username: str | None) -> int | None:
    if not username:
        return None
    with db.session.no_autoflush:  # a user's id: nothing this operation changed matters to it
        return db.session.scalar(select(User.id).where(User.username == username))


@functools.cache
def _open_items_of():
    return select(WorkItem).where(WorkItem.instance_id == bindparam("instance_id"), WorkItem.state == "ready")


def _open_items(instance: ProcessInstance) -> dict[str, WorkItem]:
    with db.session.no_autoflush:  # the operation's changes are flushed once, with the new work item or at commit
        return {
            w.task_guid: w
            for w in db.session.scalars(_open_items_of(), {"instance_id": instance.id})
            if w.state == "ready"  # (a change not flushed yet counts)
        }


def _groups_column(groups: list[str], users: list[str]) -> str:
    items = list(groups) + [f"user:{u}" for u in users]
    return "," + ",".join(items) + "," if items else ""


def apply_snapshot(instance: ProcessInstance, ticket: Ticket | None, snap: Snapshot,
                   actor: User | None = None, completed_guid: str | None = None) -> None:
    """After an engine operation: work items, the ticket (for its lifecycle), alerts, timeline, then
    ``InstanceChanged`` for the rows that follow the process (see app/bootstrap.py)."""
    now = clock.now()
    open_items = {} if snap.started else _open_items(instance)
    ready_guids = set()
    ready_items = []
    for rt in snap.ready_tasks:
        ready_guids.add(rt.guid)
        item = open_items.get(rt.guid)
        if item is None:
            assignee_id = _user_id(rt.assignee)
            item = WorkItem(
                instance_id=instance.id,
                ticket_id=ticket.id if ticket else None,
                business_key=instance.business_key,
                task_guid=rt.guid,
                spec_name=rt.spec_name,
                title=rt.title,
                lane=rt.lane,
                candidate_groups=_groups_column(rt.candidate_groups, rt.candidate_users),
                assignee_id=assignee_id,
                claimed_at=now if assignee_id else None,
                due_at=rt.due_at,
                follow_up_at=rt.follow_up_at,
                created_at=now,
                state="ready",
                variables=rt.data,
            )
            db.session.add(item)
            db.session.flush()
            publish(WorkItemCreated(item, instance))
        else:
            item.due_at, item.follow_up_at = rt.due_at, rt.follow_up_at
            item.title, item.spec_name = rt.title, rt.spec_name  # a migrated instance: the new version's step
            if item.variables != rt.data:
                item.variables = rt.data
        ready_items.append(item)
    closed_items = []
    for guid, item in open_items.items():
        if guid in ready_guids:
            continue
        closed_items.append(item)
        if guid == completed_guid:
            item.state = "completed"
            item.completed_by_id = actor.id if actor else None
        else:
            item.state = "cancelled"
        item.completed_at = now
        item.variables = None

    if ticket is None:
        for kind, message in snap.notifications:
            db.session.add(Alert(business_key=instance.business_key, kind=kind, message=message, raised_at=now))
    else:
        if instance.version.process_key == LIFECYCLE_PROCESS:
            _sync_ticket(ticket, snap, now)
        # (a side process about a ticket, an extension or an inspection, never changes its state)
        for name in snap.silent_timers:  # one line per event: a timer that notified is told by its alert
            timeline.add(ticket, "timer", timeline.TIMER_FIRED, at=now, timer=name)
        for notice in snap.notifications:
            kind, message = notice
            if getattr(notice, "once", False) and _has_alert(ticket, kind):
                continue  # notify(..., once=True): one alert of this kind per ticket
            db.session.add(Alert(ticket_id=ticket.id, kind=kind, message=message, raised_at=now))
            timeline.add(ticket, "alert", timeline.ALERT, at=now, alert=kind, text=message)
    publish(InstanceChanged(instance, snap, ticket, actor, tuple(sorted(ready_items, key=lambda w: w.id)),
                            tuple(closed_items)))


def _has_alert(ticket: Ticket, kind: str) -> bool:
    pending = any(isinstance(a, Alert) and a.ticket_id == ticket.id and a.kind == kind for a in db.session.new)
    return pending or db.session.scalar(
        select(Alert.id).where(Alert.ticket_id == ticket.id, Alert.kind == kind).limit(1)) is not None


def _sync_ticket(ticket: Ticket, snap: Snapshot, now) -> None:
    """The ticket's state, deadlines and closure follow its lifecycle process."""
    data = snap.data
    for name in _DEADLINE_FIELDS:
        if data.get(name):
            setattr(ticket, name, to_datetime(data[name]))
    if lifecycle.REWORK_COUNT in data:
        ticket.rework_count = int(data[lifecycle.REWORK_COUNT] or 0)
    if (snap.end_event or snap.completed) and ticket.closed_at is None:
        # the main flow reached its end; side branches (an open 超期督办) may still run
        ticket.state = snap.end_event or STATE_CLOSED
        ticket.closed_at = now
        timeline.add(ticket, "closed", timeline.CLOSED, at=now, state=ticket.state)
    elif ticket.closed_at is None:
        states = [rt.ticket_state for rt in snap.ready_tasks if rt.ticket_state]
        if states:
            ticket.state = states[0]
