import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.services import query_args, rates, supervision
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
    try:
        start, end = rates.period_bounds(period)  # (ValueError: not YYYY-MM, or a year like 9999)
    except ValueError:
        well_formed = re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period) is not None
        flash(_("考核期 %(period)s 超出可查询的年份（%(low)s—%(high)s 年）。", period=period, low=query_args.YEARS[0],
                high=query_args.YEARS[1]) if well_formed else _("考核期格式应为 YYYY-MM。"), "danger")
        return redirect(url_for("supervisor.rate_details"))
    listed = rates.LISTED_ALL if request.args.get("all") == "1" else rates.LISTED  # 列出全部
    return render_template("rates.html", rates=rates.compute(period, listed=listed), period=period, start=start, end=end,
                           weights=(rates.setting("rate_weight_basic_resolved"),
                                    rates.setting("rate_weight_basic_satisfied")))


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
def acknowledge(alert_id):
    if flow.attempt(supervision.acknowledge, alert_id, current_user):
        flash(_("已确认该预警。"), "success")
    return redirect(url_for("supervisor.index"))
