from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import NotFound, PermissionDenied, supervision

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.route("/")
@login_required
def index():
    if not current_user.has_role("supervisor"):
        abort(403)
    return render_template("supervisor.html", **supervision.overview())


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
@login_required
def acknowledge(alert_id):
    try:
        supervision.acknowledge(alert_id, current_user)
        flash(_("已确认该预警。"), "success")
    except (PermissionDenied, NotFound) as exc:
        flash(str(exc), "danger")
    return redirect(url_for("supervisor.index"))
