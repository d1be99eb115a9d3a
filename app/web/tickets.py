"""工单: entry by hand, the ticket page, the searchable list."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user

from app.engine.clock import clock
from app.forms.ticket import TicketForm
from app.models.ticket import TICKET_TYPES
from app.services import (
    ServiceError,
    access,
    inbox,
    incidents,
    ledger,
    ledger_export,
    recordings,
    ticket_rules,
    tickets,
)
from app.services import sections as section_list
from app.services.catalogue import gettext as _
from app.web import flow, serving

bp = Blueprint("tickets", __name__, url_prefix="/tickets")


@bp.route("/")
def index():
    """案件台账: all tickets the user may see, filtered, newest first, a page at a time (keyset)."""
    filters = ledger.LedgerFilter.from_args(request.args)
    after, before = request.args.get("after", ""), request.args.get("before", "")
    try:
        page = ledger.page_of(filters, current_user, after, before)
    except ServiceError as exc:  # a period the ledger cannot read: say so, show all periods
        flow.refused(exc)
        filters.period = ""
        page = ledger.page_of(filters, current_user, after, before)
    ledger.record_search(filters, current_user, page)
    sections = section_list.listed()
    return render_template("tickets/list.html", rows=page.rows, total=page.total, page=page, f=filters,
                           args=filters.as_args(), sections=sections, ticket_types=TICKET_TYPES,
                           count_cap=page.cap, immediate_rows=ledger_export.IMMEDIATE_ROWS,
                           sees_callers=access.sees_addresses_of_visible(current_user))


@bp.route("/export.xlsx", methods=["GET", "POST"])
def export():
    """导出: a small result is the file at once; a large one is queued and its 导出任务 page shown. Queueing
    is a change, so it is a POST (the ledger's 导出 button is a form with the CSRF token; the filters ride
    in its action's query, as the ledger's own links carry them). A GET (an old bookmark, a link copied
    before) queues nothing: it shows the ledger with the same filters and its 导出 button."""
    if request.method == "GET":
        flash(_("请点击“导出 Excel”按钮导出当前筛选的工单。"), "info")
        return flow.with_query("tickets.index")
    filters = ledger.LedgerFilter.from_args(request.args)
    try:
        result = ledger_export.start(filters, current_user)
    except ServiceError as exc:
        flow.refused(exc)
        return flow.with_query("tickets.index")  # the filters as typed
    if not isinstance(result, bytes):
        return redirect(url_for("exports.job", job_id=result.id))
    stamp = clock.local_now().strftime("%Y%m%d-%H%M")
    return send_file(io.BytesIO(result), as_attachment=True, download_name=f"案件台账-{stamp}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/files/<int:attachment_id>")
def attachment(attachment_id):
    """A stored file (a call recording, evidence) for those who may hear the caller; seekable for audio.
    Every playback and download, and every refused attempt, is in the access log."""
    action = "download" if request.args.get("download") == "1" else "play"
    item, path = recordings.open_attachment(attachment_id, current_user, action, log=serving.first_request())
    return serving.send_stored(path, item.content_type,
                               recordings.download_name(item, tickets.get_ticket(item.ticket_id).ticket_no))


@bp.route("/<int:ticket_id>/notes", methods=["POST"])
def add_note(ticket_id):
    try:
        ledger.add_note(ticket_id, current_user, request.form.get("text", ""))
        flash(_("备注已保存。"), "success")
    except ServiceError as exc:
        flow.refused(exc)
        session["note_draft"] = request.form.get("text", "")
    return redirect(url_for("tickets.show", ticket_id=ticket_id) + "#notes")


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = TicketForm()
    status = 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        if flow.add_errors(form, ticket_rules.problems(form.ticket_fields())):
            valid = False
        if valid:
            try:
                ticket = tickets.create_ticket(form.ticket_fields(), current_user)
            except ServiceError as exc:
                status = flow.refused(exc, form)
            else:
                flash(_("工单 %(no)s 已录入，已进入签收环节。", no=ticket.ticket_no), "success")
                sign = inbox.first_task_for(current_user, ticket)  # straight to the 签收 form
                if sign is not None:
                    return redirect(url_for("inbox.task", item_id=sign.id))
                holder = inbox.open_task_holder(ticket)
                flash(_("签收任务已交给值班的 %(name)s（非工作时间），您可在工单页查看。", name=holder.name) if holder
                      else _("您不能签收该工单，签收任务留在派单员的待认领中。"), "info")
                return redirect(url_for("tickets.show", ticket_id=ticket.id))
        else:
            flash(_("表单有误，请按提示修改后再提交。"), "danger")
            status = 422
    return render_template("tickets/new.html", form=form), status


@bp.route("/<int:ticket_id>")
def show(ticket_id):
    ticket = tickets.get_ticket(ticket_id)
    if not access.can_view_ticket(current_user, ticket):
        abort(403)
    access.log_ticket_view(current_user, ticket, "工单页面",
                           masked=not access.may_see_personal_data(current_user, ticket))
    items = tickets.work_items(ticket)  # an open task is linked only for those who may open its page
    return render_template("tickets/show.html", ticket=ticket, events=tickets.timeline(ticket),
                           notes=ledger.notes(ticket), note_draft=session.pop("note_draft", ""),
                           lift_draft=session.pop("lift_draft", None),
                           attachments=tickets.attachments(ticket),
                           items=items, openable={w.id for w in items if w.state == "ready"
                                                  and inbox.can_view(current_user, w)},
                           labels=tickets.SHOWN_LABELS,
                           instance=tickets.ticket_instance(ticket),
                           open_incidents=incidents.open_for_ticket(ticket.id))
