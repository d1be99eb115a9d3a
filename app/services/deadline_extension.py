"""延期申请: a handler asks for more time before the reply deadline; the supervisor decides.

processes/extension.bpmn decides. On approval every timer of the ticket's lifecycle that
hangs on the deadline (催办 at urge_at, 超期 at reply_deadline) and the due dates of its
open tasks move to the new deadline (``instances.move_deadlines`` on the lifecycle
instance), the ticket keeps its first deadline in ``original_reply_deadline``, and all of
it is saved with the supervisor's decision in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from app.diagrams import extension as diagram
from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import calendar_store, instances
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_datetime, to_iso
from app.extensions import db
from app.models import CaseRequest, Ticket, User
from app.services import N_, Conflict, InvalidInput, ServiceError, _, casework, tickets, time_rules
from app.services import casework_settings as config
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

PROCESS = "extension"
KIND = "extension"
# The lifecycle's task states while the reply is being prepared (ticket.bpmn's ticket_state properties).
HANDLING_STATES = (lifecycle.STATE_RESPONDING, lifecycle.STATE_HANDLING, lifecycle.STATE_REVIEWING)


def max_deadline(ticket: Ticket) -> datetime:
    """The latest deadline an extension may reach: N working days after receipt (a setting)."""
    cal = calendar_store.get_calendar()
    return cal.add_workdays(ticket.received_at, config.extension_max_workdays())


def refusal(ticket: Ticket, now: datetime | None = None) -> str | None:
    """Why no extension can be asked for now (None: it can)."""
    now = now or clock.now()
    if ticket.closed_at is not None:
        return _("工单已结束，不能申请延期。")
    if ticket.state not in HANDLING_STATES:
        return _("工单当前为“%(state)s”，办理阶段（待响应、办理中、待审核）才能申请延期。", state=ticket.state)
    if ticket.reply_deadline is None or ticket.reply_deadline <= now:
        return _("已过办理时限（%(deadline)s），延期须在时限届满前申请。",
                 deadline=casework.local_text(ticket.reply_deadline))
    pending = casework.open_request(ticket, KIND)
    if pending is not None:
        return _("已有待审批的延期申请（%(at)s 提出），请等待主管审批。", at=casework.local_text(pending.requested_at))
    if max_deadline(ticket) <= ticket.reply_deadline:
        return _("办理时限已达延期上限（收件后 %(n)s 个工作日），不能再延期。", n=config.extension_max_workdays())
    return None


def check_deadline(ticket: Ticket, new_deadline: datetime | None) -> str | None:
    """What is wrong with this new deadline (None: fine)."""
    if new_deadline is None:
        return _("请选择延期后的办理时限。")
    if new_deadline <= ticket.reply_deadline:
        return _("延期后的办理时限须晚于现办理时限 %(deadline)s。", deadline=casework.local_text(ticket.reply_deadline))
    day = new_deadline.astimezone(LOCAL_TZ).date()
    if not calendar_store.get_calendar().is_workday(day):
        return _("%(day)s 不是工作日，请选择工作日。", day=day.isoformat())
    limit = max_deadline(ticket)
    if new_deadline > limit:
        return _("延期后的办理时限不能晚于 %(max)s（收件后 %(n)s 个工作日）。", max=casework.local_text(limit),
                 n=config.extension_max_workdays())
    return None


def request_extension(ticket_id: int, user: User, reason: str, new_date: date | None) -> CaseRequest:
    """A handler asks to move the reply deadline to ``new_date`` (at the current deadline's time of day)."""
    reason = (reason or "").strip()
    with unit_of_work():
        ticket = casework.get_ticket(ticket_id)
        casework.require_handler(user, ticket, _("申请延期"))
        problem = refusal(ticket)
        if problem:
            raise Conflict(problem)
        errors = {}
        if not reason:
            errors["reason"] = _("请填写延期理由。")
        elif len(reason) > 500:
            errors["reason"] = _("延期理由不能超过 500 个字。")
        new_deadline = casework.as_deadline(new_date, ticket.reply_deadline) if new_date else None
        if (message := check_deadline(ticket, new_deadline)) is not None:
            errors["new_date"] = message
        if errors:
            raise InvalidInput(errors)
        now = clock.now()
        req = CaseRequest(ticket_id=ticket.id, kind=KIND, status="pending", requested_by_id=user.id,
                          requested_at=now, reason=reason, previous_deadline=ticket.reply_deadline,
                          requested_deadline=new_deadline)
        casework.event(ticket, user, N_("申请延期"), [[N_("延期理由"), reason],
                                              [N_("现办理时限"), casework.local_text(ticket.reply_deadline)],
                                              [N_("申请延至"), casework.local_text(new_deadline)]])
        casework.start_process(PROCESS, req, ticket, {
            "requested_by": user.username, "reason": reason,
            "current_deadline": to_iso(ticket.reply_deadline), "requested_deadline": to_iso(new_deadline),
            "max_deadline": to_iso(max_deadline(ticket))}, user)
    return req


def approved_deadline(req: CaseRequest, data: dict) -> datetime:
    value = data.get("approved_deadline")
    return to_datetime(value) if value else req.requested_deadline


@casework.follows_request
def follow_process(instance, snap, req: CaseRequest, ticket: Ticket) -> None:
    if not snap.completed or req.status != "pending":
        return
    data = snap.data
    req.decided_by_id = getattr(casework.user_by_name(data.get("extension_review_by")), "id", None)
    req.decided_at = clock.now()
    req.decision_note = data.get("extension_comment") or ""
    decider = db.session.get(User, req.decided_by_id) if req.decided_by_id else None
    if snap.end_event != diagram.END_APPROVED:
        req.status = "rejected"
        casework.event(ticket, decider, N_("延期申请未获批准"), [[N_("审批意见"), req.decision_note]])
        return
    new_deadline = approved_deadline(req, data)
    req.status = "approved"
    req.approved_deadline = new_deadline
    move(ticket, new_deadline, decider)


def move(ticket: Ticket, new_deadline: datetime, actor: User | None) -> None:
    """Move the lifecycle's reply deadline, its 催办 point and the timers and task due dates on them."""
    lifecycle = tickets.ticket_instance(ticket)
    if lifecycle is None or lifecycle.status != "running" or ticket.closed_at is not None:
        raise ServiceError(_("工单已结束，延期无法生效。"))
    before = ticket.reply_deadline
    urge_at = calendar_store.get_calendar().add_workdays(new_deadline, -time_rules.urge_workdays())
    snap = instances.move_deadlines(lifecycle, {"reply_deadline": to_iso(new_deadline), "urge_at": to_iso(urge_at)})
    if ticket.original_reply_deadline is None:
        ticket.original_reply_deadline = before
    apply_snapshot(lifecycle, ticket, snap, actor)
    casework.event(ticket, actor, N_("延期已批准，办理时限已调整"), [
        [N_("原办理时限"), casework.local_text(before)], [N_("新办理时限"), casework.local_text(new_deadline)],
        [N_("新催办时点"), casework.local_text(urge_at)]])
