"""签收 sign: a return (退回) or a transfer (转派) is recorded as the ticket's outcome and queued for
the platform that sent the ticket, in the transaction of the sign decision."""

from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.services import outbox
from app.tasks import TaskHandler, register


@register("sign")
class SignHandler(TaskHandler):
    def after_submit(self, ticket, data, actor):
        decision = data.get("sign_decision")
        if ticket is None or decision not in ("退回", "转派"):
            return
        now = to_iso(clock.now())
        note = (data.get("sign_note") or "").strip()
        if decision == "退回":
            reason = data.get("return_reason") or ""
            ticket.outcome = f"退回：{reason}"
            outbox.enqueue(ticket, "return", {"return_reason": reason, "note": note, "returned_at": now})
        else:
            unit = (data.get("transfer_unit") or "").strip()
            reason = (data.get("transfer_reason") or "").strip()
            ticket.outcome = f"转派：{unit}"[:40]
            outbox.enqueue(ticket, "transfer", {"target_unit": unit, "transfer_reason": reason, "note": note,
                                                "transferred_at": now})
