"""签收 sign: a return (退回) records its reason as the ticket's outcome."""

from app.tasks import TaskHandler, register


@register("sign")
class SignHandler(TaskHandler):
    def after_submit(self, ticket, data, actor):
        if data.get("sign_decision") == "退回":
            ticket.outcome = f"退回：{data.get('return_reason') or ''}"
