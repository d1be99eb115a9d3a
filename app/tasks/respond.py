"""响应 first contact with the caller: its time is what the response rate (响应率) is judged on."""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_datetime
from app.services import N_, _, timeline
from app.services.casework import local_text
from app.tasks import TaskContext, TaskHandler

LATE_REGISTRATION = N_("响应逾期登记：填写的联系时间 %(contact)s 在时限 %(deadline)s 之内，但 %(registered)s 才登记，"
                       "按登记时间计为响应超时")


class RespondHandler(TaskHandler):
    def validate(self, ctx: TaskContext) -> dict[str, str]:
        value = ctx.data.get(lifecycle.CONTACT_TIME)
        if not value:
            return {}
        when = to_datetime(value)
        if when > clock.now():
            return {lifecycle.CONTACT_TIME: _("联系时间不能晚于现在")}
        if ctx.ticket is not None and when < ctx.ticket.received_at.replace(second=0, microsecond=0):
            return {lifecycle.CONTACT_TIME: _("联系时间不能早于工单接收时间")}
        return {}

    def after_submit(self, ctx: TaskContext) -> None:
        ticket, value = ctx.ticket, ctx.data.get(lifecycle.CONTACT_TIME)
        if ticket is None or not value or ticket.first_contact_at is not None:
            return
        when, now, deadline = to_datetime(value), clock.now(), ticket.response_deadline
        if deadline is not None and now > deadline and when <= deadline:
            # registered only after the deadline had passed: a contact dated inside it cannot be proven,
            # so the response counts from the registration (the typed time stays in the 办理记录)
            ticket.first_contact_at = now
            timeline.add(ticket, "alert", LATE_REGISTRATION, ctx.actor, at=now, contact=local_text(when),
                         deadline=local_text(deadline), registered=local_text(now))
            ctx.result["message"] = _("已登记首次联系。响应时限 %(deadline)s 已过才登记，本单按登记时间计为响应超时。",
                                      deadline=local_text(deadline))
        else:
            ticket.first_contact_at = when
            ctx.result["message"] = _responded(when, deadline)


def _responded(when, deadline) -> str:
    """已响应：首次联系 12-02 10:05（时限内）: the time the response rate judges, and how it stands."""
    at = when.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    if deadline is None:
        return _("已响应：首次联系 %(at)s。", at=at)
    if when <= deadline:
        return _("已响应：首次联系 %(at)s（时限内）。", at=at)
    return _("已响应：首次联系 %(at)s，已超过响应时限 %(deadline)s，本单计为响应超时。", at=at,
             deadline=deadline.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M"))
