"""签收 sign: a return (退回) or a transfer (转派) is recorded as the ticket's outcome and queued for
the platform that sent the ticket, in the transaction of the sign decision."""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.services import outbox
from app.tasks import TaskContext, TaskHandler


class SignHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        ticket, data = ctx.ticket, ctx.data
        decision = data.get(lifecycle.SIGN_DECISION)
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
