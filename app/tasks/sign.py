"""签收 sign: a return (退回) or a transfer (转派) is recorded as the ticket's outcome and queued for
the platform that sent the ticket, in the transaction of the sign decision."""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.services import _, outbox
from app.tasks import TaskContext, TaskHandler


class SignHandler(TaskHandler):
    def validate(self, ctx: TaskContext) -> dict[str, str]:
        """What belongs to another decision is refused, not recorded (a 退回原因 under 签收 would stand in
        the 办理记录 and the platform's outbox as if the ticket had been returned)."""
        decision, errors = ctx.data.get(lifecycle.SIGN_DECISION), {}
        if decision != lifecycle.SIGN_RETURN and ctx.data.get(lifecycle.RETURN_REASON):
            errors[lifecycle.RETURN_REASON] = _("签收结果不是“退回”，不能填写“退回原因”：请清除该项，或把签收结果改为“退回”。")
        if decision != lifecycle.SIGN_TRANSFER:
            for name, label in ((lifecycle.TRANSFER_UNIT, _("转派单位")), (lifecycle.TRANSFER_REASON, _("转派理由"))):
                if (ctx.data.get(name) or "").strip():
                    errors[name] = _("签收结果不是“转派”，不能填写“%(field)s”：请清除该项，或把签收结果改为“转派”。",
                                     field=label)
        return errors

    def after_submit(self, ctx: TaskContext) -> None:
        ticket, data = ctx.ticket, ctx.data
        decision = data.get(lifecycle.SIGN_DECISION)
        ctx.result["message"] = _message(data)
        if ticket is None or decision not in (lifecycle.SIGN_RETURN, lifecycle.SIGN_TRANSFER):
            return
        now = to_iso(clock.now())
        note = (data.get(lifecycle.SIGN_NOTE) or "").strip()
        if decision == lifecycle.SIGN_RETURN:
            reason = data.get(lifecycle.RETURN_REASON) or ""
            ticket.outcome = f"退回：{reason}"
            outbox.enqueue(ticket, "return", {"return_reason": reason, "note": note, "returned_at": now})
        else:
            unit = (data.get(lifecycle.TRANSFER_UNIT) or "").strip()
            reason = (data.get(lifecycle.TRANSFER_REASON) or "").strip()
            ticket.outcome = f"转派：{unit}"[:40]
            outbox.enqueue(ticket, "transfer", {"target_unit": unit, "transfer_reason": reason, "note": note,
                                                "transferred_at": now})


def _message(data: dict) -> str:
    """The confirmation of what was decided: a return is no 签收."""
    decision = data.get(lifecycle.SIGN_DECISION)
    if decision == lifecycle.SIGN_RETURN:
        return _("已退回：%(reason)s。退回信息已进入上报队列，平台将另行派单。", reason=data.get(lifecycle.RETURN_REASON) or "")
    if decision == lifecycle.SIGN_TRANSFER:
        return _("已转派至 %(unit)s。转派信息已进入上报队列。", unit=(data.get(lifecycle.TRANSFER_UNIT) or "").strip())
    return _("已签收。")
