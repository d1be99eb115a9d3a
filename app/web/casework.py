"""延期申请, 剔除申请, 挂账申请, 督办, the monthly review of carried cases, and the settings page.

Importing this module (register_blueprints does) also registers the side processes' hooks,
their task handlers and the functions their diagrams call.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.diagrams import carried as carried_diagram
from app.forms.casework import (
    CarriedReviewForm,
    CarryForm,
    ExclusionForm,
    ExtensionForm,
    LiftForm,
    SettingsForm,
    SuperviseForm,
)
from app.services import (
    N_,
    InvalidInput,
    ServiceError,
    access,
    carried,
    casework,
    casework_settings,
    deadline_extension,
    exclusions,
    files,
    inbox,
    supervised_cases,
)
from app.services.catalogue import gettext as _
from app.web import flow

bp = Blueprint("casework", __name__, url_prefix="/casework")

# the request kinds and statuses of app/models/casework.py, for pybabel (translated where shown)
N_("延期申请"), N_("剔除申请"), N_("挂账申请"), N_("督办")
N_("待审批"), N_("已批准"), N_("已驳回"), N_("已驳回（可申诉一次）"), N_("申诉中"), N_("申诉驳回"), N_("督办中"), N_("已结束")


# -- what the ticket page and the task page show ------------------------------------------------------

def actions(ticket) -> dict:
    """What the current user may ask for on this ticket: {kind: None (allowed) or the reason it is not}."""
    result = {}
    if casework.is_handler_of(current_user, ticket):
        result["extension"] = deadline_extension.refusal(ticket)
        result["exclusion"] = exclusions.refusal(ticket)
        result["carry"] = carried.refusal(ticket)
    if supervised_cases.may_supervise(current_user):
        result["supervise"] = supervised_cases.refusal(ticket)
        result["lift"] = None if casework.open_request(ticket, "supervision") else _("没有进行中的督办")
    return result


@bp.app_template_global("case_panel")
def case_panel(ticket) -> dict:
    return {"requests": casework.requests_for(ticket), "actions": actions(ticket),
            "max_deadline": deadline_extension.max_deadline(ticket) if ticket.received_at else None}


@bp.app_template_global("case_request_for_item")
def case_request_for_item(item):
    return casework.request_for_item(item)


# -- the request pages ------------------------------------------------------------------------------

def _ticket(ticket_id):
    ticket = casework.get_ticket(ticket_id)
    if not access.can_view_ticket(current_user, ticket):
        abort(403)
    return ticket


def _request_page(ticket, form, kind: str, title: str, submit, refusal: str | None):
    """GET shows the form; POST validates, calls ``submit()``, and keeps what was typed on errors."""
    status = 200
    if request.method == "POST":
        if refusal:
            flash(refusal, "danger")
            status = 409
        else:
            status = flow.submit_form(form, submit, _("未提交：请按提示修改。"))
            if status is None:
                return None
    elif refusal:
        flash(refusal, "warning")
    return render_template("casework/request.html", ticket=ticket, form=form, kind=kind, title=title,
                           refusal=refusal, panel=case_panel(ticket)), status


@bp.route("/tickets/<int:ticket_id>/extension", methods=["GET", "POST"])
def extension(ticket_id):
    ticket = _ticket(ticket_id)
    if not casework.is_handler_of(current_user, ticket):
        abort(403)
    form = ExtensionForm()
    page = _request_page(ticket, form, "extension", _("申请延期"), lambda: deadline_extension.request_extension(
        ticket.id, current_user, form.reason.data, form.new_date.data), deadline_extension.refusal(ticket))
    if page is None:
        flash(_("延期申请已提交，等待主管审批。"), "success")
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    return page


@bp.route("/tickets/<int:ticket_id>/exclusion", methods=["GET", "POST"])
def exclusion(ticket_id):
    ticket = _ticket(ticket_id)
    if not casework.is_handler_of(current_user, ticket):
        abort(403)
    form = ExclusionForm(grounds=casework_settings.exclusion_grounds())

    def submit():
        stored = None
        upload = form.evidence_file.data
        if upload is not None and getattr(upload, "filename", ""):
            try:
                stored = files.store_document(upload, _("证据文件"))
            except ServiceError as exc:
                raise InvalidInput({"evidence_file": str(exc)}) from exc
        exclusions.file_exclusion(ticket.id, current_user, form.ground.data, form.evidence.data, stored)

    page = _request_page(ticket, form, "exclusion", _("申请剔除"), submit, exclusions.refusal(ticket))
    if page is None:
        flash(_("剔除申请已提交，等待主管审核。"), "success")
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    return page


@bp.route("/tickets/<int:ticket_id>/carry", methods=["GET", "POST"])
def carry(ticket_id):
    ticket = _ticket(ticket_id)
    if not casework.is_handler_of(current_user, ticket):
        abort(403)
    form = CarryForm()
    page = _request_page(ticket, form, "carry", _("申请挂账"), lambda: carried.request_carry(
        ticket.id, current_user, form.reason.data, form.plan.data, form.review_date.data), carried.refusal(ticket))
    if page is None:
        flash(_("挂账申请已提交，等待主管审批。"), "success")
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    return page


@bp.route("/tickets/<int:ticket_id>/supervise", methods=["GET", "POST"])
def supervise(ticket_id):
    ticket = _ticket(ticket_id)
    if not supervised_cases.may_supervise(current_user):
        abort(403)
    form = SuperviseForm()
    if request.method == "GET" and not form.interval_days.data:
        form.interval_days.data = str(casework_settings.supervision_interval_workdays())
    # a second 督办 keeps the running one and its interval: told so (read before the change, on a POST only)
    running = request.method == "POST" and supervised_cases.is_running(ticket)
    page = _request_page(ticket, form, "supervise", _("督办"), lambda: supervised_cases.supervise(
        ticket.id, current_user, form.interval_days.data, form.note.data), supervised_cases.refusal(ticket))
    if page is None:
        if running:
            flash(_("该工单已在督办中：本次督办要求已记入办理记录，进展报告仍按原间隔提交。"), "info")
        else:
            flash(_("已督办：承办科室将按间隔提交进展报告。"), "success")
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    return page


@bp.route("/tickets/<int:ticket_id>/supervise/lift", methods=["POST"])
def lift(ticket_id):
    ticket = _ticket(ticket_id)
    form = LiftForm()
    if not form.validate_on_submit():  # the ticket page again shows the 解除说明 as typed, the message under it
        errors = [str(e) for field in form for e in field.errors]
        session["lift_draft"] = {"ticket": ticket.id, "note": request.form.get("note", ""), "error": "；".join(errors)}
        flash(_("未解除督办：%(why)s", why="；".join(errors)), "danger")
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    if flow.attempt(supervised_cases.lift, ticket.id, current_user, (form.note.data or "").strip()):
        flash(_("已解除督办。"), "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))


# -- 挂账案件月度复核 (its own task page) ------------------------------------------------------------

@bp.route("/carried-review/<int:item_id>", methods=["GET", "POST"])
def carried_review(item_id):
    item = inbox.get_item(item_id)
    if item.spec_name != carried_diagram.MONTHLY_REVIEW:
        abort(404)
    if not inbox.can_view(current_user, item) and item.completed_by_id != current_user.id:
        abort(403)
    cases = carried.review_cases(item)
    form = CarriedReviewForm()
    chosen = {int(i) for i in request.form.getlist("written_off") if i.isdigit()}
    status = 200
    if request.method == "POST":
        status = flow.submit_form(form, lambda: carried.complete_review(
            item.id, current_user, sorted(chosen), form.review_note.data), _("未提交：请按提示修改。"))
        if status is None:
            flash(_("挂账案件月度复核已完成：销账 %(n)s 件。", n=len(chosen)), "success")
            return redirect(url_for("inbox.index"))
    return render_template("casework/carried_review.html", item=item, cases=cases, chosen=chosen, form=form,
                           month=carried.review_month(item),
                           can_complete=inbox.can_complete(current_user, item)), status


# -- 设置 --------------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm(data=casework_settings.form_values()) if request.method == "GET" else SettingsForm()
    status = 200
    if request.method == "POST":
        status = flow.submit_form(form, lambda: casework_settings.save(
            current_user, {name: form[name].data for name in casework_settings.FIELDS}), _("设置未保存：请按提示修改。"))
        if status is None:
            flash(_("设置已保存。"), "success")
            return redirect(url_for("casework.settings"))
    return render_template("casework/settings.html", form=form, defaults=casework_settings.default_values()), status
