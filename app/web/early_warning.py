"""预警: the alert inbox with quick acknowledgement, and the settings of repeats and warnings."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.forms.rules import RulesForm
from app.models.early_warning import WARNING_RULES, WARNING_STATUSES
from app.services import InvalidInput, ServiceError, early_warning, rules_settings
from app.services.catalogue import gettext as _
from app.web import flow

bp = Blueprint("early_warning", __name__, url_prefix="/warnings")


@bp.route("/")
def index():
    return _index_page()


def _index_page(status_code: int = 200, draft: dict | None = None):
    """The 预警 list; after a refused 确认 (``draft``: the warning, the note as typed, the message) that
    row's 确认意见 as typed with the message under it."""
    status = request.args.get("status", "open")
    rule = request.args.get("rule", "")
    rows = early_warning.warnings_for_user(current_user, status, rule)
    tasks = {w.id: early_warning.open_task(w) for w in rows if w.is_open}
    return render_template("early_warning/index.html", rows=rows, tasks=tasks, status=status, rule=rule,
                           statuses=WARNING_STATUSES, rules=WARNING_RULES, sees_all=early_warning.sees_all(current_user),
                           draft=draft or {}, note_limit=early_warning.ACK_NOTE_LIMIT), status_code


@bp.route("/<int:warning_id>/ack", methods=["POST"])
def acknowledge(warning_id):
    back = flow.safe_next(url_for("early_warning.index"))
    note = request.form.get("note", "")
    try:
        early_warning.acknowledge(warning_id, current_user, note)
    except InvalidInput as exc:  # the list again, the note as typed and what is wrong with it on the field
        flash(_("预警未确认，请按提示修改确认意见。"), "danger")
        return _index_page(flow.status_for(exc), {"id": warning_id, "note": note,
                                                  "error": "；".join(str(m) for m in exc.errors.values())})
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(back)
    flash(_("已确认预警，升级计时已停止。"), "success")
    return redirect(back)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    current = rules_settings.load()
    form = RulesForm(data=current.as_form()) if request.method == "GET" else RulesForm()
    status = 200
    if request.method == "POST":
        status = flow.submit_form(form, lambda: rules_settings.save(
            current_user, {name: form[name].data for name in rules_settings.KEYS}), _("设置未保存：请按提示修改。"))
        if status is None:
            flash(_("重复反映与预警设置已保存，对此后收到的工单生效。"), "success")
            return redirect(url_for("early_warning.settings"))
    return render_template("early_warning/settings.html", form=form, defaults=rules_settings.DEFAULTS), status
