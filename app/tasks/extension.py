"""延期审批: an approved date must be later than the current deadline and within the limit."""

from app.diagrams import extension as diagram
from app.engine.expressions import to_datetime
from app.services import _, casework, deadline_extension
from app.tasks import TaskContext, TaskHandler


class ExtensionReviewHandler(TaskHandler):
    def validate(self, ctx: TaskContext) -> dict[str, str]:
        ticket = ctx.ticket
        if ctx.data.get(diagram.DECISION) != diagram.APPROVE or ticket is None:
            return {}
        if ticket.closed_at is not None or ticket.reply_deadline is None:
            return {diagram.DECISION: _("工单已结束，延期无法生效，只能驳回。")}
        if ticket.state not in deadline_extension.HANDLING_STATES:  # the reply was reported meanwhile
            return {diagram.DECISION: _("工单已过办理阶段（当前为“%(state)s”），延期已无必要，只能驳回。",
                                        state=ticket.state)}
        value = ctx.data.get(diagram.APPROVED_DEADLINE)
        if not value:  # as asked: still valid? (a 二次办理 may have moved the deadline meanwhile)
            pending = casework.open_request(ticket, deadline_extension.KIND)
            asked = pending.requested_deadline if pending else None
            message = deadline_extension.check_deadline(ticket, asked) if asked else None
            return {diagram.APPROVED_DEADLINE: _("申请的时限已不可用：%(why)s 请填写批准的新办理时限。", why=message)} \
                if message else {}
        message = deadline_extension.check_deadline(ticket, to_datetime(value))
        return {diagram.APPROVED_DEADLINE: message} if message else {}
