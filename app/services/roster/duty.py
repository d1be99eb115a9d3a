"""Who is on duty: the assignments whose shift runs at an instant, per duty role (值班派单员, 值班员, 值班领导)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.engine.clock import clock
from app.engine.expressions import to_datetime
from app.extensions import db
from app.models import CalendarDay, Setting, User, WorkItem
from app.models.roster import DUTY_ROLES, DutyAssignment
from app.services import _l
from app.services.page_cache import LayoutCache
from app.services.roster.shifts import local, make_shift, shift_times

ROLE_LABELS = {"dispatcher": _l("值班派单员"), "duty": _l("值班员"), "leader": _l("值班领导")}
# How files, people and diagrams write a duty role.
ROLE_WORDS = {"值班派单员": "dispatcher", "派单员": "dispatcher", "dispatcher": "dispatcher",
              "值班员": "duty", "duty": "duty",
              "值班领导": "leader", "带班领导": "leader", "领导": "leader", "leader": "leader"}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def can_take_tickets(a: DutyAssignment) -> bool:
    """On a night or holiday shift, this person receives the new tickets."""
    return a.duty_role == "dispatcher" or (a.duty_role == "duty" and "dispatcher" in a.user.role_set)


def assignments_between(first: date, last: date) -> list[DutyAssignment]:
    return list(db.session.scalars(
        select(DutyAssignment).where(DutyAssignment.day >= first, DutyAssignment.day <= last)
        .options(selectinload(DutyAssignment.user))
        .order_by(DutyAssignment.day, DutyAssignment.shift, DutyAssignment.duty_role, DutyAssignment.id)
    ))


def assignments_at(at: datetime | None = None, role: str | None = None) -> list[DutyAssignment]:
    """The assignments whose shift runs at an instant (a shift lasts at most a day)."""
    moment = local(at)
    times = shift_times()
    query = select(DutyAssignment).join(User, DutyAssignment.user_id == User.id).where(
        DutyAssignment.day >= moment.date() - timedelta(days=1), DutyAssignment.day <= moment.date(),
        User.active.is_(True))
    if role is not None:
        query = query.where(DutyAssignment.duty_role == role)
    rows = db.session.scalars(query.options(contains_eager(DutyAssignment.user)).order_by(DutyAssignment.id))
    return [a for a in rows if a.shift in times and make_shift(a.day, a.shift, times).contains(moment)]


def on_duty(role: str, at: datetime | None = None) -> list[User]:
    """Who is on duty in a duty role (dispatcher, duty, leader) at an instant, in roster order."""
    if role not in DUTY_ROLES:
        raise ValueError(f"unknown duty role {role!r}: one of {', '.join(DUTY_ROLES)}")
    return [user for user, _a in _people(assignments_at(at, role))]


def current_duty_officers(at: datetime | None = None) -> list[tuple[User, DutyAssignment]]:
    """The 值班员 on duty now, with their assignment (for the shift label)."""
    return _people(assignments_at(at, "duty"))


_BANNER = LayoutCache((DutyAssignment, User, Setting, CalendarDay), ttl=5.0)


def duty_banner() -> list[tuple[str, str]]:
    """(name, shift) of the 值班员 on duty now, for the navbar of every page: read at most every few
    seconds per process (at once again after this process changes the roster, users or the calendar)."""
    minute = clock.now().replace(second=0, microsecond=0)
    return _BANNER.get(minute, lambda: [(user.name, a.shift) for user, a in current_duty_officers()])


def _people(assignments: list[DutyAssignment]) -> list[tuple[User, DutyAssignment]]:
    seen, result = set(), []
    for a in assignments:
        if a.user_id not in seen:
            seen.add(a.user_id)
            result.append((a.user, a))
    return result


def least_loaded(people: list[User]) -> User | None:
    """Of several people on duty, the one with the fewest open tasks in their 我的待办."""
    if len(people) <= 1:
        return people[0] if people else None
    load = dict(db.session.execute(
        select(WorkItem.assignee_id, func.count(WorkItem.id))
        .where(WorkItem.state == "ready", WorkItem.assignee_id.in_([p.id for p in people]))
        .group_by(WorkItem.assignee_id)
    ).all())
    return min(people, key=lambda p: load.get(p.id, 0))  # min keeps roster order on ties


def on_duty_expression(role="dispatcher", at=None):
    """BPMN: on_duty('dispatcher') -> the username on duty now in that role (None if nobody)."""
    role = ROLE_WORDS.get(str(role).strip(), str(role).strip())
    when = to_datetime(at) if at else None
    person = least_loaded(on_duty(role, when))
    return person.username if person else None
