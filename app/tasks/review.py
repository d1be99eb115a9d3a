"""回复审核 review: an approved reply is kept on the ticket and queued for the platform.

The text is the 答复口径 (``reply_draft``) of the handling the reviewer approved, read from the
process data the completion just produced (``ctx.snapshot``), in the transaction of the approval.
"""

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.services import _, outbox, rework
from app.tasks import TaskContext, TaskHandler


class ReviewHandler(TaskHandler):
    def notices(self, item, variables: dict) -> list:
        notice = rework.review_notice(item, variables)
        return [notice] if notice is not None else []

    def before_submit(self, ctx: TaskContext) -> None:
        """Keep the draft judged now and the comment, so a later review can show what changed."""
        variables = ctx.variables()
        ctx.data[rework.REVIEWED_DRAFT] = str(variables.get(lifecycle.REPLY_DRAFT) or "")
        ctx.data[rework.REVIEWED_COMMENT] = str(ctx.data.get(lifecycle.REVIEW_COMMENT) or "")
        if ctx.data.get(lifecycle.REVIEW_DECISION) == lifecycle.REVIEW_RETURNED:
            ctx.result["message"] = _("已退回修改：承办人将按审核意见修改答复后重新提交。")
        elif ctx.data.get(lifecycle.REVIEW_DECISION) == lifecycle.REVIEW_APPROVED:
            ctx.result["message"] = _("审核通过：答复已上报平台，工单进入回访。")

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
