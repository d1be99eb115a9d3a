"""回访 callback: the outcome the rates are computed from is kept on the ticket (the last one counts)."""

from app.engine.clock import clock
from app.tasks import TaskHandler, register


@register("callback")
class CallbackHandler(TaskHandler):
    def after_submit(self, ticket, data, actor):
        contacted = data.get("callback_contacted") == "是"
        ticket.callback_contacted = contacted
        ticket.callback_at = clock.now()
        if contacted:
            ticket.callback_resolved = data.get("callback_resolved") or ""
            ticket.callback_satisfied = data.get("callback_satisfied") or ""
            ticket.outcome = f"{ticket.callback_resolved}/{ticket.callback_satisfied}"
        else:
            ticket.callback_resolved = ticket.callback_satisfied = ""
            ticket.outcome = data.get("callback_unreached") or "未联系上"
