"""通知: the signed-in user's notices (催办, deadline reminders), the navbar badge, read/unread."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.services import notifications, query_args
from app.services.catalogue import gettext as _
from app.web import flow

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _badge():
    """The bell in the navbar: one indexed count per page."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"recent_notices": lambda: notifications.recent_unread(current_user)}


@bp.route("/")
def index():
    show = "unread" if request.args.get("show") == "unread" else "all"
    items = notifications.for_user(current_user, show, before_id=request.args.get("before", type=query_args.row_id))
    more = len(items) == notifications.PAGE_SIZE
    return render_template("notifications/index.html", items=items, show=show, more=more)


@bp.route("/<int:notification_id>/open", methods=["POST"])
def open_notice(notification_id):
    """Mark it read and go to what it is about: the open task if it still is, else the ticket."""
    notice = notifications.mark_read(notification_id, current_user)
    item = notice.work_item
    if item is not None and item.state == "ready":
        return redirect(url_for("inbox.task", item_id=item.id))
    if notice.ticket_id is not None:
        return redirect(url_for("tickets.show", ticket_id=notice.ticket_id))
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
def read_all():
    count = notifications.mark_all_read(current_user)
    flash(_("已将 %(n)s 条通知标为已读。", n=count), "success")
    return redirect(flow.safe_next(url_for("notifications.index")))
