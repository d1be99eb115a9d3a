"""回复审核 review: an approved reply is kept on the ticket and queued for the platform.

The text is the 答复口径 (``reply_draft``) of the handling the reviewer approved, read from the
process data the completion just produced (``ctx.snapshot``), in the transaction of the approval.
"""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.services import outbox
from app.tasks import TaskContext, TaskHandler


class ReviewHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        ticket = ctx.ticket
        if ticket is None or ctx.data.get(lifecycle.REVIEW_DECISION) != lifecycle.REVIEW_APPROVED:
            return
        process_data = ctx.snapshot.data if ctx.snapshot is not None else {}
        now = clock.now()
        ticket.reply_text = str(process_data.get(lifecycle.REPLY_DRAFT) or "").strip()
        ticket.replied_at = now
        outbox.enqueue(ticket, "reply", {
            "reply_text": ticket.reply_text,
            "replied_at": to_iso(now),
            "section": process_data.get("section_name") or (ticket.section.name if ticket.section else ""),
            "rework": int(process_data.get(lifecycle.REWORK_COUNT) or 0) > 0,
        })
