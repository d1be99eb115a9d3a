"""预警 tasks: 确认预警 is the acknowledgement, 预警升级处置 records what was done after escalation."""

from app.diagrams import early_warning as diagram
from app.services import early_warning
from app.tasks import TaskContext, TaskHandler


class AcknowledgeHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        warning = early_warning.warning_for_key(ctx.item.business_key)
        if warning is not None:
            early_warning.record_acknowledgement(warning, ctx.actor, ctx.data.get(diagram.ACK_NOTE) or "")


class EscalationHandledHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        warning = early_warning.warning_for_key(ctx.item.business_key)
        if warning is not None:
            early_warning.record_handling(warning, ctx.actor, ctx.data.get(diagram.ESCALATION_ACTION) or "")
