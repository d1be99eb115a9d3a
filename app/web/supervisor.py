from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.services import rates, supervision
from app.services.catalogue import gettext as _
from app.web import flow

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.route("/")
def index():
    return render_template("supervisor.html", rates=rates.compute(listed=0), period=rates.current_period(),
                           **supervision.overview())


@bp.route("/rates")
def rate_details():
    period = request.args.get("period") or rates.current_period()
    problem = rates.period_problem(period)  # not YYYY-MM, or a year like 9999
    if problem:
        flash(problem, "danger")
        return redirect(url_for("supervisor.rate_details"))
    start, end = rates.period_bounds(period)
    listed = rates.LISTED_ALL if request.args.get("all") == "1" else rates.LISTED  # 列出全部
    return render_template("rates.html", rates=rates.compute(period, listed=listed), period=period, start=start, end=end,
                           weights=(rates.setting("rate_weight_basic_resolved"),
                                    rates.setting("rate_weight_basic_satisfied")))


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
def acknowledge(alert_id):
    if flow.attempt(supervision.acknowledge, alert_id, current_user):
        flash(_("已确认该预警。"), "success")
    return redirect(url_for("supervisor.index"))
