"""回访 callback: the outcome the rates are computed from is kept on the ticket.

The last *valid* callback counts: an attempt that reaches nobody (无人接听, 无法回访) is recorded
as the ticket's outcome, but it never erases an answer an earlier callback got (e.g. 未解决/不满意
before the 二次办理): ``callback_contacted``/``callback_resolved``/``callback_satisfied``/
``callback_at`` keep describing that callback, and the rates count it (app/services/rates.py).
"""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.tasks import TaskContext, TaskHandler


class CallbackHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        ticket, data = ctx.ticket, ctx.data
        if ticket is None:
            return
        contacted = data.get(lifecycle.CALLBACK_CONTACTED) == lifecycle.CONTACTED_YES
        if contacted:
            ticket.callback_contacted = True
            ticket.callback_at = clock.now()
            ticket.callback_resolved = data.get(lifecycle.CALLBACK_RESOLVED) or ""
            ticket.callback_satisfied = data.get(lifecycle.CALLBACK_SATISFIED) or ""
            ticket.outcome = f"{ticket.callback_resolved}/{ticket.callback_satisfied}"
            return
        ticket.outcome = data.get(lifecycle.CALLBACK_UNREACHED) or "未联系上"
        if not ticket.callback_contacted:  # no valid callback yet: this attempt is the last word
            ticket.callback_contacted = False
            ticket.callback_at = clock.now()
            ticket.callback_resolved = ticket.callback_satisfied = ""
