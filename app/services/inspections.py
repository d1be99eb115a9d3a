"""现场检查: inspections started from a ticket (现场核实), by the plan, by a 双随机 draw or by hand;
their on-site records, evidence, orders to correct, and the findings reported to the ticket.

The process is processes/inspection.bpmn (business key ``inspection:<id>``). Every state
change here is one transaction that also moves the process (``instances``) and keeps the
work items in step (``apply_snapshot``). The Inspection row follows its process through
the ``instance_changed`` hook, whatever page or worker moved it.

A ticket's process does not wait for the result yet (ticket.bpmn is not changed here): the
findings go to the ticket's timeline and to the handler's reply draft; if the ticket's
process is waiting for the message ``inspection_result`` it gets it too (see
docs/inspection-ticket-bpmn.md for the change to ticket.bpmn that makes it wait).
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.engine import calendar_store, instances
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import register_function, to_datetime, to_iso
from app.engine.runtime import EngineError, NotWaiting, TaskNotReady
from app.extensions import db
from app.models import (
    INSPECTION_SOURCES,
    Enterprise,
    Evidence,
    Inspection,
    InspectionCampaign,
    InspectionEvent,
    InspectionRecord,
    ProcessInstance,
    RectificationOrder,
    SubmitToken,
    Ticket,
    TicketEvent,
    User,
    WorkItem,
)
from app.services import (
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    StaleState,
    _,
    access,
    hooks,
    inbox,
    settings,
    tickets,
)
from app.services import checklists as checklist_store
from app.services import evidence as files
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

PROCESS = "inspection"
CHECK_TASKS = ("onsite_check", "reinspect")
RESULT_MESSAGE = "inspection_result"
PLAN_SETTING = "inspection_plan_months"
DEFAULT_PLAN = {"high": 1, "medium": 3, "low": 6}  # months per inspection: monthly, quarterly, twice a year
BUREAU_SETTING = "bureau_name"
DEFAULT_BUREAU = "××区文化和旅游局"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# -- functions for the diagram's expressions ---------------------------------------------------------

def _add_days(start, days) -> str:
    """start + days calendar days (negative counts back)."""
    return to_iso(to_datetime(start) + timedelta(days=int(days)))


def _end_of_workday(when) -> str:
    """The end of the working day of ``when`` (work_end, 17:30 by default)."""
    local = to_datetime(when).astimezone(LOCAL_TZ)
    return to_iso(datetime.combine(local.date(), calendar_store.get_calendar().work_end, tzinfo=LOCAL_TZ))


register_function("add_days", _add_days)
register_function("end_of_workday", _end_of_workday)


# -- who may do what ----------------------------------------------------------------------------------

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


# -- reading ------------------------------------------------------------------------------------------

def get(inspection_id: int) -> Inspection:
    insp = db.session.get(Inspection, inspection_id)
    if insp is None:
        raise NotFound(_("检查任务不存在。"))
    return insp


def for_key(business_key: str | None) -> Inspection | None:
    if not business_key or not business_key.startswith("inspection:"):
        return None
    return db.session.get(Inspection, int(business_key.split(":", 1)[1]))


def instance_of(insp: Inspection) -> ProcessInstance | None:
    return db.session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == insp.business_key)
                             .order_by(ProcessInstance.id.desc()).limit(1))


def open_items(insp: Inspection) -> list[WorkItem]:
    return list(db.session.scalars(select(WorkItem).where(WorkItem.business_key == insp.business_key,
                                                          WorkItem.state == "ready").order_by(WorkItem.id)))


def all_items(insp: Inspection) -> list[WorkItem]:
    return list(db.session.scalars(select(WorkItem).where(WorkItem.business_key == insp.business_key)
                                   .order_by(WorkItem.id)))


def records(insp: Inspection) -> list[InspectionRecord]:
    return list(db.session.scalars(select(InspectionRecord).where(InspectionRecord.inspection_id == insp.id)
                                   .order_by(InspectionRecord.round, InspectionRecord.id)))


def evidence_of(insp: Inspection) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.inspection_id == insp.id).order_by(Evidence.id)))


def open_orders(insp: Inspection) -> list[RectificationOrder]:
    return [o for o in orders_of(insp) if o.status == "整改中"]


def orders_of(insp: Inspection) -> list[RectificationOrder]:
    return list(db.session.scalars(select(RectificationOrder).where(RectificationOrder.inspection_id == insp.id)
                                   .order_by(RectificationOrder.id)))


def events_of(insp: Inspection) -> list[InspectionEvent]:
    return list(db.session.scalars(select(InspectionEvent).where(InspectionEvent.inspection_id == insp.id)
                                   .order_by(InspectionEvent.at, InspectionEvent.id)))


def for_ticket(ticket: Ticket) -> list[Inspection]:
    return list(db.session.scalars(select(Inspection).where(Inspection.ticket_id == ticket.id)
                                   .order_by(Inspection.id)))


def my_items(user: User) -> list[WorkItem]:
    """Open inspection and licence tasks this user may do (assigned to them or claimable)."""
    query = select(WorkItem).where(WorkItem.state == "ready", WorkItem.business_key.is_not(None),
                                   WorkItem.business_key.like("inspection:%") | WorkItem.business_key.like(
                                       "enterprise:%"))
    items = db.session.scalars(query.order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id))
    return [w for w in items if w.assignee_id == user.id or (w.assignee_id is None and inbox.is_candidate(user, w))]


def search(status: str = "", source: str = "", q: str = "", page: int = 1, per_page: int = 50):
    query = select(Inspection)
    if status:
        query = query.where(Inspection.status == status)
    if source:
        query = query.where(Inspection.source == source)
    if q:
        query = query.where(Inspection.subject_name.ilike(f"%{q.strip()}%"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Inspection.created_at.desc(), Inspection.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def checklist(insp: Inspection) -> list[dict]:
    return checklist_store.items_for(insp.kind)


def previous_failures(insp: Inspection) -> set[str]:
    done = records(insp)
    return {a["id"] for a in done[-1].failed} if done else set()


def bureau_name() -> str:
    return settings.get(BUREAU_SETTING) or DEFAULT_BUREAU


# -- idempotent submissions -----------------------------------------------------------------------------

def check_token(token: str | None) -> str:
    token = (token or "").strip()
    if not _TOKEN.match(token):
        raise ServiceError(_("表单缺少提交标识，请刷新页面后重新提交。"))
    return token


def already_submitted(token: str | None, user: User) -> SubmitToken | None:
    """The earlier submission with this token by this user (a retried POST), if any."""
    if not token:
        return None
    row = db.session.get(SubmitToken, token.strip())
    return row if row is not None and row.user_id == user.id else None


def _record_token(token: str, user: User, kind: str, ref: str) -> None:
    db.session.add(SubmitToken(token=token, user_id=user.id, kind=kind, ref=ref, at=clock.now()))


def _retry_safe(token: str, user: User, run):
    """Run ``run()``; a concurrent retry of the same submission that lost the race returns the winner."""
    try:
        return run()
    except IntegrityError as exc:
        db.session.rollback()
        earlier = already_submitted(token, user)
        if earlier is not None:
            return earlier
        raise Conflict(_("提交冲突，请刷新后查看最新状态。")) from exc


# -- starting inspections ------------------------------------------------------------------------------

def _event(insp: Inspection, kind: str, title: str, actor: User | None = None, data=None) -> None:
    db.session.add(InspectionEvent(inspection_id=insp.id, at=clock.now(), actor_id=actor.id if actor else None,
                                   kind=kind, title=title, data=data))


def _start(*, source: str, actor: User | None, enterprise: Enterprise | None = None, subject_name: str = "",
           subject_address: str = "", kind: str = "other", ticket: Ticket | None = None, reason: str = "",
           section_code: str = "", period: str = "", dedupe_key: str | None = None,
           campaign: InspectionCampaign | None = None, pair: tuple[User, User] | None = None) -> Inspection:
    """Create the inspection and start its process (inside the caller's unit of work)."""
    if enterprise is not None:
        subject_name, subject_address, kind = enterprise.name, enterprise.address, enterprise.kind
        section_code = section_code or enterprise.section_code
    now = clock.now()
    insp = Inspection(enterprise_id=enterprise.id if enterprise else None, subject_name=subject_name[:120],
                      subject_address=subject_address[:200], kind=kind, source=source,
                      ticket_id=ticket.id if ticket else None, campaign_id=campaign.id if campaign else None,
                      period=period, dedupe_key=dedupe_key, reason=reason, section_code=section_code or "",
                      requested_by_id=actor.id if actor else None, created_at=now, status="待指派",
                      inspector1_id=pair[0].id if pair else None, inspector2_id=pair[1].id if pair else None)
    db.session.add(insp)
    db.session.flush()
    data = {
        "inspection_id": insp.id,
        "inspection_no": insp.number,
        "subject": insp.subject_name,
        "enterprise_kind": kind,
        "source": INSPECTION_SOURCES[source],
        "section": section_code or None,
        "requested_at": to_iso(now),
        "ticket_no": ticket.ticket_no if ticket else None,
        "inspector_1": pair[0].username if pair else None,
        "inspector_2": pair[1].username if pair else None,
    }
    # history lines are stored as written, in Chinese like the ticket timeline (not per reader's language)
    _event(insp, "created", f"生成检查任务（{insp.source_label}）", actor,
           [["检查事由", reason]] if reason else None)
    instance, snap = instances.start(PROCESS, data, business_key=insp.business_key)
    apply_snapshot(instance, None, snap, actor)
    return insp


def request_from_ticket(ticket: Ticket, user: User, enterprise_id: int | None, reason: str, token: str,
                        subject_name: str = "", subject_address: str = "", kind: str = "other") -> Inspection:
    """申请现场核实 from a ticket: one inspection, linked to the ticket, findings reported back to it."""
    token = check_token(token)
    earlier = already_submitted(token, user)
    if earlier is not None:
        return get(int(earlier.ref.split(":")[1]))
    if not can_request_for(user, ticket):
        raise PermissionDenied(_("只有该工单的承办人或主管可以申请现场核实（已办结的工单不能申请）。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写核实事项。"))
    if len(reason) > 1000:
        raise ServiceError(_("核实事项不能超过 1000 个字。"))
    enterprise = db.session.get(Enterprise, enterprise_id) if enterprise_id else None
    if enterprise_id and enterprise is None:
        raise ServiceError(_("所选企业不在台账中。"))
    if enterprise is None:
        subject_name = (subject_name or ticket.enterprise or "").strip()
        subject_address = (subject_address or ticket.address or "").strip()
        if not subject_name:
            raise ServiceError(_("请选择台账中的企业，或填写被核实的单位或地点。"))
    open_same = db.session.scalar(select(Inspection).where(
        Inspection.ticket_id == ticket.id, Inspection.closed_at.is_(None),
        Inspection.enterprise_id == (enterprise.id if enterprise else None),
        Inspection.subject_name == (enterprise.name if enterprise else subject_name)))
    if open_same is not None and open_same.status in ("待指派", "待检查"):
        raise ServiceError(_("该工单已有一项尚未完成的现场核实（%(no)s），无需重复申请。", no=open_same.number))

    def run():
        with unit_of_work():
            section = ticket.section.code if ticket.section else ""
            insp = _start(source="ticket", actor=user, enterprise=enterprise, subject_name=subject_name,
                          subject_address=subject_address, kind=kind, ticket=ticket, reason=reason,
                          section_code=section)
            db.session.add(TicketEvent(ticket_id=ticket.id, at=clock.now(), actor_id=user.id, kind="inspection",
                                       title=f"申请现场核实：{insp.subject_name}（{insp.number}）",
                                       data=[["核实事项", reason]]))
            _record_token(token, user, "inspection_request", insp.business_key)
        return insp

    result = _retry_safe(token, user, run)
    return get(int(result.ref.split(":")[1])) if isinstance(result, SubmitToken) else result


def create_adhoc(enterprise: Enterprise, user: User, reason: str, token: str) -> Inspection:
    """临时检查 of a ledger enterprise, by a supervisor or an inspector."""
    token = check_token(token)
    earlier = already_submitted(token, user)
    if earlier is not None:
        return get(int(earlier.ref.split(":")[1]))
    if not can_start(user):
        raise PermissionDenied(_("只有检查员或主管可以发起检查。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写检查事由。"))

    def run():
        with unit_of_work():
            insp = _start(source="adhoc", actor=user, enterprise=enterprise, reason=reason[:1000])
            _record_token(token, user, "inspection_adhoc", insp.business_key)
        return insp

    result = _retry_safe(token, user, run)
    return get(int(result.ref.split(":")[1])) if isinstance(result, SubmitToken) else result


# -- the routine plan by risk level, and 双随机 campaigns ----------------------------------------------

def plan_months() -> dict[str, int]:
    stored = settings.get(PLAN_SETTING) or {}
    return {risk: int(stored.get(risk, months)) for risk, months in DEFAULT_PLAN.items()}


def save_plan_months(user: User, values: dict) -> dict[str, int]:
    if not can_plan(user):
        raise PermissionDenied(_("只有主管可以修改检查频次。"))
    clean = {}
    for risk in DEFAULT_PLAN:
        try:
            months = int(values.get(risk))
        except (TypeError, ValueError):
            months = 0
        if months not in (1, 2, 3, 4, 6, 12):
            raise ServiceError(_("检查频次应为 1、2、3、4、6 或 12 个月一次。"))
        clean[risk] = months
    with unit_of_work():
        settings.put(PLAN_SETTING, clean)
    return clean


def parse_month(text: str | None) -> date:
    text = (text or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ServiceError(_("月份格式应为 YYYY-MM（如 2026-12）。"))
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_of(month: date, months: int) -> str:
    """The plan period a month falls in: 2026-12 (monthly), 2026-Q4, 2026-H2, 2026 (yearly), 2026-B6 ..."""
    block = (month.month - 1) // months + 1
    if months == 1:
        return f"{month.year}-{month.month:02d}"
    if months == 3:
        return f"{month.year}-Q{block}"
    if months == 6:
        return f"{month.year}-H{block}"
    if months == 12:
        return f"{month.year}"
    return f"{month.year}-B{months}.{block}"


@dataclass
class PlanResult:
    month: date
    created: list[Inspection] = field(default_factory=list)
    existing: int = 0
    by_risk: dict[str, list[int]] = field(default_factory=dict)  # risk -> [created, existing]


def plan_preview(month: date) -> PlanResult:
    return _plan(month, None, dry_run=True)


def run_plan(month: date, user: User | None) -> PlanResult:
    """Create the period's routine inspections by risk level; running it again creates nothing new."""
    if user is not None and not can_plan(user):
        raise PermissionDenied(_("只有主管可以生成检查计划。"))
    try:
        with unit_of_work():
            return _plan(month, user, dry_run=False)
    except IntegrityError as exc:
        raise Conflict(_("检查计划正由他人同时生成，请稍后刷新查看。")) from exc


def _plan(month: date, user: User | None, dry_run: bool) -> PlanResult:
    months = plan_months()
    result = PlanResult(month, by_risk={risk: [0, 0] for risk in DEFAULT_PLAN})
    taken = set(db.session.scalars(select(Inspection.dedupe_key).where(Inspection.dedupe_key.like("plan:%"))))
    enterprises = db.session.scalars(select(Enterprise).where(Enterprise.active.is_(True)).order_by(Enterprise.id))
    for ent in enterprises:
        period = period_of(month, months.get(ent.risk_level, 6))
        key = f"plan:{ent.id}:{period}"
        counter = result.by_risk.setdefault(ent.risk_level, [0, 0])
        if key in taken:
            counter[1] += 1
            result.existing += 1
            continue
        counter[0] += 1
        if not dry_run:
            result.created.append(_start(source="plan", actor=user, enterprise=ent, period=period, dedupe_key=key,
                                         reason=f"{period} 例行检查（风险等级：{ent.risk_label}）"))
    return result


def draw_campaign(name: str, count: int, kinds: list[str], risks: list[str], seed: str | None,
                  user: User) -> InspectionCampaign:
    """双随机: draw ``count`` enterprises and two inspectors for each, from a recorded seed.

    The same seed over the same pools (enterprises by id, inspectors by username) draws the
    same selection, so anyone can check the draw afterwards.
    """
    if not can_plan(user):
        raise PermissionDenied(_("只有主管可以发起双随机抽查。"))
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写抽查任务名称。"))
    if count is None or count < 1:
        raise ServiceError(_("抽查企业数量至少为 1。"))
    seed = (seed or "").strip() or secrets.token_hex(4)
    if len(seed) > 40:
        raise ServiceError(_("随机种子不能超过 40 个字符。"))
    query = select(Enterprise).where(Enterprise.active.is_(True))
    if kinds:
        query = query.where(Enterprise.kind.in_(kinds))
    if risks:
        query = query.where(Enterprise.risk_level.in_(risks))
    pool = list(db.session.scalars(query.order_by(Enterprise.id)))
    staff = inspectors()
    if len(staff) < 2:
        raise ServiceError(_("检查员不足两人，无法抽取检查人员。"))
    if count > len(pool):
        raise ServiceError(_("符合条件的企业只有 %(n)s 家，少于抽查数量 %(count)s。", n=len(pool), count=count))
    chosen, pairs = draw(seed, [e.id for e in pool], [u.username for u in staff], count)
    by_id = {e.id: e for e in pool}
    by_name = {u.username: u for u in staff}
    with unit_of_work():
        campaign = InspectionCampaign(
            name=name[:120], seed=seed, created_at=clock.now(), created_by_id=user.id,
            criteria={"kinds": kinds, "risks": risks, "count": count, "enterprise_pool": [e.id for e in pool],
                      "inspector_pool": [u.username for u in staff]},
            selection=[[eid, a, b] for eid, (a, b) in zip(chosen, pairs, strict=True)])
        db.session.add(campaign)
        db.session.flush()
        for eid, (a, b) in zip(chosen, pairs, strict=True):
            _start(source="random", actor=user, enterprise=by_id[eid], campaign=campaign,
                   reason=f"双随机抽查：{campaign.name}（随机种子 {seed}）", pair=(by_name[a], by_name[b]))
    return campaign


def draw(seed: str, enterprise_ids: list[int], inspector_names: list[str], count: int):
    """The draw itself (pure): enterprises in draw order, and a distinct pair of inspectors for each."""
    rng = random.Random(f"jiesu-random-{seed}")
    chosen = rng.sample(sorted(enterprise_ids), count)
    pairs = [tuple(rng.sample(sorted(inspector_names), 2)) for _ in chosen]
    return chosen, pairs


# -- evidence -------------------------------------------------------------------------------------------

def can_add_evidence(user: User, insp: Inspection) -> bool:
    return any(inbox.can_complete(user, w) for w in open_items(insp) if w.spec_name in CHECK_TASKS)


def add_evidence(insp: Inspection, user: User, upload) -> Evidence:
    """Store one photo or document for the inspection's current check (one transaction per file)."""
    if not can_add_evidence(user, insp):
        raise PermissionDenied(_("只有正在办理本次检查的检查员可以上传证据。"))
    stored = files.store(upload.stream, upload.filename)
    try:
        with unit_of_work():
            existing = db.session.scalar(select(Evidence).where(Evidence.inspection_id == insp.id,
                                                                Evidence.sha256 == stored.sha256))
            if existing is not None:
                return existing
            row = Evidence(inspection_id=insp.id, sha256=stored.sha256, stored_path=stored.stored_path,
                           original_name=stored.original_name, content_type=stored.content_type, size=stored.size,
                           uploaded_by_id=user.id, uploaded_at=clock.now())
            db.session.add(row)
    except IntegrityError:  # the same file, uploaded twice at once
        row = db.session.scalar(select(Evidence).where(Evidence.inspection_id == insp.id,
                                                       Evidence.sha256 == stored.sha256))
    return row


def get_evidence(evidence_id: int, user: User) -> Evidence:
    row = db.session.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(_("文件不存在。"))
    if not can_view(user, get(row.inspection_id)):
        raise PermissionDenied(_("您无权查看该检查的证据。"))
    return row


# -- on-site check and re-inspection ----------------------------------------------------------------------

@dataclass
class CheckInput:
    """What the on-site form collected (already validated by the form)."""

    answers: dict[str, tuple[str, str]]  # item id -> (合格/不合格/不适用, note)
    checked_at: datetime
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    location_note: str
    findings: str
    rectify_days: int | None
    legal_basis: str
    requirements: str
    evidence_ids: list[int]


def check_item_for(insp: Inspection, item_id: int) -> WorkItem:
    item = db.session.get(WorkItem, item_id)
    if item is None or item.business_key != insp.business_key:
        raise NotFound(_("任务不存在。"))
    return item


def validate_check(insp: Inspection, item: WorkItem, data: CheckInput) -> dict[str, str]:
    """Checks beyond the form's own: {field: message}."""
    problems = {}
    now = clock.now()
    if data.checked_at > now + timedelta(minutes=5):
        problems["checked_at"] = _("检查时间不能晚于现在")
    elif data.checked_at < insp.created_at - timedelta(minutes=5):
        problems["checked_at"] = _("检查时间不能早于检查任务生成时间")
    has_gps = data.latitude is not None and data.longitude is not None
    if not has_gps and not data.location_note.strip():
        problems["location_note"] = _("未取得定位：请手工填写检查地点")
    failed = [k for k, (result, _note) in data.answers.items() if result == "不合格"]
    if failed and not data.findings.strip():
        problems["findings"] = _("有不合格项时请填写检查情况")
    if failed and not data.evidence_ids:
        problems["photos"] = _("有不合格项时请至少上传一张照片或一份文件作为证据")
    if failed and item.spec_name == "onsite_check":
        if data.rectify_days is None:
            problems["rectify_days"] = _("有不合格项时请填写整改期限")
        elif not 1 <= data.rectify_days <= 60:
            problems["rectify_days"] = _("整改期限应为 1 至 60 个工作日")
        if not data.requirements.strip():
            problems["requirements"] = _("有不合格项时请填写整改要求")
    if data.evidence_ids:
        ok = set(db.session.scalars(select(Evidence.id).where(
            Evidence.id.in_(data.evidence_ids), Evidence.inspection_id == insp.id, Evidence.record_id.is_(None))))
        if set(data.evidence_ids) - ok:
            problems["photos"] = _("有证据文件不属于本次检查或已提交过，请刷新页面")
    return problems


def submit_check(insp: Inspection, item_id: int, user: User, data: CheckInput, token: str):
    """Record an on-site check (or re-inspection) and move the process; one transaction.

    A retried submission with the same token returns the first one's record and changes nothing.
    """
    token = check_token(token)
    earlier = already_submitted(token, user)
    if earlier is not None:
        return db.session.get(InspectionRecord, int(earlier.ref.split(":")[1]))

    def attempt():
        with unit_of_work(inbox.ALREADY_DONE):
            item = check_item_for(insp, item_id)
            if item.state != "ready":
                raise Conflict(inbox.ALREADY_DONE)
            if not inbox.can_complete(user, item):
                raise PermissionDenied(_("您不是本次检查的检查员，不能提交。"))
            problems = validate_check(insp, item, data)
            if problems:
                raise InvalidCheck(problems)
            record = _record(insp, item, user, data)
            result = record.result
            variables = {"check_result": result, "checked_at": to_iso(data.checked_at),
                         "findings": data.findings.strip(), f"{item.spec_name}_by": user.username,
                         "failed_items": [a["text"] for a in record.failed]}
            if item.spec_name == "onsite_check":
                variables["rectify_days"] = data.rectify_days if result == "不合格" else None
            try:
                snap = instances.complete_task(item.instance, item.task_guid, variables)
            except TaskNotReady as exc:
                raise Conflict(inbox.ALREADY_DONE) from exc
            except EngineError as exc:
                raise ServiceError(str(exc)) from exc
            if item.assignee_id is None:
                item.assignee_id, item.claimed_at = user.id, clock.now()
            order = None
            if result == "不合格" and item.spec_name == "onsite_check":
                order = RectificationOrder(
                    inspection_id=insp.id, record_id=record.id, issued_at=clock.now(),
                    deadline=to_datetime(snap.data["rectify_deadline"]), workdays=data.rectify_days,
                    findings=_findings_text(record), legal_basis=data.legal_basis.strip() or _bases(record),
                    requirements=data.requirements.strip(), issued_by_id=user.id)
                db.session.add(order)
                db.session.flush()
            apply_snapshot(item.instance, None, snap, user, completed_guid=item.task_guid)
            _after_check(insp, record, order, user)
            _record_token(token, user, "inspection_check", f"record:{record.id}")
        return record

    def run():
        try:
            return attempt()
        except StaleState:  # a timer fired on the instance meanwhile: once more on fresh state
            db.session.expire_all()
            return attempt()

    result = _retry_safe(token, user, run)
    return db.session.get(InspectionRecord, int(result.ref.split(":")[1])) if isinstance(result, SubmitToken) \
        else result


class InvalidCheck(ServiceError):
    def __init__(self, problems: dict[str, str]):
        super().__init__("；".join(problems.values()))
        self.problems = problems


def _record(insp: Inspection, item: WorkItem, user: User, data: CheckInput) -> InspectionRecord:
    answers = []
    for entry in checklist(insp):
        result, note = data.answers.get(entry["id"], ("", ""))
        answers.append({"id": entry["id"], "text": entry["text"], "basis": entry.get("basis", ""),
                        "result": result, "note": note.strip()[:500]})
    failed = any(a["result"] == "不合格" for a in answers)
    record = InspectionRecord(
        inspection_id=insp.id, round=2 if item.spec_name == "reinspect" else 1, checked_at=data.checked_at,
        latitude=data.latitude, longitude=data.longitude, accuracy=data.accuracy,
        location_note=data.location_note.strip()[:200], answers=answers, result="不合格" if failed else "合格",
        findings=data.findings.strip(), submitted_by_id=user.id, submitted_at=clock.now())
    db.session.add(record)
    db.session.flush()
    if data.evidence_ids:
        db.session.execute(db.update(Evidence).where(Evidence.id.in_(data.evidence_ids),
                                                     Evidence.inspection_id == insp.id,
                                                     Evidence.record_id.is_(None)).values(record_id=record.id)
                           .execution_options(synchronize_session=False))
    return record


def _failed_text(record: InspectionRecord) -> str:
    return "；".join(a["text"] + (f"（{a['note']}）" if a.get("note") else "") for a in record.failed)


def _bases(record: InspectionRecord) -> str:
    """The legal bases of the failed items, each once, in checklist order."""
    bases = []
    for answer in record.failed:
        if answer.get("basis") and answer["basis"] not in bases:
            bases.append(answer["basis"])
    return "、".join(bases)


def _findings_text(record: InspectionRecord) -> str:
    lines = [f"{n}. {a['text']}：不合格" + (f"（{a['note']}）" if a["note"] else "")
             for n, a in enumerate(record.failed, start=1)]
    if record.findings:
        lines.append(record.findings)
    return "\n".join(lines)


def _names(insp: Inspection) -> str:
    return "、".join(u.name for u in insp.inspectors)


def _local_date(dt: datetime) -> str:
    local = dt.astimezone(LOCAL_TZ)
    return f"{local.year}年{local.month}月{local.day}日"


def summary_text(insp: Inspection, record: InspectionRecord, order: RectificationOrder | None) -> str:
    """The findings as a sentence for the ticket's reply draft (答复口径)."""
    who = _names(insp)
    when = _local_date(record.checked_at)
    what = "复查" if record.round == 2 else "现场核实"
    if record.result == "合格":
        text = f"{when}，我局检查人员{who}到{insp.subject_name}进行{what}，检查{len(record.answers)}项，未发现违规问题。"
        if record.findings:
            text += record.findings.rstrip("。") + "。"
        return text
    problems = _failed_text(record)
    text = f"{when}，我局检查人员{who}到{insp.subject_name}进行{what}，发现以下事项不符合要求：{problems}。"
    if record.findings:
        text += record.findings.rstrip("。") + "。"
    if order is not None:
        text += (f"我局已下达责令改正通知书（{order.notice_no}），责令其于{_local_date(order.deadline)}前整改完毕，"
                 f"并将按期复查。")
    elif record.round == 2:
        text += "该单位逾期未整改到位，我局已依法移交立案查处。"
    return text


def _after_check(insp: Inspection, record: InspectionRecord, order: RectificationOrder | None, user: User) -> None:
    what = "整改复查" if record.round == 2 else "现场检查"
    title = f"{what}：{record.result}"
    data = [["检查时间", _fmt(record.checked_at)], ["检查地点", _place(record)]]
    if record.failed:
        data.append(["不合格项", _failed_text(record)])
    if record.findings:
        data.append(["检查情况", record.findings])
    if order is not None:
        data.append(["整改期限", _fmt(order.deadline)])
        data.append(["责令改正通知书", order.notice_no])
    _event(insp, "check", title, user, data)
    if record.round == 2:
        for o in open_orders(insp):
            o.status = "整改合格" if record.result == "合格" else "逾期未改正"
            o.closed_at = clock.now()
    insp.summary = summary_text(insp, record, order)
    if insp.ticket is not None:
        report_to_ticket(insp, record, order, user)


def _fmt(dt: datetime) -> str:
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _place(record: InspectionRecord) -> str:
    parts = []
    if record.latitude is not None and record.longitude is not None:
        gps = f"GPS {record.latitude:.6f}, {record.longitude:.6f}"
        if record.accuracy is not None:
            gps += f"（精度约 {record.accuracy:.0f} 米）"
        parts.append(gps)
    if record.location_note:
        parts.append(record.location_note)
    return "；".join(parts)


def report_to_ticket(insp: Inspection, record: InspectionRecord, order: RectificationOrder | None,
                     user: User | None) -> bool:
    """Findings into the ticket's timeline; the ticket's process gets ``inspection_result`` if it waits.

    Returns True when the message was delivered to the ticket's process.
    """
    ticket = insp.ticket
    what = "整改复查结果" if record.round == 2 else "现场核实结果"
    data = [["检查编号", insp.number], ["被检查单位", insp.subject_name], ["检查人员", _names(insp)],
            ["检查时间", _fmt(record.checked_at)], ["结论", record.result]]
    if record.failed:
        data.append(["不合格项", _failed_text(record)])
    if record.findings:
        data.append(["检查情况", record.findings])
    if order is not None:
        data.append(["整改期限", _fmt(order.deadline)])
    data.append(["答复口径参考", insp.summary])
    db.session.add(TicketEvent(ticket_id=ticket.id, at=clock.now(), actor_id=user.id if user else None,
                               kind="inspection", title=f"{what}：{record.result}（{insp.subject_name}）", data=data))
    instance = tickets.ticket_instance(ticket)
    if instance is None or instance.status != "running":
        return False
    if RESULT_MESSAGE not in instances.waiting_messages(instance):
        return False
    payload = {"inspection_id": insp.id, "inspection_no": insp.number, "result": record.result,
               "round": record.round, "failed_items": [a["text"] for a in record.failed],
               "findings": record.findings, "summary": insp.summary,
               "rectify_deadline": to_iso(order.deadline) if order else None}
    try:
        snap = instances.send_message(instance, RESULT_MESSAGE, payload, result_var=RESULT_MESSAGE)
    except NotWaiting:
        return False
    apply_snapshot(instance, ticket, snap, user)
    db.session.add(TicketEvent(ticket_id=ticket.id, at=clock.now(), kind="inspection",
                               title="核查结果已送达办理流程"))
    return True


# -- the other tasks (assign, refer) go through the inbox service ---------------------------------------

def complete_task(item: WorkItem, user: User, data: dict, display: list) -> WorkItem:
    return inbox.complete(item.id, user, data, display)


# -- keeping the inspection row in step with its process (hooks) -----------------------------------------

_END_STATES = {"检查合格": "检查合格", "整改合格": "整改合格", "立案移交": "立案移交"}


def _user_by_name(username: str | None) -> User | None:
    if not username:
        return None
    return db.session.scalar(select(User).where(User.username == username))


def on_instance_changed(instance: ProcessInstance, snap) -> None:
    insp = for_key(instance.business_key)
    if insp is None:
        return
    now = clock.now()
    data = snap.data or {}
    done = snap.completed_task or {}
    actor = _user_by_name((done.get("data") or {}).get(f"{done.get('spec_name')}_by"))
    if done.get("spec_name") == "assign_inspectors":
        first, second = _user_by_name(data.get("inspector_1")), _user_by_name(data.get("inspector_2"))
        insp.inspector1_id = first.id if first else None
        insp.inspector2_id = second.id if second else None
        _event(insp, "assign", "指派检查员：" + "、".join(u.name for u in (first, second) if u), actor,
               [["指派说明", data.get("assign_note")]] if data.get("assign_note") else None)
    if done.get("spec_name") == "refer_case":
        info = done.get("data") or {}
        rows = [["移交单位", info.get("referred_to") or ""], ["移交文号", info.get("referral_no") or ""],
                ["移交说明", info.get("referral_note") or ""]]
        _event(insp, "refer", "立案移交", actor, [r for r in rows if r[1]])
        for order in [o for o in orders_of(insp) if o.status in ("整改中", "逾期未改正")]:
            order.status, order.closed_at = "立案移交", now
        if insp.ticket is not None:
            db.session.add(TicketEvent(ticket_id=insp.ticket_id, at=now, actor_id=actor.id if actor else None,
                                       kind="inspection", title=f"立案移交：{insp.subject_name}（{insp.number}）",
                                       data=[r for r in rows if r[1]]))
    for name in snap.fired_timers:
        _event(insp, "timer", f"定时器触发：{name}")
    for kind, message in snap.notifications:
        _event(insp, "alert", f"{kind}：{message}")
    if snap.completed or snap.end_event:
        if insp.closed_at is None:
            insp.status = insp.outcome = _END_STATES.get(snap.end_event, snap.end_event or "已结束")
            insp.closed_at = now
            _event(insp, "closed", f"检查结束：{insp.status}")
        return
    states = [rt.ticket_state for rt in snap.ready_tasks if rt.ticket_state]
    insp.status = states[0] if states else "整改中"


def _retitle(item: WorkItem, instance) -> None:
    insp = for_key(instance.business_key)
    if insp is not None:
        item.title = f"{item.title}：{insp.subject_name}"[:120]


hooks.instance_changed.append(on_instance_changed)
hooks.work_item_created.append(_retitle)

