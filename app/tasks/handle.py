"""办理: the reply draft is checked automatically when it goes to review, and the result is kept with it."""

from app.engine.clock import clock
from app.extensions import db
from app.models import TicketEvent
from app.services import _
from app.services.reply_check import check_reply
from app.tasks import TaskHandler, register


def _record(ticket, result, actor, title):
    if ticket is not None:
        db.session.add(TicketEvent(ticket_id=ticket.id, at=clock.now(), actor_id=actor.id if actor else None,
                                   kind="check", title=title, data=result.summary()))


@register("handle")
class HandleHandler(TaskHandler):
    def validate(self, ticket, form):
        """等待现场核实结果 only makes sense while an inspection for this ticket is under way."""
        if "handle_decision" not in form or form.handle_decision.data != "等待现场核实结果" or ticket is None:
            return {}
        from app.services import inspections

        if not any(i.closed_at is None for i in inspections.for_ticket(ticket)):
            return {"handle_decision": _("请先申请现场核实，再选择等待核实结果。")}
        return {}

    def before_submit(self, ticket, data, actor):
        data["reply_check"] = check_reply(data.get("reply_draft", "")).as_dict()
        return data

    def after_submit(self, ticket, data, actor):
        _record(ticket, check_reply(data.get("reply_draft", "")), actor, "答复口径自动检查（提交审核时）")
