"""通知: reminders that reach people. A 催办 or a deadline reminder raised by a diagram (``notify``)
becomes a notice in the inbox of whoever holds the ticket's open task: its assignee, or, while
nobody has claimed it, everyone in its candidate groups (the section's handlers; the dispatchers
for a ticket still 待签收). The supervisors keep seeing the same event as an alert on the board.

Wired in app/bootstrap.py as an ``InstanceChanged`` subscriber, so the notices are written in the
transaction of the change (a timer firing, a platform message) that raised them.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from sqlalchemy import bindparam, func, select, update

from app.engine.clock import clock
from app.extensions import db
from app.models import Notification, Section, User, WorkItem
from app.services import N_, NotFound, PermissionDenied, _, timeline
from app.services.uow import unit_of_work

NOTICE = N_("%(alert)s：%(text)s")
PAGE_SIZE = 50


class Person(NamedTuple):
    """Who may hear a notice: enough to address it (a plain row, no user object to load)."""

    id: int
    username: str
    groups: frozenset[str]


@functools.cache
def _active_people():
    return (select(User.id, User.username, User.roles, Section.code)
            .outerjoin(Section, Section.id == User.section_id).where(User.active.is_(True)).order_by(User.id))


def active_people() -> list[Person]:
    """Every active user with their candidate groups, read now (in the change's transaction) in one
    statement of plain rows: a sweep that fires many reminders loads no user objects for them."""
    return [Person(uid, username, frozenset(User.groups_of(roles, code)))
            for uid, username, roles, code in db.session.execute(_active_people())]


def holders(item: WorkItem, people: list[Person]) -> list[Person]:
    """Who of ``people`` (``active_people()``) should hear about ``item``: its assignee, else every one of
    its candidate groups."""
    if item.assignee_id is not None:
        return [p for p in people if p.id == item.assignee_id]
    groups = item.groups
    names = {g[len("user:"):] for g in groups if g.startswith("user:")}
    return [p for p in people if p.username in names or (p.groups & groups)]


def has_notifications(event) -> bool:
    return bool(event.snapshot.notifications)


def on_instance_changed(event) -> None:
    """Subscriber: every ``notify(kind, text)`` of this step reaches the holders of the open tasks."""
    if not event.snapshot.notifications:
        return
    items = [w for w in event.ready_items if w.state == "ready"]  # (a subscriber before may have closed one)
    if not items:
        return
    people = active_people()
    now = clock.now()
    ticket = event.ticket
    for kind, text in event.snapshot.notifications:
        reached: set[int] = set()
        for item in items:
            for user in holders(item, people):
                if user.id in reached or (event.actor is not None and user.id == event.actor.id):
                    continue
                reached.add(user.id)
                params = {"alert": kind, "text": text, "task": item.title}
                db.session.add(Notification(
                    user_id=user.id, ticket_id=ticket.id if ticket is not None else None, work_item_id=item.id,
                    kind=kind[:20], message=NOTICE, params=params,
                    text=timeline.render(NOTICE, params)[:400], created_at=now))


def has_closed_items(event) -> bool:
    return bool(event.closed_items)


@functools.cache
def _settle():
    return (update(Notification)
            .where(Notification.work_item_id.in_(bindparam("item_ids", expanding=True)), Notification.read_at.is_(None))
            .values(read_at=bindparam("now"), settled_at=bindparam("now")))


def settle_closed(event) -> None:
    """Subscriber: a task that was completed or cancelled takes its unread notices with it (a 响应超时
    notice is moot once the response is recorded): they count as read, marked 任务已结束."""
    now = clock.now()
    db.session.execute(_settle(), {"item_ids": [w.id for w in event.closed_items], "now": now},
                       execution_options={"synchronize_session": False})


def unread_count(user) -> int:
    """The navbar badge: one count over the (user_id, read_at) index."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


@functools.cache
def _recent_unread():
    return (select(Notification).where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(bindparam("limit")))


def recent_unread(user, limit: int = 5) -> list[Notification]:
    """The inbox's panel: the newest unread notices (a statement built once, bound per request)."""
    return list(db.session.scalars(_recent_unread(), {"user_id": user.id, "limit": limit}))


def for_user(user, show: str = "all", before_id: int | None = None, limit: int = PAGE_SIZE) -> list[Notification]:
    """The user's notices, newest first (``show='unread'`` for the unread ones), a page at a time."""
    query = select(Notification).where(Notification.user_id == user.id)
    if show == "unread":
        query = query.where(Notification.read_at.is_(None))
    if before_id:
        query = query.where(Notification.id < before_id)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(notification_id: int, user) -> Notification:
    with unit_of_work():
        notice = db.session.get(Notification, notification_id)
        if notice is None:
            raise NotFound(_("通知不存在。"))
        if notice.user_id != user.id:
            raise PermissionDenied(_("这不是您的通知。"))
        if notice.read_at is None:
            notice.read_at = clock.now()
    return notice


def mark_all_read(user) -> int:
    with unit_of_work():
        result = db.session.execute(update(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=clock.now()))
    return result.rowcount or 0
