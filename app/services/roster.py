"""排班 the duty roster and 7x24 duty routing.

Shifts: a working day (by the working-day calendar) has a 日班 and a 夜班, a day off
(weekend or public holiday) one 节假日值班; their times are settings
(``roster_shift_times``), an end at or before the start being on the next day. People
are put on a shift in a duty role: 值班派单员, 值班员, 值班领导.

Routing: when the 签收 task of a ticket appears outside office hours (the calendar's
``is_office_hours``), the hook below hands it to the on-duty dispatcher (the least
loaded one if several), in the transaction that created the ticket. Nobody on duty:
the task stays claimable by every dispatcher and supervisors get an alert (排班缺岗).

BPMN expressions can call ``on_duty('dispatcher')`` (also 'duty', 'leader'): the
username of the person on duty now, or None, e.g. in a user task's
``camunda:assignee="${on_duty('dispatcher') if not is_office_hours() else None}"``.

This module registers its hook and the expression function when it is imported; the
roster blueprint (app/web/roster.py) imports it, so every app made by ``create_app``
routes night and holiday tickets.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.engine import calendar_store
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_datetime
from app.extensions import db
from app.models import ROLES, Alert, User, WorkItem
from app.models.roster import DEFAULT_SHIFT_TIMES, DUTY_ROLES, SHIFT_KINDS, DutyAssignment
from app.services import (
    N_,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
    _,
    _l,
    settings,
    timeline,
)
from app.services.completion import is_candidate
from app.services.events import WorkItemCreated
from app.services.uow import unit_of_work

SHIFT_TIMES_KEY = "roster_shift_times"
# User tasks handed to the on-duty dispatcher when they appear outside office hours.
ROUTED_TASKS = ("sign",)
ALERT_KIND = "排班缺岗"
ROUTED = N_("值班派单：分配给 %(person)s")
ROUTED_IN_SHIFT = N_("值班派单：分配给 %(person)s（%(shift)s）")
# Upcoming uncovered shifts are shown to supervisors this far ahead.
WARN_HOURS = 48
# Kinds whose tickets are routed to the duty dispatcher (outside office hours).
OFF_HOURS_KINDS = ("night", "holiday")
MAX_IMPORT_ROWS = 5000

# Labels for the interface (msgids for pybabel; the models keep the plain Chinese).
SHIFT_LABELS = {"day": _l("日班"), "night": _l("夜班"), "holiday": _l("节假日值班")}
ROLE_LABELS = {"dispatcher": _l("值班派单员"), "duty": _l("值班员"), "leader": _l("值班领导")}


def shift_label(kind: str) -> str:
    return str(SHIFT_LABELS.get(kind, kind))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


# ---------------------------------------------------------------- shifts

@dataclass(frozen=True)
class Shift:
    """One shift: the date it starts on, its kind, and its start and end (aware, Asia/Shanghai)."""

    day: date
    kind: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return shift_label(self.kind)

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}:{self.kind}"

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def overlaps(self, other: Shift) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def hours(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def parse_times(text: str) -> tuple[time, time]:
    """'08:30-17:30' -> (08:30, 17:30). Raises ValueError on anything else."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*", str(text or ""))
    if not match:
        raise ValueError(text)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return time(h1, m1), time(h2, m2)


def shift_times() -> dict[str, tuple[time, time]]:
    """The configured times per shift kind (the defaults where a setting is missing or broken)."""
    stored = settings.get(SHIFT_TIMES_KEY) or {}
    result = {}
    for kind, default in DEFAULT_SHIFT_TIMES.items():
        try:
            result[kind] = parse_times(stored.get(kind, default))
        except (ValueError, AttributeError):
            result[kind] = parse_times(default)
    return result


def shift_times_text() -> dict[str, str]:
    return {kind: f"{a:%H:%M}-{b:%H:%M}" for kind, (a, b) in shift_times().items()}


def set_shift_times(actor: User, values: dict[str, str]) -> dict[str, str]:
    """Change the shift times; {kind: message} of the bad ones is raised as ``InvalidInput``."""
    if not actor.has_role("supervisor"):
        raise PermissionDenied(_("只有主管可以修改班次时间。"))
    problems: dict[str, str] = {}
    clean: dict[str, str] = {}
    for kind in SHIFT_KINDS:
        text = (values.get(kind) or "").strip()
        try:
            start, end = parse_times(text)
        except ValueError:
            problems[kind] = _("%(shift)s的时间“%(text)s”格式不正确，应为“08:30-17:30”。",
                               shift=shift_label(kind), text=text)
            continue
        clean[kind] = f"{start:%H:%M}-{end:%H:%M}"
    if "day" in clean:
        start, end = parse_times(clean["day"])
        if end <= start:
            problems["day"] = _("日班应在当天结束：结束时间要晚于开始时间。")
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        settings.put(SHIFT_TIMES_KEY, clean)
    return clean




def make_shift(day: date, kind: str, times: dict | None = None) -> Shift:
    start_t, end_t = (times or shift_times())[kind]
    start = datetime.combine(day, start_t, tzinfo=LOCAL_TZ)
    end_day = day if end_t > start_t else day + timedelta(days=1)
    return Shift(day, kind, start, datetime.combine(end_day, end_t, tzinfo=LOCAL_TZ))


def kinds_for(day: date, cal=None) -> list[str]:
    """The shifts the calendar expects on a date: 日班 + 夜班 on working days, else 节假日值班."""
    cal = cal or calendar_store.get_calendar()
    return ["day", "night"] if cal.is_workday(day) else ["holiday"]


def shifts_between(first: date, last: date) -> list[Shift]:
    """The shifts the calendar expects from ``first`` to ``last`` (inclusive), in order."""
    cal = calendar_store.get_calendar()
    times = shift_times()
    result = []
    day = first
    while day <= last:
        result.extend(make_shift(day, kind, times) for kind in kinds_for(day, cal))
        day += timedelta(days=1)
    return result


def holiday_name(day: date, cal=None) -> str | None:
    """The holiday a day off belongs to: its own name, or that of the break it is part of
    (the Saturday inside 国庆节 has no row of its own); None for an ordinary weekend."""
    cal = cal or calendar_store.get_calendar()
    if cal.is_workday(day):
        return None
    for step in (timedelta(days=-1), timedelta(days=1)):
        d = day
        for _i in range(15):
            name = cal.day_name(d)
            if name:
                return name
            d += step
            if cal.is_workday(d):
                break
    return None


def _local(at: datetime | None) -> datetime:
    at = clock.now() if at is None else at
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    return at.astimezone(LOCAL_TZ)


def shift_at(at: datetime | None = None) -> Shift | None:
    """The expected shift running at an instant (None if the shift times leave a hole there)."""
    local = _local(at)
    for shift in shifts_between(local.date() - timedelta(days=1), local.date()):
        if shift.contains(local):
            return shift
    return None


# ---------------------------------------------------------------- who is on duty

def assignments_between(first: date, last: date) -> list[DutyAssignment]:
    return list(db.session.scalars(
        select(DutyAssignment).where(DutyAssignment.day >= first, DutyAssignment.day <= last)
        .options(selectinload(DutyAssignment.user)).order_by(DutyAssignment.day, DutyAssignment.shift, DutyAssignment.duty_role, DutyAssignment.id)
    ))


def assignments_at(at: datetime | None = None, role: str | None = None) -> list[DutyAssignment]:
    """The assignments whose shift runs at an instant (a shift lasts at most a day)."""
    local = _local(at)
    times = shift_times()
    query = select(DutyAssignment).join(User, DutyAssignment.user_id == User.id).where(
        DutyAssignment.day >= local.date() - timedelta(days=1), DutyAssignment.day <= local.date(),
        User.active.is_(True))
    if role is not None:
        query = query.where(DutyAssignment.duty_role == role)
    rows = db.session.scalars(query.options(selectinload(DutyAssignment.user)).order_by(DutyAssignment.id))
    return [a for a in rows if a.shift in times and make_shift(a.day, a.shift, times).contains(local)]


def on_duty(role: str, at: datetime | None = None) -> list[User]:
    """Who is on duty in a duty role (dispatcher, duty, leader) at an instant, in roster order."""
    if role not in DUTY_ROLES:
        raise ValueError(f"unknown duty role {role!r}: one of {', '.join(DUTY_ROLES)}")
    seen, people = set(), []
    for a in assignments_at(at, role):
        if a.user_id not in seen:
            seen.add(a.user_id)
            people.append(a.user)
    return people


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


def current_duty_officers(at: datetime | None = None) -> list[tuple[User, DutyAssignment]]:
    """The 值班员 on duty now, with their assignment (for the shift label)."""
    seen, result = set(), []
    for a in assignments_at(at, "duty"):
        if a.user_id not in seen:
            seen.add(a.user_id)
            result.append((a.user, a))
    return result


def on_duty_expression(role="dispatcher", at=None):
    """BPMN: on_duty('dispatcher') -> the username on duty now in that role (None if nobody)."""
    role = _ROLE_WORDS.get(str(role).strip(), str(role).strip())
    when = to_datetime(at) if at else None
    person = least_loaded(on_duty(role, when))
    return person.username if person else None



# ---------------------------------------------------------------- editing

def can_edit(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role("supervisor", "duty")


def _check_edit(actor: User) -> None:
    if not can_edit(actor):
        raise PermissionDenied(_("只有主管或值班员可以编辑排班。"))


def eligible_people() -> list[User]:
    """People who can take some duty role (a needed role, active), for the assignment form."""
    needed = {req for _label, req in DUTY_ROLES.values()}
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
    return [u for u in users if u.role_set & needed]


def _describe(day: date, kind: str) -> str:
    return f"{day.isoformat()} {shift_label(kind)}"


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
    expected = kinds_for(day, cal)
    if kind not in expected:
        if cal.is_workday(day):
            problems.append(_("%(day)s 是工作日，应排“日班”或“夜班”。", day=day.isoformat()))
        else:
            name = holiday_name(day, cal) or _("周末")
            problems.append(_("%(day)s 是休息日（%(name)s），应排“节假日值班”。", day=day.isoformat(), name=name))
    if problems:
        return problems
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
                problems.append(_("%(name)s 已排在 %(shift)s（%(role)s），无需重复。", name=user.name,
                                  shift=_describe(day, kind), role=role_label(role)))
            else:  # a 值班员 who is also a 派单员 takes the tickets anyway: one post per person and shift
                problems.append(_("%(name)s 已排在 %(shift)s 担任%(other)s，同一班次不能再担任%(role)s。",
                                  name=user.name, shift=_describe(day, kind), other=role_label(o_role),
                                  role=role_label(role)))
            break
        if o_kind in times and make_shift(o_day, o_kind, times).overlaps(shift):
            other = make_shift(o_day, o_kind, times)
            problems.append(_("%(name)s 在 %(other)s（%(hours)s）已有值班，与 %(shift)s（%(these)s）时间重叠，不能重复排班。",
                              name=user.name, other=_describe(o_day, o_kind), hours=other.hours,
                              shift=_describe(day, kind), these=shift.hours))
            break
    return problems


def assign(actor: User, day: date, kind: str, user_id: int | None, role: str, note: str = "") -> DutyAssignment:
    """Put a person on a shift in a duty role (one transaction); refusals name what is wrong."""
    _check_edit(actor)
    try:
        with unit_of_work(_("排班刚被他人修改，请刷新后重试。")):
            # serialise edits of one person's shifts (PostgreSQL); SQLite serialises writers anyway
            user = db.session.scalar(select(User).where(User.id == user_id).with_for_update()) \
                if user_id else None
            problems = check_assignment(day, kind, user, role)
            if problems:
                raise ServiceError("；".join(problems))
            assignment = DutyAssignment(day=day, shift=kind, user_id=user.id, duty_role=role,
                                        note=(note or "").strip()[:200], created_at=clock.now(),
                                        created_by_id=actor.id)
            db.session.add(assignment)
    except IntegrityError as exc:  # the same assignment saved concurrently
        raise Conflict(_("该人员刚被他人排入同一班次。")) from exc
    return assignment


def unassign(actor: User, assignment_id: int) -> DutyAssignment:
    _check_edit(actor)
    with unit_of_work():
        assignment = db.session.get(DutyAssignment, assignment_id)
        if assignment is None:
            raise NotFound(_("该排班已不存在（可能已被他人删除）。"))
        db.session.delete(assignment)
    return assignment


# ---------------------------------------------------------------- views and gaps

@dataclass
class Cell:
    shift: Shift | None  # None: the calendar expects no such shift that day
    assignments: list[DutyAssignment] = field(default_factory=list)
    past: bool = False
    current: bool = False  # running now

    @property
    def uncovered(self) -> bool:
        return self.shift is not None and not self.assignments

    @property
    def missing_dispatcher(self) -> bool:
        return (self.shift is not None and self.shift.kind in OFF_HOURS_KINDS and bool(self.assignments)
                and not any(_can_take_tickets(a) for a in self.assignments))


@dataclass
class DayRow:
    day: date
    is_workday: bool
    holiday_name: str | None
    is_today: bool
    cells: dict[str, Cell]


def _role_order(a: DutyAssignment) -> tuple:
    return (list(DUTY_ROLES).index(a.duty_role) if a.duty_role in DUTY_ROLES else 9, a.id)


def _can_take_tickets(a: DutyAssignment) -> bool:
    return a.duty_role == "dispatcher" or (a.duty_role == "duty" and "dispatcher" in a.user.role_set)


def table(first: date, last: date) -> list[DayRow]:
    """Days x shifts from ``first`` to ``last``, with the people on each shift."""
    cal = calendar_store.get_calendar()
    times = shift_times()
    now = clock.now()
    today = clock.local_now().date()
    by_cell: dict[tuple, list] = {}
    for a in assignments_between(first, last):
        by_cell.setdefault((a.day, a.shift), []).append(a)
    rows = []
    day = first
    while day <= last:
        expected = kinds_for(day, cal)
        cells = {}
        for kind in SHIFT_KINDS:
            people = sorted(by_cell.get((day, kind), []), key=_role_order)
            if kind not in expected and not people:
                continue
            shift = make_shift(day, kind, times)
            # a kind the calendar does not expect that day is kept (shift None) to show its people
            cells[kind] = Cell(shift if kind in expected else None, people, past=shift.end <= now,
                               current=shift.contains(now))
        name = cal.day_name(day) or holiday_name(day, cal)
        rows.append(DayRow(day, cal.is_workday(day), name, day == today, cells))
        day += timedelta(days=1)
    return rows


@dataclass
class Gap:
    shift: Shift
    nobody: bool  # nobody at all on the shift
    running: bool  # the shift has started already

    @property
    def reason(self) -> str:
        return _("无人值班") if self.nobody else _("无值班派单员：非工作时间的工单无人接收")


def gaps(start: datetime, end: datetime) -> list[Gap]:
    """Shifts between two instants with nobody on them, or (night, holiday) nobody to take tickets."""
    first = _local(start).date() - timedelta(days=1)
    last = _local(end).date()
    by_cell: dict[tuple, list] = {}
    for a in assignments_between(first, last):
        if a.user.active:
            by_cell.setdefault((a.day, a.shift), []).append(a)
    result = []
    for shift in shifts_between(first, last):
        if shift.end <= start or shift.start >= end:
            continue
        people = by_cell.get((shift.day, shift.kind), [])
        if not people:
            result.append(Gap(shift, True, shift.start <= start))
        elif shift.kind in OFF_HOURS_KINDS and not any(_can_take_tickets(a) for a in people):
            result.append(Gap(shift, False, shift.start <= start))
    return result


def upcoming_gaps(hours: int = WARN_HOURS) -> list[Gap]:
    """Uncovered shifts from now to ``hours`` ahead (the running one included): the supervisor's warning."""
    now = clock.now()
    return gaps(now, now + timedelta(hours=hours))


# ---------------------------------------------------------------- routing

def route_to_duty_dispatcher(event: WorkItemCreated) -> None:
    """A 签收 task that appears outside office hours goes to the dispatcher on duty."""
    item = event.item
    if item.ticket_id is None or item.assignee_id is not None or item.spec_name not in ROUTED_TASKS:
        return
    at = item.created_at or clock.now()
    if calendar_store.get_calendar().is_office_hours(at):
        return
    person = least_loaded([u for u in on_duty("dispatcher", at) if is_candidate(u, item)])
    if person is None:  # a 值班员 who may take the task covers for a missing 值班派单员
        person = least_loaded([u for u in on_duty("duty", at) if is_candidate(u, item)])
    shift = shift_at(at)
    where = f"{shift.day.isoformat()} {SHIFT_KINDS[shift.kind]}" if shift else ""
    if person is not None:
        item.assignee_id = person.id
        item.claimed_at = at
        timeline.add(item.ticket_id, "duty", ROUTED_IN_SHIFT if where else ROUTED, at=at, person=person.name,
                     shift=where)
        return
    message = (f"非工作时间收到工单，{where or '当前时段'}没有值班派单员在岗，"
               f"“{item.title}”留在待认领，请安排值班或认领。")
    db.session.add(Alert(ticket_id=item.ticket_id, kind=ALERT_KIND, message=message[:300], raised_at=at))
    timeline.add(item.ticket_id, "alert", timeline.ALERT, at=at, alert=ALERT_KIND, text=message)



# ---------------------------------------------------------------- import

_COLUMNS = {
    "day": ("日期", "值班日期", "date"),
    "shift": ("班次", "shift"),
    "person": ("姓名/用户名", "姓名／用户名", "姓名", "用户名", "人员", "值班人员", "name", "username"),
    "role": ("岗位", "值班岗位", "role"),
}
_SHIFT_WORDS = {"日班": "day", "白班": "day", "day": "day", "夜班": "night", "night": "night",
                "节假日值班": "holiday", "节假日": "holiday", "假日值班": "holiday", "holiday": "holiday"}
_ROLE_WORDS = {"值班派单员": "dispatcher", "派单员": "dispatcher", "dispatcher": "dispatcher",
               "值班员": "duty", "duty": "duty",
               "值班领导": "leader", "带班领导": "leader", "领导": "leader", "leader": "leader"}


@dataclass
class ImportRow:
    line: int  # the spreadsheet row number, as Excel shows it
    raw: dict
    day: date | None = None
    kind: str | None = None
    user: User | None = None
    role: str | None = None
    errors: list[str] = field(default_factory=list)
    exists: bool = False

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "exists" if self.exists else "new"


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    @property
    def errors(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def new(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "new"]

    @property
    def existing(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "exists"]


def _norm_header(value) -> str:
    return re.sub(r"[\s*＊:：]", "", str(value or "")).lower()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(value).date()
        except (ValueError, OverflowError, AttributeError):
            return None
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(:00)?)?", text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def read_workbook(data: bytes) -> list[tuple[int, dict]]:
    """The rows of the first sheet as (row number, {day, shift, person, role}); header names decide columns."""
    from openpyxl import load_workbook

    if not data:
        raise ServiceError(_("文件是空的。"))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not .xlsx
        raise ServiceError(_("无法读取该文件：请上传 Excel 工作簿（.xlsx）。")) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header, header_line = None, 0
        for number, values in enumerate(rows, start=1):
            if any(v not in (None, "") for v in values):
                header, header_line = values, number
                break
        if header is None:
            raise ServiceError(_("工作表是空的：第一行应为表头：日期、班次、姓名/用户名、岗位。"))
        names = [_norm_header(h) for h in header]
        columns, missing = {}, []
        for key, accepted in _COLUMNS.items():
            index = next((names.index(_norm_header(a)) for a in accepted if _norm_header(a) in names), None)
            if index is None:
                missing.append(accepted[0])
            else:
                columns[key] = index
        if missing:
            raise ServiceError(_("缺少列：%(missing)s。表头应为：日期、班次、姓名/用户名、岗位。",
                                 missing="、".join(missing)))
        result = []
        for number, values in enumerate(rows, start=header_line + 1):
            values = list(values) + [None] * len(names)
            record = {key: values[i] for key, i in columns.items()}
            if all(v in (None, "") for v in record.values()):
                continue
            result.append((number, record))
            if len(result) > MAX_IMPORT_ROWS:
                raise ServiceError(_("行数过多：一次最多导入 %(n)s 行。", n=MAX_IMPORT_ROWS))
        return result
    finally:
        book.close()


def _find_person(text: str) -> tuple[User | None, str | None]:
    if not text:
        return None, _("姓名/用户名为空。")
    user = db.session.scalar(select(User).where(User.username == text))
    if user is not None:
        return user, None
    matches = list(db.session.scalars(select(User).where(User.name == text)))
    if len(matches) == 1:
        return matches[0], None
    if len(matches) > 1:
        return None, _("姓名“%(name)s”对应多名用户（%(usernames)s），请填写用户名。", name=text,
                       usernames="、".join(u.username for u in matches))
    return None, _("找不到用户“%(name)s”（按用户名和姓名都未找到）。", name=text)


def preview_import(data: bytes) -> ImportPreview:
    """Check every row against the users, the calendar, the stored roster and the rows above it."""
    cal = calendar_store.get_calendar()
    times = shift_times()
    parsed: list[ImportRow] = []
    seen: set[tuple] = set()
    pending: list[tuple] = []
    for line, record in read_workbook(data):
        row = ImportRow(line, {k: _cell_text(v) for k, v in record.items()})
        row.day = _parse_date(record["day"])
        if row.day is None:
            row.errors.append(_("日期“%(value)s”无法识别，应为 2026-11-25 这样的日期。", value=row.raw["day"]))
        row.kind = _SHIFT_WORDS.get(row.raw["shift"].lower() if row.raw["shift"] else "")
        if row.kind is None:
            row.errors.append(_("班次“%(value)s”不正确，应为：日班、夜班、节假日值班。", value=row.raw["shift"]))
        row.role = _ROLE_WORDS.get(row.raw["role"].lower() if row.raw["role"] else "")
        if row.role is None:
            row.errors.append(_("岗位“%(value)s”不正确，应为：值班派单员、值班员、值班领导。", value=row.raw["role"]))
        row.user, problem = _find_person(row.raw["person"])
        if problem:
            row.errors.append(problem)
        if not row.errors:
            key = (row.day, row.kind, row.user.id, row.role)
            stored = db.session.scalar(select(DutyAssignment.id).where(
                DutyAssignment.day == row.day, DutyAssignment.shift == row.kind,
                DutyAssignment.user_id == row.user.id, DutyAssignment.duty_role == row.role))
            if key in seen:
                row.errors.append(_("与上面的行重复。"))
            elif stored is not None:
                row.exists = True
            else:
                row.errors.extend(check_assignment(row.day, row.kind, row.user, row.role, pending, cal, times))
                if not row.errors:
                    pending.append(key)
            seen.add(key)
        parsed.append(row)
    return ImportPreview(parsed)


def apply_import(actor: User, data: bytes) -> ImportPreview:
    """Add the file's new assignments in one transaction; refused as a whole while any row is wrong.

    Rows already in the roster are left as they are, so importing the same file twice changes nothing.
    """
    _check_edit(actor)
    try:
        with unit_of_work(_("排班刚被他人修改，请重新上传预览。")):
            preview = preview_import(data)
            if preview.errors:
                raise ServiceError(_("文件中有 %(n)s 行错误，未导入任何排班；请修改后重新上传。",
                                     n=len(preview.errors)))
            now = clock.now()
            for row in preview.new:
                db.session.add(DutyAssignment(day=row.day, shift=row.kind, user_id=row.user.id,
                                              duty_role=row.role, created_at=now, created_by_id=actor.id,
                                              note="导入"))
    except IntegrityError as exc:  # someone saved one of the same assignments meanwhile
        raise Conflict(_("排班刚被他人修改，请重新上传预览。")) from exc
    return preview


def template_workbook() -> bytes:
    """An example file with the expected header, for the import page."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "排班"
    sheet.append(["日期", "班次", "姓名/用户名", "岗位"])
    today = clock.local_now().date()
    for day in (today, today + timedelta(days=1)):
        for kind in kinds_for(day):
            sheet.append([day, SHIFT_KINDS[kind], "zhiban", "值班员"])
    for cells in sheet.iter_rows(min_row=2, max_col=1):
        cells[0].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["C"].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
