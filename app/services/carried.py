"""挂账、销账: carried cases and their monthly review.

A ticket that cannot be solved now (it needs policy, money, long works) is carried: the
handler asks with a reason, a plan and a review date (processes/carried.bpmn), the
supervisor approves. On the 1st of every month at 09:00 the long-running process
processes/carried_review_cycle.bpmn (one instance, business key ``carried_review``,
started by ``ensure_review_cycle`` from seed_base) lists the carried cases in a review task
for the supervisor; the cases marked done are written off (销账).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.diagrams import carried as diagram
from app.engine import instances
from app.engine.clock import clock
from app.engine.expressions import to_datetime, to_iso
from app.extensions import db
from app.models import CaseRequest, ProcessInstance, ProcessVersion, Ticket, User, WorkItem
from app.services import (
    N_,
    Conflict,
    InvalidInput,
    PermissionDenied,
    ServiceError,
    _,
    casework,
    completion,
    inbox,
)
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

PROCESS = "carried"
KIND = "carry"
REVIEW_PROCESS = diagram.REVIEW_CYCLE
REVIEW_KEY = "carried_review"  # the business key of the one running review cycle


def refusal(ticket: Ticket) -> str | None:
    if ticket.carried:
        return _("工单已挂账。")
    if ticket.state in casework.NOT_COUNTED_STATES:
        return _("工单已退回或转派，不能挂账。")
    if casework.open_request(ticket, KIND) is not None:
        return _("已有待审批的挂账申请。")
    return None


def check_review_date(day: date | None) -> str | None:
    if day is None:
        return _("请选择计划复核日期。")
    if day <= clock.local_now().date():
        return _("复核日期须晚于今天。")
    if (day - clock.local_now().date()).days > 366 * 2:
        return _("复核日期不能超过两年。")
    return None


def request_carry(ticket_id: int, user: User, reason: str, plan: str, review_date: date | None) -> CaseRequest:
    reason, plan = (reason or "").strip(), (plan or "").strip()
    with unit_of_work():
        ticket = casework.get_ticket(ticket_id)
        casework.require_handler(user, ticket, _("申请挂账"))
        problem = refusal(ticket)
        if problem:
            raise Conflict(problem)
        errors = {}
        if not reason:
            errors["reason"] = _("请填写暂时无法解决的原因。")
        elif len(reason) > 500:
            errors["reason"] = _("原因不能超过 500 个字。")
        if not plan:
            errors["plan"] = _("请填写解决计划。")
        elif len(plan) > 2000:
            errors["plan"] = _("解决计划不能超过 2000 个字。")
        if (message := check_review_date(review_date)) is not None:
            errors["review_date"] = message
        if errors:
            raise InvalidInput(errors)
        now = clock.now()
        req = CaseRequest(ticket_id=ticket.id, kind=KIND, status="pending", requested_by_id=user.id, requested_at=now,
                          ground=reason, reason=plan, review_date=review_date)
        casework.event(ticket, user, N_("申请挂账"), [[N_("暂时无法解决的原因"), reason], [N_("解决计划"), plan],
                                              [N_("计划复核日期"), review_date.isoformat()]])
        casework.start_process(PROCESS, req, ticket, {
            "requested_by": user.username, "reason": reason, "plan": plan,
            "review_date": review_date.isoformat(), "requested_at": to_iso(now)}, user)
    return req


@casework.follows_request
def follow_process(instance, snap, req: CaseRequest, ticket: Ticket) -> None:
    if not snap.completed or req.status != "pending":
        return
    data = snap.data
    decider = casework.user_by_name(data.get("carry_review_by"))
    req.decided_by_id = decider.id if decider else None
    req.decided_at = clock.now()
    req.decision_note = data.get("carry_comment") or ""
    if snap.end_event != diagram.END_CARRIED:
        req.status = "rejected"
        casework.event(ticket, decider, N_("挂账申请未获同意"), [[N_("审批意见"), req.decision_note]])
        return
    req.status = "approved"
    day = to_datetime(data["carry_review_date"]).date() if data.get("carry_review_date") else req.review_date
    ticket.carried = True
    ticket.carry_plan = req.reason
    ticket.carry_review_date = day
    ticket.carried_at = clock.now()
    ticket.written_off_at = None
    casework.event(ticket, decider, N_("已挂账"), [[N_("解决计划"), req.reason], [N_("复核日期"), day.isoformat()]]
                   + ([[N_("审批意见"), req.decision_note]] if req.decision_note else []))


# -- the monthly review ---------------------------------------------------------------------------

def review_instance() -> ProcessInstance | None:
    return db.session.scalar(
        select(ProcessInstance).join(ProcessVersion, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessVersion.process_key == REVIEW_PROCESS, ProcessInstance.status == "running")
        .order_by(ProcessInstance.id.desc()).limit(1))


def ensure_review_cycle() -> ProcessInstance | None:
    """Start the monthly review process unless one runs (idempotent; called by seed_base)."""
    with unit_of_work():
        running = review_instance()
        if running is not None or instances.current_version(REVIEW_PROCESS) is None:
            return running
        instance, snap = instances.start(REVIEW_PROCESS, {}, business_key=REVIEW_KEY)
        apply_snapshot(instance, None, snap)
    return instance


def review_cases(item: WorkItem) -> list[dict]:
    """The cases a review task lists (as of its month boundary), with each ticket as it is now."""
    variables = inbox.task_variables(item) if item.state == "ready" else {}
    cases = list(variables.get(diagram.REVIEW_CASES) or [])
    rows = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_([c["id"] for c in cases])))}
    return [dict(case, ticket=rows.get(case["id"])) for case in cases]


def review_month(item: WorkItem) -> str:
    return str(inbox.task_variables(item).get(diagram.REVIEW_MONTH) or "") if item.state == "ready" else ""


def complete_review(item_id: int, user: User, written_off: list[int], note: str) -> WorkItem:
    """Finish a month's review: the cases marked done are written off (in the same transaction)."""
    item = inbox.get_item(item_id)
    if item.spec_name != diagram.MONTHLY_REVIEW:
        raise ServiceError(_("这不是挂账案件月度复核任务。"))
    if not user.has_role("supervisor"):
        raise PermissionDenied(_("只有主管可以复核挂账案件。"))
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput({"review_note": _("复核意见不能超过 2000 个字。")})
    listed = {c["id"]: c for c in review_cases(item)}
    unknown = [i for i in written_off if i not in listed]
    if unknown:
        raise ServiceError(_("勾选的工单不在本次复核清单中，请刷新后重试。"))
    chosen = [listed[i] for i in written_off]
    display = [[N_("复核月份"), review_month(item)], [N_("销账"), "、".join(c["ticket_no"] for c in chosen) or "无"],
               [N_("继续挂账"), "、".join(c["ticket_no"] for c in listed.values() if c["id"] not in written_off) or "无"]]
    if note:
        display.append([N_("复核意见"), note])
    data = {"written_off": list(written_off), "review_note": note, "review_month_done": review_month(item)}
    return completion.complete_task(item.id, user, completion.Submission(data, display)).item


def write_off(written_off: list, month: str, note: str, actor: User | None) -> None:
    """销账: the tickets marked done leave the carried list, each with a timeline line."""
    now = clock.now()
    for ticket_id in written_off or []:
        t = db.session.get(Ticket, int(ticket_id))
        if t is None or not t.carried:
            continue  # written off meanwhile (e.g. in an earlier month's task)
        t.carried = False
        t.written_off_at = now
        casework.event(t, actor, N_("销账（挂账案件月度复核 %(month)s）"), [[N_("复核意见"), note]] if note else None,
                       month=month)
