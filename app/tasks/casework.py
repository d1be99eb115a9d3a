"""延期、剔除、挂账、督办 side-process tasks: checks that need the ticket or the clock, and 销账.

The services are imported inside the methods: app.services.inbox imports this package.
"""

from app.tasks import TaskHandler, register


@register("extension_review")
class ExtensionReviewHandler(TaskHandler):
    """延期审批: an approved date must be later than the current deadline and within the limit."""

    def validate(self, ticket, form):
        from app.engine.clock import LOCAL_TZ
        from app.services import _, deadline_extension

        if form.extension_decision.data != "批准" or ticket is None:
            return {}
        if ticket.closed_at is not None or ticket.reply_deadline is None:
            return {"extension_decision": _("工单已结束，延期无法生效，只能驳回。")}
        value = form.approved_deadline.data
        if value is None:  # as asked: still valid? (a 二次办理 may have moved the deadline meanwhile)
            from app.services import casework

            pending = casework.open_request(ticket, deadline_extension.KIND)
            value = pending.requested_deadline if pending else None
            message = deadline_extension.check_deadline(ticket, value) if value else None
            return {"approved_deadline": _("申请的时限已不可用：%(why)s 请填写批准的新办理时限。", why=message)} \
                if message else {}
        value = value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value
        message = deadline_extension.check_deadline(ticket, value)
        return {"approved_deadline": message} if message else {}


@register("carry_review")
class CarryReviewHandler(TaskHandler):
    def validate(self, ticket, form):
        from app.services import carried

        if form.carry_decision.data != "同意挂账" or form.carry_review_date.data is None:
            return {}
        message = carried.check_review_date(form.carry_review_date.data.date())
        return {"carry_review_date": message} if message else {}


@register("carried_review")
class CarriedReviewHandler(TaskHandler):
    """挂账案件月度复核: the cases marked done are written off with the task, in its transaction."""

    def after_submit(self, ticket, data, actor):
        from app.services import carried

        carried.write_off(data.get("written_off") or [], data.get("review_month_done") or "",
                          data.get("review_note") or "", actor)
