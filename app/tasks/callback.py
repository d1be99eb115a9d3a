"""回访 callback: the outcome the rates are computed from is kept on the ticket."""

from app.tasks import TaskHandler, register


@register("callback")
class CallbackHandler(TaskHandler):
    def after_submit(self, ticket, data, actor):
        if data.get("callback_contacted") == "是":
            ticket.outcome = f"{data.get('callback_resolved', '')}/{data.get('callback_satisfied', '')}"
        else:
            ticket.outcome = data.get("callback_unreached") or "未联系上"
