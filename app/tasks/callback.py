"""回访 callback: the outcome the rates are computed from is kept on the ticket (the last one counts)."""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.tasks import TaskContext, TaskHandler


class CallbackHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        ticket, data = ctx.ticket, ctx.data
        if ticket is None:
            return
        contacted = data.get(lifecycle.CALLBACK_CONTACTED) == lifecycle.CONTACTED_YES
        ticket.callback_contacted = contacted
        ticket.callback_at = clock.now()
        if contacted:
            ticket.callback_resolved = data.get(lifecycle.CALLBACK_RESOLVED) or ""
            ticket.callback_satisfied = data.get(lifecycle.CALLBACK_SATISFIED) or ""
            ticket.outcome = f"{ticket.callback_resolved}/{ticket.callback_satisfied}"
        else:
            ticket.callback_resolved = ticket.callback_satisfied = ""
            ticket.outcome = data.get(lifecycle.CALLBACK_UNREACHED) or "未联系上"
