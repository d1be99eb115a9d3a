"""回复审核 review: the draft judged and the comment are kept for a later review; the reply itself is
reported when the flow passes 回复上报 (app/services/replies.py)."""

from app.diagrams import ticket_lifecycle as lifecycle
from app.services import _, rework
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

    def after_submit(self, ctx: TaskContext) -> None:
        """Say what happened: the reply is reported when the flow passed 回复上报 (app/services/replies.py),
        which a process owner may have put further on (a leader's approval first)."""
        if ctx.data.get(lifecycle.REVIEW_DECISION) != lifecycle.REVIEW_APPROVED or ctx.snapshot is None:
            return
        if lifecycle.RECORD_REPLY in ctx.snapshot.passed:
            ctx.result["message"] = _("审核通过：答复已上报平台，工单进入回访。")
        else:
            ctx.result["message"] = _("审核通过：答复尚未上报，流程转入下一步。")
