"""现场检查: the inspector's task list, the on-site form (phone first), evidence, notices, plan, 双随机."""

from __future__ import annotations

import re

import click
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from app.diagrams import inspection as diagram
from app.engine.clock import clock
from app.extensions import db
from app.forms import form_for_task
from app.forms.inspection import AdhocForm, AssignForm, CampaignForm, RequestForm, check_form_class
from app.models import (
    ENTERPRISE_KINDS,
    INSPECTION_SOURCES,
    RISK_LEVELS,
    Inspection,
    InspectionCampaign,
    RectificationOrder,
)
from app.services import (
    PermissionDenied,
    ServiceError,
    access,
    checklists,
    enterprises,
    inbox,
    inspections,
    masking,
    query_args,
    submissions,
    task_description,
    tickets,
)
from app.services.catalogue import gettext as _
from app.services.settings import load_clock_offset
from app.web import flow, serving

bp = Blueprint("inspections", __name__, url_prefix="/inspections", cli_group="inspections")

STATUSES = ["待指派", "待检查", "整改中", "待复查", "待移交", "检查合格", "整改合格", "立案移交"]


def _inspection(inspection_id: int):
    insp = inspections.get(inspection_id)  # NotFound: the 404 page
    if not inspections.can_view(current_user, insp):
        abort(403)
    return insp


@bp.route("/")
def index():
    tab = request.args.get("tab", "mine")
    status = request.args.get("status", "")
    source = request.args.get("source", "")
    q = request.args.get("q", "")
    rows, total = [], 0
    if tab == "all":
        if not current_user.has_role("inspector", "supervisor"):
            abort(403)
        rows, total = inspections.search(status, source, q)
    return render_template("inspections/index.html", tab=tab, items=inspections.my_items(current_user),
                           rows=rows, total=total, status=status, source=source, q=q, statuses=STATUSES,
                           sources=INSPECTION_SOURCES)


@bp.route("/<int:inspection_id>")
def show(inspection_id):
    insp = _inspection(inspection_id)
    items = inspections.open_items(insp)
    mine = [w for w in items if inbox.can_complete(current_user, w)]
    return render_template("inspections/show.html", insp=insp, items=items, mine=mine,
                           all_items=inspections.all_items(insp), records=inspections.records(insp),
                           evidence=inspections.evidence_of(insp), orders=inspections.orders_of(insp),
                           events=inspections.events_of(insp), saved=_draft_key(request.args.get("saved")))


def _draft_key(value):
    return value if value and re.fullmatch(r"jiesu-draft:[\w:-]{1,80}", value) else ""


# -- the task pages ----------------------------------------------------------------------------------

@bp.route("/task/<int:item_id>", methods=["GET", "POST"])
def task(item_id):
    item = inbox.get_item(item_id)
    insp = inspections.for_key(item.business_key)
    if insp is None:
        abort(404)
    if not inbox.can_view(current_user, item) and item.completed_by_id != current_user.id:
        if request.method == "GET" and inspections.can_view(current_user, insp):
            return redirect(url_for("inspections.show", inspection_id=insp.id))
        abort(403)
    if request.method == "POST" and submissions.earlier(request.form.get("submit_token"), current_user) is not None:
        # the same form again (the answer to the first one was lost on the way): saved once, not twice
        flash(_("该表单已经提交过，这次重复提交没有再记录。"), "info")
        return redirect(url_for("inspections.show", inspection_id=insp.id,
                                saved=f"jiesu-draft:{current_user.id}:{item.id}"))
    if item.state != "ready":
        flash(_("该任务已结束。"), "info")
        return redirect(url_for("inspections.show", inspection_id=insp.id))
    if item.spec_name in (diagram.CHECK, diagram.REINSPECT):
        return _check_page(insp, item)
    return _simple_task_page(insp, item)


def _simple_task_page(insp, item):
    meta = item.instance.version.task_meta.get(item.spec_name, {})
    formdata = request.form if request.method == "POST" else None
    if item.spec_name == diagram.ASSIGN:
        form = AssignForm(formdata=formdata, inspectors=inspections.inspectors())
    else:
        form = form_for_task(item.instance.version_id, item.spec_name, meta, formdata=formdata)
    status = flow.submit_task(item, form) if request.method == "POST" else 200
    if status is None:
        return redirect(url_for("inspections.show", inspection_id=insp.id))
    description = task_description.describe(meta.get("documentation"), inbox.task_variables(item),
                                            masking.for_viewer(current_user, None))
    return render_template("inspections/task.html", insp=insp, item=item, meta=meta, form=form,
                           description=description,
                           can_complete=inbox.can_complete(current_user, item),
                           is_candidate=inbox.is_candidate(current_user, item)), status


def _check_page(insp, item):
    items = inspections.checklist(insp)
    cls = check_form_class(items)
    posted = request.method == "POST"
    form = cls(formdata=CombinedMultiDict((request.files, request.form)) if posted else None)
    evidence_ids: list[int] = []
    status = 200
    draft_key = f"jiesu-draft:{current_user.id}:{item.id}"
    if posted:
        evidence_ids = [n for v in request.form.getlist("evidence_ids") if (n := query_args.row_id_or_none(v)) is not None]
        upload_errors = []
        for upload in request.files.getlist("photos"):
            if upload and upload.filename:
                try:
                    evidence_ids.append(inspections.add_evidence(insp, current_user, upload).id)
                except ServiceError as exc:
                    upload_errors.append(str(exc))
        valid = form.validate()
        if upload_errors:
            form.photos.errors = [*form.photos.errors, *upload_errors]
            valid = False
        lat, lng, acc = form.location()
        if form.location_note.errors:
            valid = False
        data = None
        if form.checked_at.data is not None:
            data = inspections.CheckInput(
                answers=form.answers(), checked_at=form.checked_at_aware(), latitude=lat, longitude=lng,
                accuracy=acc, location_note=form.location_note.data or "", findings=form.findings.data or "",
                rectify_days=form.rectify_days.data, legal_basis=form.legal_basis.data or "",
                requirements=form.requirements.data or "", evidence_ids=sorted(set(evidence_ids)))
        if not valid and data is not None:  # say everything that is wrong at once
            for name, message in inspections.validate_check(insp, item, data).items():
                if not form[name].errors:
                    form[name].errors = [*form[name].errors, message]
        if valid:
            try:
                record = inspections.submit_check(insp, item.id, current_user, data, form.submit_token.data)
            except ServiceError as exc:
                status = flow.refused(exc, form)
            else:
                if record.result == diagram.FAILED and record.round == 1:
                    flash(_("已提交现场检查：不合格，已生成责令改正通知书。"), "warning")
                else:
                    flash(_("已提交：%(title)s（%(result)s）", title=item.title, result=record.result), "success")
                return redirect(url_for("inspections.show", inspection_id=insp.id, saved=draft_key))
        else:
            flash(_("表单有误，请按提示修改后再提交。"), "danger")
            status = 422
    uploaded = [e for e in inspections.evidence_of(insp) if e.id in set(evidence_ids)]
    pending = [e for e in inspections.evidence_of(insp) if e.record_id is None and e.id not in set(evidence_ids)]
    return render_template("inspections/check.html", insp=insp, item=item, form=form, items=items,
                           previous=inspections.previous_failures(insp), uploaded=uploaded, pending=pending,
                           draft_key=draft_key, orders=inspections.orders_of(insp),
                           can_complete=inbox.can_complete(current_user, item),
                           is_candidate=inbox.is_candidate(current_user, item)), status


# -- evidence ------------------------------------------------------------------------------------------

@bp.route("/<int:inspection_id>/evidence", methods=["POST"])
def upload_evidence(inspection_id):
    """One file at a time from the phone (the form keeps the returned id), so a dropped connection
    loses at most the file in flight, never what was typed."""
    insp = _inspection(inspection_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(error=_("没有收到文件。")), 422
    try:
        row = inspections.add_evidence(insp, current_user, upload)
    except PermissionDenied as exc:
        return jsonify(error=str(exc)), 403
    except ServiceError as exc:
        return jsonify(error=str(exc)), 422
    return jsonify(id=row.id, name=row.original_name, size=row.size, sha256=row.sha256, image=row.is_image,
                   url=url_for("inspections.evidence", evidence_id=row.id))


@bp.route("/evidence/<int:evidence_id>")
def evidence(evidence_id):
    """A photo or document of an inspection; every look is in the access log (refusals too)."""
    action = "download" if request.args.get("download") == "1" else "view"
    row = inspections.get_evidence(evidence_id, current_user, action, log=serving.first_request())
    path = inspections.evidence_path(row.stored_path)
    if not path.exists():
        abort(404)
    return serving.send_stored(path, row.content_type, inspections.evidence_download_name(row))


# -- the notice (责令改正通知书) --------------------------------------------------------------------------

@bp.route("/orders/<int:order_id>/notice")
def notice(order_id):
    order = db.session.get(RectificationOrder, order_id) or abort(404)
    insp = _inspection(order.inspection_id)
    return render_template("inspections/notice.html", order=order, insp=insp,
                           record=next((r for r in inspections.records(insp) if r.id == order.record_id), None),
                           bureau=inspections.bureau_name())


# -- starting inspections ------------------------------------------------------------------------------

@bp.route("/from-ticket/<int:ticket_id>", methods=["POST"])
def request_from_ticket(ticket_id):
    ticket = tickets.get_ticket(ticket_id)  # NotFound: the 404 page
    if not access.can_view_ticket(current_user, ticket):
        abort(403)
    back = flow.safe_next(url_for("tickets.show", ticket_id=ticket.id))
    form = RequestForm(enterprises=_ticket_enterprises(ticket))
    if not form.validate():
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}：{error}", "danger")
        return redirect(back)
    enterprise_id = query_args.row_id_or_none(form.enterprise_id.data or "")
    try:
        insp = inspections.request_from_ticket(ticket, current_user, enterprise_id, form.reason.data,
                                               form.submit_token.data, form.subject_name.data,
                                               form.subject_address.data, form.kind.data)
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(back)
    flash(_("已申请现场核实（%(no)s），检查结果会写入本工单的办理记录。", no=insp.number), "success")
    return redirect(back)


def _ticket_enterprises(ticket):
    linked = [link.enterprise for link in enterprises.links_for_ticket(ticket)]
    seen = {e.id for e in linked}
    return linked + [e for e in enterprises.suggestions(ticket) if e.id not in seen]


@bp.app_context_processor
def _ticket_panel():
    def field_work(ticket):
        """What the ticket page and the 办理 page show about enterprises and on-site verification
        (each query once; the suggestions and the request form only for who may use them)."""
        if ticket is None or not getattr(current_user, "is_authenticated", False):
            return None
        linked = enterprises.links_for_ticket(ticket)
        can_request = inspections.can_request_for(current_user, ticket)
        can_link = enterprises.can_link(current_user, ticket)
        seen = {x.enterprise_id for x in linked}
        suggestions = [e for e in enterprises.suggestions(ticket) if e.id not in seen] \
            if (can_request or can_link) else []
        form = None
        if can_request:
            form = RequestForm(formdata=None, enterprises=[link.enterprise for link in linked] + suggestions)
            if linked:
                form.enterprise_id.data = str(linked[0].enterprise_id)
            form.subject_name.data = ticket.enterprise
        return {
            "inspections": inspections.for_ticket(ticket),
            "can_request": can_request,
            "can_link": can_link,
            "links": linked,
            "suggestions": suggestions,
            "form": form,
        }

    return {"field_work": field_work}


@bp.route("/new/<int:enterprise_id>", methods=["GET", "POST"])
def new(enterprise_id):
    if not inspections.can_start(current_user):
        abort(403)
    ent = enterprises.get(enterprise_id)  # NotFound: the 404 page
    form = AdhocForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                insp = inspections.create_adhoc(ent, current_user, form.reason.data, form.submit_token.data)
            except ServiceError as exc:
                status = flow.refused(exc)
            else:
                flash(_("已发起检查 %(no)s。", no=insp.number), "success")
                return redirect(url_for("inspections.show", inspection_id=insp.id))
        else:
            flash(_("表单有误，请按提示修改后再提交。"), "danger")
            status = 422
    return render_template("inspections/new.html", form=form, ent=ent), status


@bp.route("/plan", methods=["GET", "POST"])
def plan():
    month_text = request.values.get("month") or clock.local_now().strftime("%Y-%m")
    result = None
    status = 200
    try:
        month = inspections.parse_month(month_text)
    except ServiceError as exc:
        flow.refused(exc)
        month, status = None, 422
    if request.method == "POST" and month is not None:
        try:
            if request.form.get("action") == "frequency":
                inspections.save_plan_months(current_user, {r: request.form.get(f"months_{r}") for r in RISK_LEVELS})
                flash(_("检查频次已保存。"), "success")
            else:
                result = inspections.run_plan(month, current_user)
                flash(_("已生成 %(n)s 项计划检查（已有 %(m)s 项，未重复生成）。", n=len(result.created),
                        m=result.existing), "success")
        except ServiceError as exc:
            status = flow.refused(exc)
    preview = inspections.plan_preview(month) if month is not None else None
    return render_template("inspections/plan.html", month=month_text, preview=preview, result=result,
                           months=inspections.plan_months(), risks=RISK_LEVELS,
                           periods={r: inspections.period_of(month, n) for r, n in inspections.plan_months().items()}
                           if month else {}), status


@bp.route("/random", methods=["GET", "POST"])
def random_draw():
    form = CampaignForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                campaign = inspections.draw_campaign(form.name.data, form.count.data, form.kinds.data or [],
                                                     form.risks.data or [], form.seed.data, current_user)
            except ServiceError as exc:
                status = flow.refused(exc)
            else:
                flash(_("已抽取 %(n)s 家企业并生成检查任务。", n=len(campaign.selection)), "success")
                return redirect(url_for("inspections.campaign", campaign_id=campaign.id))
        else:
            flash(_("表单有误，请按提示修改后再提交。"), "danger")
            status = 422
    campaigns = db.session.scalars(db.select(InspectionCampaign).order_by(InspectionCampaign.id.desc()).limit(20))
    return render_template("inspections/random.html", form=form, campaigns=list(campaigns)), status


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id):
    row = db.session.get(InspectionCampaign, campaign_id) or abort(404)
    found = db.session.scalars(db.select(Inspection).where(Inspection.campaign_id == row.id).order_by(Inspection.id))
    return render_template("inspections/campaign.html", campaign=row, inspections=list(found),
                           kind_labels="、".join(ENTERPRISE_KINDS[k][0] for k in row.criteria.get("kinds") or []
                                                if k in ENTERPRISE_KINDS),
                           risk_labels="、".join(RISK_LEVELS.get(r, r) for r in row.criteria.get("risks") or []))


@bp.route("/checklists", methods=["GET", "POST"])
def checklist_page():
    status = 200
    texts = None
    if request.method == "POST":
        try:
            if request.form.get("action") == "reset":
                checklists.reset(current_user)
                flash(_("已恢复默认检查清单。"), "success")
            else:
                checklists.save(current_user, request.form.get("common", ""),
                                {code: request.form.get(f"kind_{code}", "") for code in ENTERPRISE_KINDS})
                flash(_("检查清单已保存，新开始的检查使用新清单。"), "success")
            return redirect(url_for("inspections.checklist_page"))
        except ServiceError as exc:
            status = flow.refused(exc)
            texts = {"common": request.form.get("common", ""),
                     **{code: request.form.get(f"kind_{code}", "") for code in ENTERPRISE_KINDS}}
    data = checklists.checklists()
    if texts is None:
        texts = {"common": checklists.to_text(data["common"]),
                 **{code: checklists.to_text(data["kinds"].get(code, [])) for code in ENTERPRISE_KINDS}}
    return render_template("inspections/checklists.html", texts=texts, kinds=ENTERPRISE_KINDS,
                           can_edit=current_user.has_role("supervisor")), status


# -- command line: jiesu inspections plan --month 2026-12 -------------------------------------------------

@bp.cli.command("plan")
@click.option("--month", default=None, help="YYYY-MM（默认本月）")
def plan_command(month):
    """Create the routine inspections of a month by risk level (idempotent per period)."""
    load_clock_offset()
    try:
        when = inspections.parse_month(month or clock.local_now().strftime("%Y-%m"))
        result = inspections.run_plan(when, None)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    for risk, (created, existing) in result.by_risk.items():
        click.echo(f"{RISK_LEVELS.get(risk, risk)}风险：新生成 {created} 项，已有 {existing} 项")
    click.echo(f"{when:%Y-%m}：共新生成 {len(result.created)} 项计划检查。")
