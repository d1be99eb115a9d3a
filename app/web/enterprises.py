"""行业台账: the ledger list, an enterprise's history, entry and edit, Excel import and export."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.engine.clock import clock
from app.forms.inspection import EnterpriseForm, LicenceWarningForm
from app.models import ENTERPRISE_KINDS, RISK_LEVELS
from app.services import (
    InvalidInput,
    NotFound,
    ServiceError,
    enterprises,
    inbox,
    inspections,
    query_args,
    spreadsheets,
    tickets,
)
from app.services.catalogue import gettext as _
from app.web import flow
from app.web import staged as pages

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")


def _get(enterprise_id):
    try:
        return enterprises.get(enterprise_id)
    except NotFound:
        abort(404)


@bp.route("/")
def index():
    q = request.args.get("q", "")
    kind = request.args.get("kind", "")
    risk = request.args.get("risk", "")
    expiring = request.args.get("expiring") == "1"
    page = request.args.get("page", 1, type=query_args.page)
    rows, total = enterprises.search(q, kind, risk, expiring, page)
    return render_template("enterprises/index.html", rows=rows, total=total, q=q, kind=kind, risk=risk,
                           expiring=expiring, page=page, per_page=50, kinds=ENTERPRISE_KINDS, risks=RISK_LEVELS,
                           counts=enterprises.counts(), status=enterprises.licence_status,
                           can_edit=enterprises.can_edit(current_user))


@bp.route("/<int:enterprise_id>")
def show(enterprise_id):
    ent = _get(enterprise_id)
    return render_template("enterprises/show.html", ent=ent, history=enterprises.history(ent),
                           licence=enterprises.licence_status(ent), can_edit=enterprises.can_edit(current_user),
                           can_start=inspections.can_start(current_user),
                           watch=enterprises.watch_instance(ent))


def _form_page(ent=None):
    form = EnterpriseForm(obj=ent)
    status = 200
    errors = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                if ent is None:
                    ent = enterprises.create(form.raw(), current_user)
                    flash(_("已登记企业：%(name)s", name=ent.name), "success")
                else:
                    enterprises.update(ent, form.raw(), current_user)
                    flash(_("已保存：%(name)s", name=ent.name), "success")
                return redirect(url_for("enterprises.show", enterprise_id=ent.id))
            except InvalidInput as exc:
                errors = exc.errors
            except ServiceError as exc:
                flow.refused(exc)
        else:
            errors = {name: field.errors[0] for name, field in form._fields.items() if field.errors}
        for name, message in errors.items():
            if name in form:
                form[name].errors = [message]
        if errors:
            flash(_("表单有误，请按提示修改后再提交。"), "danger")
        status = 422
    return render_template("enterprises/form.html", form=form, ent=ent), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    return _form_page()


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
def edit(enterprise_id):
    return _form_page(_get(enterprise_id))


# -- complaints linked by hand ---------------------------------------------------------------------------

@bp.route("/<int:enterprise_id>/link", methods=["POST"])
def link(enterprise_id):
    ent = _get(enterprise_id)
    back = flow.safe_next(url_for("enterprises.show", enterprise_id=ent.id))
    ticket = enterprises.ticket_by_no(request.form.get("ticket_no", ""))
    if ticket is None:
        flash(_("工单编号“%(no)s”不存在。", no=request.form.get("ticket_no", "")), "danger")
        return redirect(back)
    try:
        enterprises.link(ent, ticket, current_user)
        flash(_("已将工单 %(no)s 关联到 %(name)s。", no=ticket.ticket_no, name=ent.name), "success")
    except ServiceError as exc:
        flow.refused(exc)
    return redirect(back)


@bp.route("/link-ticket/<int:ticket_id>", methods=["POST"])
def link_from_ticket(ticket_id):
    """From the ticket page: the enterprise named by its credit code or its exact name."""
    ticket = tickets.get_ticket(ticket_id)  # NotFound: the 404 page
    back = flow.safe_next(url_for("tickets.show", ticket_id=ticket.id))
    wanted = (request.form.get("enterprise") or "").strip()
    ent = enterprises.by_code(enterprises.credit.normalise(wanted)) if wanted else None
    if ent is None and wanted:
        found = enterprises.match_by_name(wanted)
        ent = found[0] if len(found) == 1 else None
    if ent is None:
        flash(_("台账中没有“%(name)s”：请输入企业全称或统一社会信用代码。", name=wanted) if wanted
              else _("请输入要关联的企业全称或统一社会信用代码。"), "danger")
        return redirect(back)
    try:
        enterprises.link(ent, ticket, current_user)
        flash(_("已将工单 %(no)s 关联到 %(name)s。", no=ticket.ticket_no, name=ent.name), "success")
    except ServiceError as exc:
        flow.refused(exc)
    return redirect(back)


@bp.route("/links/<int:link_id>/delete", methods=["POST"])
def unlink(link_id):
    back = flow.safe_next(url_for("enterprises.index"))
    try:
        enterprises.unlink(link_id, current_user)
        flash(_("已取消关联。"), "success")
    except ServiceError as exc:
        flow.refused(exc)
    return redirect(back)


# -- Excel import and export -----------------------------------------------------------------------------

def _imported(preview):
    flash(_("导入完成：新增 %(a)s 家，更新 %(b)s 家，无变化 %(c)s 家。", a=preview.count("新增"),
            b=preview.count("更新"), c=preview.count("无变化")), "success")
    return redirect(url_for("enterprises.index"))


# /import, /import/<token> (preview), /import/<token>/confirm, /import/<token>/discard
pages.add_pages(bp, enterprises.IMPORT, "enterprises/import.html", enterprises.can_edit, _imported)


def _xlsx(content: bytes, name: str):
    return send_file(io.BytesIO(content), download_name=name, as_attachment=True, mimetype=spreadsheets.XLSX_MIMETYPE)


@bp.route("/export.xlsx")
def export():
    return _xlsx(enterprises.export_workbook(current_user), f"行业台账-{clock.local_now():%Y%m%d}.xlsx")


@bp.route("/template.xlsx")
def template():
    return _xlsx(enterprises.template_workbook(), "行业台账导入模板.xlsx")


# -- the licence warning task ------------------------------------------------------------------------------

@bp.route("/task/<int:item_id>", methods=["GET", "POST"])
def task(item_id):
    item = inbox.get_item(item_id)
    key = item.business_key or ""
    if not key.startswith("enterprise:"):
        abort(404)
    ent = _get(int(key.split(":", 1)[1]))
    if not inbox.can_view(current_user, item) and item.completed_by_id != current_user.id:
        abort(403)
    if item.state != "ready":
        flash(_("该任务已结束。"), "info")
        return redirect(url_for("enterprises.show", enterprise_id=ent.id))
    form = LicenceWarningForm()
    status = flow.submit_task(item, form) if request.method == "POST" else 200
    if status is None:
        return redirect(url_for("enterprises.show", enterprise_id=ent.id))
    return render_template("enterprises/task.html", item=item, ent=ent, form=form,
                           can_complete=inbox.can_complete(current_user, item)), status
