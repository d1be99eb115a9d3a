"""时限规则: the settings page for supervisors and process owners, and 重算未办结工单的时限."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.services import PermissionDenied, ServiceError, migration, time_rules
from app.services.catalogue import gettext as _

bp = Blueprint("time_rules", __name__, url_prefix="/rules")


@bp.route("/", methods=["GET", "POST"])
def index():
    if not time_rules.can_edit(current_user):
        abort(403)
    values = {k: str(v) for k, v in time_rules.current().items()}
    errors: dict[str, str] = {}
    comment = ""
    status = 200
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in time_rules.RULES}
        comment = request.form.get("comment", "")
        try:
            row = time_rules.save(current_user, values, comment)
            flash(_("时限规则第 %(n)s 版已保存，新工单按新规则计算时限；未办结的工单可在下方重算。", n=row.version), "success")
            if request.form.get("recompute"):
                return recompute()
            return redirect(url_for(".index"))
        except time_rules.InvalidRules as exc:
            errors = exc.errors
            flash(_("时限规则未保存：请修正标出的项目。"), "danger")
            status = 400
        except (PermissionDenied, ServiceError) as exc:
            flash(str(exc), "warning")
    return render_template("workbench/rules.html", rules=time_rules.RULES, values=values, errors=errors,
                           comment=comment, comment_limit=time_rules.COMMENT_LIMIT,
                           history=time_rules.history()), status


@bp.route("/recompute", methods=["POST"])
def recompute():
    try:
        outcomes = migration.recompute_open(current_user)
    except PermissionDenied:
        abort(403)
    moved = [o for o in outcomes if o.done]
    failed = [o for o in outcomes if o.error]
    flash(_("已重算 %(n)s 个未办结实例的时限（%(moved)s 个有变化，%(failed)s 个出错）。", n=len(outcomes), moved=len(moved),
            failed=len(failed)), "warning" if failed else "success")
    for o in failed[:10]:
        flash(f"{o.ticket.ticket_no if o.ticket else '#' + str(o.instance.id)}：{o.error}", "danger")
    return redirect(url_for(".index"))
