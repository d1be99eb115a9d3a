"""Editing the roster: who may, the rules an assignment must keep, putting a person on a shift and off it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import ROLES, User
from app.models.roster import DUTY_ROLES, SHIFT_KINDS, DutyAssignment
from app.services import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError, _
from app.services.roster.duty import role_label
from app.services.roster.shifts import describe, holiday_name, kinds_for, make_shift, shift_times
from app.services.uow import unit_of_work

NOTE_LIMIT = 200  # an assignment's 备注 (characters; DutyAssignment.note is String(200))


def can_edit(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role("supervisor", "duty")


def check_edit(actor: User) -> None:
    if not can_edit(actor):
        raise PermissionDenied(_("只有主管或值班员可以编辑排班。"))


def eligible_people() -> list[User]:
    """People who can take some duty role (a needed role, active), for the assignment form."""
    needed = {req for _label, req in DUTY_ROLES.values()}
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
    return [u for u in users if u.role_set & needed]


def check_assignment(day: date, kind: str, user: User | None, role: str,
                     others: Iterable[DutyAssignment | tuple] = (), cal=None, times=None) -> list[str]:
    """Everything wrong with putting ``user`` on a shift, as messages; empty when it is fine.

    ``others`` are assignments not yet in the database (earlier rows of an import), as
    (day, kind, user_id, role) tuples, checked together with the stored ones.
    """
    cal = cal or calendar_store.get_calendar()
    times = times or shift_times()
    problems = []
    if kind not in SHIFT_KINDS:
        problems.append(_("班次不正确，应为：日班、夜班、节假日值班。"))
    if role not in DUTY_ROLES:
        problems.append(_("岗位不正确，应为：值班派单员、值班员、值班领导。"))
    if user is None:
        problems.append(_("请选择值班人员。"))
    if problems:
        return problems
    if not user.active:
        problems.append(_("%(name)s 的账号已停用，不能排班。", name=user.name))
    needed = DUTY_ROLES[role][1]
    if needed not in user.role_set:
        problems.append(_("%(name)s 没有“%(needed)s”角色，不能担任%(role)s。", name=user.name,
                          needed=_(ROLES[needed]), role=role_label(role)))
    if kind not in kinds_for(day, cal):
        if cal.is_workday(day):
            problems.append(_("%(day)s 是工作日，应排“日班”或“夜班”。", day=day.isoformat()))
        else:
            name = holiday_name(day, cal) or _("周末")
            problems.append(_("%(day)s 是休息日（%(name)s），应排“节假日值班”。", day=day.isoformat(), name=name))
    if problems:
        return problems
    return _clashes(day, kind, user, role, others, times)


def _clashes(day: date, kind: str, user: User, role: str, others, times) -> list[str]:
    """The person is on this shift already, or on one that overlaps it (stored or pending)."""
    shift = make_shift(day, kind, times)
    stored = db.session.scalars(select(DutyAssignment).where(
        DutyAssignment.user_id == user.id,
        DutyAssignment.day >= day - timedelta(days=1), DutyAssignment.day <= day + timedelta(days=1)))
    existing = [(a.day, a.shift, a.user_id, a.duty_role) for a in stored]
    pending = [(o.day, o.shift, o.user_id, o.duty_role) if isinstance(o, DutyAssignment) else tuple(o)
               for o in others]
    for o_day, o_kind, _o_user, o_role in existing + [p for p in pending if p[2] == user.id]:
        if (o_day, o_kind) == (day, kind):
            if o_role == role:
                return [_("%(name)s 已排在 %(shift)s（%(role)s），无需重复。", name=user.name,
                          shift=describe(day, kind), role=role_label(role))]
            # a 值班员 who is also a 派单员 takes the tickets anyway: one post per person and shift
            return [_("%(name)s 已排在 %(shift)s 担任%(other)s，同一班次不能再担任%(role)s。",
                      name=user.name, shift=describe(day, kind), other=role_label(o_role), role=role_label(role))]
        if o_kind in times and make_shift(o_day, o_kind, times).overlaps(shift):
            other = make_shift(o_day, o_kind, times)
            return [_("%(name)s 在 %(other)s（%(hours)s）已有值班，与 %(shift)s（%(these)s）时间重叠，不能重复排班。",
                      name=user.name, other=describe(o_day, o_kind), hours=other.hours,
                      shift=describe(day, kind), these=shift.hours)]
    return []


def assign(actor: User, day: date, kind: str, user_id: int | None, role: str, note: str = "") -> DutyAssignment:
    """Put a person on a shift in a duty role (one transaction); refusals name what is wrong."""
    check_edit(actor)
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:  # (checked, never cut: the form keeps all of it)
        raise InvalidInput({"note": _("备注不能超过 %(max)s 个字（现 %(n)s 个字）。", max=NOTE_LIMIT, n=len(note))})
    try:
        with unit_of_work(_("排班刚被他人修改，请刷新后重试。")):
            # serialise edits of one person's shifts (PostgreSQL); SQLite serialises writers anyway
            user = db.session.scalar(select(User).where(User.id == user_id).with_for_update()) \
                if user_id else None
            problems = check_assignment(day, kind, user, role)
            if problems:
                raise ServiceError("；".join(problems))
            assignment = DutyAssignment(day=day, shift=kind, user_id=user.id, duty_role=role,
                                        note=note, created_at=clock.now(),
                                        created_by_id=actor.id)
            db.session.add(assignment)
    except IntegrityError as exc:  # the same assignment saved concurrently
        raise Conflict(_("该人员刚被他人排入同一班次。")) from exc
    return assignment


def unassign(actor: User, assignment_id: int) -> DutyAssignment:
    check_edit(actor)
    with unit_of_work():
        assignment = db.session.get(DutyAssignment, assignment_id)
        if assignment is None:
            raise NotFound(_("该排班已不存在（可能已被他人删除）。"))
        db.session.delete(assignment)
    return assignment
