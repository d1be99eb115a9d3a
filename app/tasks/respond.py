"""响应 first contact with the caller: its time is what the response rate (响应率) is judged on."""

from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_datetime
from app.services import _
from app.tasks import TaskHandler, register


@register("respond")
class RespondHandler(TaskHandler):
    def validate(self, ticket, form):
        when = form.data.get("contact_time")
        if when is None:
            return {}
        when = when.replace(tzinfo=LOCAL_TZ) if when.tzinfo is None else when
        if when > clock.now():
            return {"contact_time": _("联系时间不能晚于现在")}
        if ticket is not None and when < ticket.received_at.replace(second=0, microsecond=0):
            return {"contact_time": _("联系时间不能早于工单接收时间")}
        return {}

    def after_submit(self, ticket, data, actor):
        if ticket is not None and data.get("contact_time") and ticket.first_contact_at is None:
            ticket.first_contact_at = to_datetime(data["contact_time"])
