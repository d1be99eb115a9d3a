"""回访 callback: the outcome the rates are computed from is kept on the ticket.

The last *valid* callback counts: an attempt that reaches nobody (无人接听, 无法回访) is recorded
as the ticket's outcome, but it never erases an answer an earlier callback got (e.g. 未解决/不满意
before the 二次办理): ``callback_contacted``/``callback_resolved``/``callback_satisfied``/
``callback_at`` keep describing that callback, and the rates count it (app/services/rates.py).
"""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.services import _
from app.tasks import TaskContext, TaskHandler


class CallbackHandler(TaskHandler):
    def validate(self, ctx: TaskContext) -> dict[str, str]:
        """Answers that agree: not reached means nobody said resolved or satisfied, and reached needs no reason."""
        data, errors = ctx.data, {}
        contacted = data.get(lifecycle.CALLBACK_CONTACTED)
        if contacted and contacted != lifecycle.CONTACTED_YES:
            for name, label in ((lifecycle.CALLBACK_RESOLVED, _("是否解决")),
                                (lifecycle.CALLBACK_SATISFIED, _("是否满意"))):
                if data.get(name):
                    errors[name] = _("未联系上来电人，不能填写“%(field)s”：请清除该项，或把“是否联系上”改为“是”。",
                                     field=label)
        elif contacted == lifecycle.CONTACTED_YES and data.get(lifecycle.CALLBACK_UNREACHED):
            errors[lifecycle.CALLBACK_UNREACHED] = _("已联系上来电人，不能填写“未联系上原因”：请清除该项。")
        return errors

    def after_submit(self, ctx: TaskContext) -> None:
        ticket, data = ctx.ticket, ctx.data
        if ticket is None:
            return
        ctx.result["message"] = _outcome_message(ctx)
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


def _outcome_message(ctx: TaskContext) -> str:
    """What the submission did, as the process decided it (closed, second handling, another call)."""
    snapshot = ctx.snapshot
    if snapshot is not None and any(t.spec_name == lifecycle.HANDLE for t in snapshot.ready_tasks):
        return _("已提交回访：未解决或不满意，工单转二次办理。")
    if snapshot is not None and snapshot.completed:
        return _("已提交回访，工单已办结。")
    if ctx.data.get(lifecycle.CALLBACK_CONTACTED) != lifecycle.CONTACTED_YES:
        return _("已记录未联系上，将按规则再次回访。")
    return _("已提交回访。")
