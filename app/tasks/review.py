"""回复审核 review: an approved reply is kept on the ticket and queued for the platform.

The text is the 答复口径 (``reply_draft``) of the handling the reviewer approved; it is read
from the process, which carries it from 办理 to 回复审核, in the transaction of the approval.
"""

from app.engine import instances
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.services import outbox
from app.services.tickets import ticket_instance
from app.tasks import TaskHandler, register


@register("review")
class ReviewHandler(TaskHandler):
    def after_submit(self, ticket, data, actor):
        if ticket is None or data.get("review_decision") != "通过":
            return
        instance = ticket_instance(ticket)
        process_data = instances.snapshot(instance).data if instance is not None else {}
        now = clock.now()
        ticket.reply_text = str(process_data.get("reply_draft") or "").strip()
        ticket.replied_at = now
        outbox.enqueue(ticket, "reply", {
            "reply_text": ticket.reply_text,
            "replied_at": to_iso(now),
            "section": process_data.get("section_name") or (ticket.section.name if ticket.section else ""),
            "rework": int(process_data.get("rework_count") or 0) > 0,
        })
