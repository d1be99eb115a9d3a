import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import rates, supervision
from app.web import flow

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.route("/")
@login_required
def index():
    if not current_user.has_role("supervisor"):
        abort(403)
    return render_template("supervisor.html", rates=rates.compute(), period=rates.current_period(),
                           **supervision.overview())


@bp.route("/rates")
@login_required
def rate_details():
    if not current_user.has_role("supervisor", "analyst"):
        abort(403)
    period = request.args.get("period") or rates.current_period()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        flash(_("考核期格式应为 YYYY-MM。"), "danger")
        return redirect(url_for("supervisor.rate_details"))
    start, end = rates.period_bounds(period)
    return render_template("rates.html", rates=rates.compute(period), period=period, start=start, end=end,
                           weights=(rates.setting("rate_weight_basic_resolved"),
                                    rates.setting("rate_weight_basic_satisfied")))


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
@login_required
def acknowledge(alert_id):
    if flow.attempt(supervision.acknowledge, alert_id, current_user):
        flash(_("已确认该预警。"), "success")
    return redirect(url_for("supervisor.index"))
