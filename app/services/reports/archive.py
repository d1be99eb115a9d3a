"""报表归档 and the report cycle (processes/report_cycle.bpmn).

The cycle's timer wakes at 08:00 (Beijing) of every working day and calls
``make_scheduled_reports``: a draft 日报 for each day since the previous working day's report
(so a Monday after a weekend gets Saturday's and Sunday's too), on the week's first working day a
周报 of the week before, on the month's first working day a 月报 of the month before. The analyst
reviews a draft (its figures are recomputed until it is published), then publishes it (发布): the
figures are frozen as they were. A correction is a new version of the period (修订版); the one it
corrects is marked superseded and kept.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.diagrams import report_cycle as diagram
from app.engine import calendar_store, instances
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_datetime, to_iso
from app.extensions import db
from app.models import ProcessInstance, ProcessVersion, ReportRecord, User
from app.services import Conflict, InvalidInput, NotFound, PermissionDenied, _
from app.services.process import apply_snapshot
from app.services.reports import figures, periods
from app.services.uow import unit_of_work

PROCESS = diagram.PROCESS
BUSINESS_KEY = "report_cycle"
REPORT_HOUR = 8
AUTHOR_ROLES = ("analyst",)
NOTE_LIMIT = 2000  # a published report's 说明 (templates/reports/saved.html carries it)


# -- the cycle --------------------------------------------------------------------------------------

def next_report_cycle_at(when=None) -> str:
    """The next 08:00 (Beijing) of a working day strictly after ``when`` (the cycle's timer)."""
    cal = calendar_store.get_calendar()
    local = to_datetime(when or to_iso(clock.now())).astimezone(LOCAL_TZ)
    day = local.date()
    if local.time() >= time(REPORT_HOUR):
        day += timedelta(days=1)
    while not cal.is_workday(day):
        day += timedelta(days=1)
    return to_iso(datetime.combine(day, time(REPORT_HOUR), LOCAL_TZ))


def due_periods(at: date) -> list[periods.Period]:
    """What the cycle drafts on working day ``at``."""
    cal = calendar_store.get_calendar()
    previous_workday = cal.previous_workday(at)
    out = []
    day = previous_workday
    while day < at:  # each day since the previous working day's report, that day included
        out.append(periods.day(day))
        day += timedelta(days=1)
    monday = at - timedelta(days=at.weekday())
    first_of_week = next((monday + timedelta(days=i) for i in range(7) if cal.is_workday(monday + timedelta(days=i))),
                         None)
    if at == first_of_week:
        out.append(periods.week(at - timedelta(days=7)))
    first_of_month = next(d for d in (at.replace(day=1) + timedelta(days=i) for i in range(31)) if cal.is_workday(d))
    if at == first_of_month:
        out.append(periods.month((at.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")))
    return out


def make_scheduled_reports(at=None) -> list[int]:
    """The cycle's service: a draft for each due period that has none yet (in the sweep's transaction)."""
    local = to_datetime(at or to_iso(clock.now())).astimezone(LOCAL_TZ)
    made = []
    for period in due_periods(local.date()):
        if _latest(period.kind, period.key) is None:
            made.append(_draft(period, None).id)
    return made


def cycle_instance() -> ProcessInstance | None:
    return db.session.scalar(
        select(ProcessInstance).join(ProcessVersion, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessVersion.process_key == PROCESS, ProcessInstance.status == "running")
        .order_by(ProcessInstance.id.desc()).limit(1))


def ensure_cycle() -> ProcessInstance | None:
    """Start the report cycle unless one runs (idempotent; called by seed_base)."""
    with unit_of_work():
        running = cycle_instance()
        if running is not None or instances.current_version(PROCESS) is None:
            return running
        instance, snap = instances.start(PROCESS, {}, business_key=BUSINESS_KEY)
        apply_snapshot(instance, None, snap)
    return instance


# -- drafts, publishing, corrections ----------------------------------------------------------------

def _latest(kind: str, key: str) -> ReportRecord | None:
    return db.session.scalar(select(ReportRecord).where(ReportRecord.kind == kind, ReportRecord.period_key == key)
                             .order_by(ReportRecord.version.desc()).limit(1))


def _draft(period: periods.Period, user: User | None, corrects: ReportRecord | None = None) -> ReportRecord:
    latest = _latest(period.kind, period.key)
    record = ReportRecord(kind=period.kind, period_key=period.key, version=(latest.version + 1) if latest else 1,
                          status="draft", title=f"{period.kind_label} {period.title}", figures=figures.compute(period),
                          note="", created_at=clock.now(), created_by_id=user.id if user else None,
                          corrects_id=corrects.id if corrects else None)
    db.session.add(record)
    db.session.flush()
    return record


def _author(user: User) -> None:
    if not user.has_role(*AUTHOR_ROLES):
        raise PermissionDenied(_("只有统计员可以起草和发布报表。"))


def get(record_id: int) -> ReportRecord:
    record = db.session.get(ReportRecord, record_id)
    if record is None:
        raise NotFound(_("报表不存在。"))
    return record


def period_of(record: ReportRecord) -> periods.Period:
    return periods.from_key(record.kind, record.period_key)


def create_draft(period: periods.Period, user: User) -> ReportRecord:
    """An analyst's draft of a period (when the period has an open draft, that one)."""
    _author(user)
    with unit_of_work():
        latest = _latest(period.kind, period.key)
        if latest is not None and latest.status == "draft":
            return latest
        record = _draft(period, user, corrects=latest if latest and latest.status == "published" else None)
    return record


def refresh(record_id: int, user: User) -> ReportRecord:
    """A draft's figures recomputed now (a published report never changes)."""
    _author(user)
    with unit_of_work():
        record = get(record_id)
        if record.status != "draft":
            raise Conflict(_("已发布的报表不能修改，请起草修订版。"))
        record.figures = figures.compute(period_of(record))
    return record


def publish(record_id: int, user: User, note: str = "") -> ReportRecord:
    """发布: the draft's figures, recomputed at this instant, frozen; the version it corrects superseded."""
    _author(user)
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput({"note": _("说明不能超过 %(n)s 个字。", n=NOTE_LIMIT)})
    with unit_of_work():
        record = get(record_id)
        if record.status != "draft":
            raise Conflict(_("该报表已发布。"))
        if record.corrects_id and not note:
            raise InvalidInput({"note": _("修订版请写明修订说明。")})
        record.figures = figures.compute(period_of(record))
        record.status, record.note = "published", note
        record.published_at, record.published_by_id = clock.now(), user.id
        for older in db.session.scalars(select(ReportRecord).where(
                ReportRecord.kind == record.kind, ReportRecord.period_key == record.period_key,
                ReportRecord.status == "published", ReportRecord.id != record.id)):
            older.status = "superseded"
    return record


def listing(kind: str = "", status: str = "", limit: int = 200) -> list[ReportRecord]:
    query = select(ReportRecord)
    if kind:
        query = query.where(ReportRecord.kind == kind)
    if status:
        query = query.where(ReportRecord.status == status)
    return list(db.session.scalars(query.order_by(ReportRecord.created_at.desc(), ReportRecord.id.desc())
                                   .limit(limit)))


def draft_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportRecord).where(ReportRecord.status == "draft"))
