"""响应 first contact with the caller: its time is what the response rate (响应率) is judged on."""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.engine.expressions import to_datetime
from app.services import _
from app.tasks import TaskContext, TaskHandler


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
        if ticket is not None and value and ticket.first_contact_at is None:
            ticket.first_contact_at = to_datetime(value)
