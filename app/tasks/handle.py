"""办理: the reply draft is checked automatically when it goes to review, and the result is kept with it.

When 办理 comes back (退回修改, 二次办理, a check's result) its form opens with the last submission
and the reason above it (``app/services/rework.py``).
"""

from app.diagrams import ticket_lifecycle as lifecycle
from app.services import N_, _, inspections, rework, timeline
from app.services.reply_check import check_reply
from app.tasks import TaskContext, TaskHandler

CHECKED_ON_SUBMIT = N_("答复口径自动检查（提交审核时）")
CHECKED_FINE = N_("答复口径自动检查（提交审核时）：未发现问题")


class HandleHandler(TaskHandler):
    def prefill(self, item, variables: dict) -> dict:
        return rework.handle_prefill(item, variables)

    def notices(self, item, variables: dict) -> list:
        notice = rework.handle_notice(item, variables)
        return [notice] if notice is not None else []

    def validate(self, ctx: TaskContext) -> dict[str, str]:
        """等待现场核实结果 only makes sense while an inspection for this ticket is under way."""
        if ctx.ticket is None or ctx.data.get(lifecycle.HANDLE_DECISION) != lifecycle.WAIT_FOR_VERIFICATION:
            return {}
        if not any(i.closed_at is None for i in inspections.for_ticket(ctx.ticket)):
            return {lifecycle.HANDLE_DECISION: _("请先申请现场核实，再选择等待核实结果。")}
        return {}

    def before_submit(self, ctx: TaskContext) -> None:
        result = ctx.kept["reply_check"] = check_reply(ctx.data.get(lifecycle.REPLY_DRAFT, ""))
        ctx.data["reply_check"] = result.as_dict()

    def after_submit(self, ctx: TaskContext) -> None:
        result = ctx.kept.get("reply_check") or check_reply(ctx.data.get(lifecycle.REPLY_DRAFT, ""))
        if ctx.ticket is not None:
            timeline.add(ctx.ticket, "check", CHECKED_FINE if result.ok else CHECKED_ON_SUBMIT, ctx.actor,
                         data=result.summary())
        _confirm(ctx, result)


def _confirm(ctx: TaskContext, result) -> None:
    """What the submission did, as the process decided it, with what the reply check found (the reviewer
    sees it too: the handler learns it now rather than from a return)."""
    snapshot = ctx.snapshot
    if snapshot is not None and any(t.spec_name == lifecycle.REVIEW for t in snapshot.ready_tasks):
        problems = result.problems()
        if problems:
            ctx.result["message"] = _("已提交审核。答复口径自动检查提示：%(problems)s。审核人将看到这些提示，"
                                      "如需修改可请审核人退回。", problems="；".join(problems))
            ctx.result["category"] = "warning"
        else:
            ctx.result["message"] = _("已提交审核：答复口径自动检查未发现问题，等待审核。")
    elif ctx.data.get(lifecycle.HANDLE_DECISION) == lifecycle.WAIT_FOR_VERIFICATION:
        ctx.result["message"] = _("已保存办理情况，等待现场核实结果：结果到达或等待超时后，办理任务回到您的待办。")
