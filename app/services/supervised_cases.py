"""督办件: a supervised ticket reports its progress at a set interval until it is closed.

``supervise`` (the supervisor's 督办 button) and ``start_supervision`` (for code already in
a transaction, e.g. the platform API receiving a 督办 message) flag the ticket
(``Ticket.supervised``) and start processes/supervision.bpmn, which asks the ticket's
section for a 督办进展报告 every N working days. Reports are ordinary tasks, so each lands
in the ticket's timeline when it is submitted.

How it ends: before each report the diagram asks ``ticket_open(ticket_id)``; once the
ticket is closed the process ends (a terminate end event, which also withdraws a report
still open). The lifecycle has no hook we could listen to when it closes, and a check in
the loop keeps the rule in the diagram where process owners see it. ``lift`` (解除督办)
ends it at once with the message ``supervision_end``.
"""

from __future__ import annotations

from app.diagrams import supervision as diagram
from app.engine import instances
from app.engine.clock import clock
from app.engine.runtime import EngineError, NotWaiting
from app.extensions import db
from app.models import CaseRequest, ProcessInstance, Ticket, User, WorkItem
from app.services import N_, Conflict, InvalidInput, PermissionDenied, ServiceError, _, casework, timeline
from app.services import casework_settings as config
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

PROCESS = "supervision"
KIND = "supervision"
END_MESSAGE = "supervision_end"
MAX_INTERVAL = 30


def may_supervise(user: User) -> bool:
    return user.has_role("supervisor", "leader")


def refusal(ticket: Ticket) -> str | None:
    if ticket.closed_at is not None:
        return _("工单已结束，不能督办。")
    if ticket.section is None:
        return _("工单尚未分派承办科室，分派后才能督办。")
    return None


def start_supervision(ticket: Ticket, by: User | None, interval_days: int | None = None, note: str = "",
                      source: str = "") -> CaseRequest:
    """Flag the ticket as 督办件 and start its progress reports, in the caller's transaction.

    A ticket already under supervision keeps its process; the new order goes to the timeline.
    """
    problem = refusal(ticket)
    if problem:
        raise Conflict(problem)
    interval = int(interval_days or config.supervision_interval_workdays())
    ticket.supervised = True
    title = N_("督办（%(source)s）") if source else N_("督办")
    display = [[N_("进展报告间隔"), f"{interval} 个工作日"]] + ([[N_("督办要求"), note]] if note else [])
    running = casework.open_request(ticket, KIND)
    if running is not None:
        casework.event(ticket, by, N_("%(order)s：已在督办中，继续按原间隔报告进展"),
                       [[N_("督办要求"), note]] if note else None, order=timeline.render(title, {"source": source}))
        return running
    req = CaseRequest(ticket_id=ticket.id, kind=KIND, status="active", requested_by_id=by.id if by else None,
                      requested_at=clock.now(), reason=note, ground=source, interval_days=interval)
    casework.event(ticket, by, title, display, source=source)
    casework.start_process(PROCESS, req, ticket, {
        "section": ticket.section.code, "interval_days": interval, "note": note,
        "supervised_by": by.username if by else source, "next_report_at": None}, by)
    return req


def is_running(ticket: Ticket) -> bool:
    """Whether the ticket's 督办 is running (its progress reports go on)."""
    return casework.open_request(ticket, KIND) is not None


def supervise(ticket_id: int, user: User, interval_days, note: str) -> CaseRequest:
    """The supervisor's (or leader's) 督办 button."""
    if not may_supervise(user):
        raise PermissionDenied(_("只有主管或分管领导可以督办。"))
    note = (note or "").strip()
    errors = {}
    try:
        interval = int(str(interval_days).strip())
    except (TypeError, ValueError):
        interval = None
        errors["interval_days"] = _("进展报告间隔应为 1 到 %(max)s 之间的整数（工作日）。", max=MAX_INTERVAL)
    if interval is not None and not 1 <= interval <= MAX_INTERVAL:
        errors["interval_days"] = _("进展报告间隔应为 1 到 %(max)s 之间的整数（工作日）。", max=MAX_INTERVAL)
    if len(note) > 500:
        errors["note"] = _("督办要求不能超过 500 个字。")
    if errors:
        raise InvalidInput(errors)
    with unit_of_work():
        ticket = casework.get_ticket(ticket_id)
        return start_supervision(ticket, user, interval, note)


def lift(ticket_id: int, user: User, note: str = "") -> CaseRequest:
    """解除督办: the progress reports stop now (an open report is withdrawn)."""
    if not may_supervise(user):
        raise PermissionDenied(_("只有主管或分管领导可以解除督办。"))
    with unit_of_work():
        ticket = casework.get_ticket(ticket_id)
        req = casework.open_request(ticket, KIND)
        if req is None:
            raise Conflict(_("该工单没有进行中的督办。"))
        instance = db.session.get(ProcessInstance, req.instance_id)
        try:
            snap = instances.send_message(instance, END_MESSAGE, {"by": user.username, "note": note})
        except NotWaiting as exc:
            raise Conflict(_("督办流程当前不能解除，请刷新后重试。")) from exc
        except EngineError as exc:
            raise ServiceError(str(exc)) from exc
        ticket.supervised = False
        casework.event(ticket, user, N_("解除督办"), [[N_("说明"), note]] if note else None)
        apply_snapshot(instance, ticket, snap, user)
    return req


def reports(ticket: Ticket) -> int:
    """How many progress reports were submitted."""
    from sqlalchemy import func, select

    return db.session.scalar(select(func.count(WorkItem.id)).where(
        WorkItem.ticket_id == ticket.id, WorkItem.spec_name == "progress_report", WorkItem.state == "completed"))


@casework.follows_request
def follow_process(instance, snap, req: CaseRequest, ticket: Ticket) -> None:
    if snap.completed and req.status == "active":
        req.status = "ended"
        req.decided_at = clock.now()
        req.decision_note = snap.end_event
        if snap.end_event == diagram.END_TICKET_CLOSED:
            casework.event(ticket, None, N_("督办结束：工单已办结"))
