"""挂账审批 (the review date must be a sensible day) and 挂账案件月度复核 (销账 with the task)."""

from app.diagrams import carried as diagram
from app.engine.clock import LOCAL_TZ
from app.engine.expressions import to_datetime
from app.services import carried
from app.tasks import TaskContext, TaskHandler


class CarryReviewHandler(TaskHandler):
    def validate(self, ctx: TaskContext) -> dict[str, str]:
        value = ctx.data.get(diagram.REVIEW_DATE)
        if ctx.data.get(diagram.DECISION) != diagram.APPROVE or not value:
            return {}
        message = carried.check_review_date(to_datetime(value).astimezone(LOCAL_TZ).date())
        return {diagram.REVIEW_DATE: message} if message else {}


class MonthlyReviewHandler(TaskHandler):
    """The cases marked done are written off with the task, in its transaction."""

    def after_submit(self, ctx: TaskContext) -> None:
        data = ctx.data
        carried.write_off(data.get("written_off") or [], data.get("review_month_done") or "",
                          data.get("review_note") or "", ctx.actor)
