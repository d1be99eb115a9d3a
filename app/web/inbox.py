"""我的待办 / 待认领, and a user task presented as its form."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from app.diagrams import ticket_lifecycle as lifecycle
from app.forms import form_for_task
from app.models.ticket import TICKET_TYPES
from app.services import (
    ServiceError,
    access,
    completion,
    early_warning,
    files,
    inbox,
    masking,
    process_data,
    query_args,
    reply_check,
    rework,
    task_description,
    tickets,
)
from app.services import sections as section_list
from app.services.catalogue import gettext as _
from app.web import flow, task_pages

bp = Blueprint("inbox", __name__)


def _filters():
    section = request.args.get("section", type=query_args.row_id)
    return {"state": request.args.get("state", ""), "section_id": section,
            "ticket_type": request.args.get("type", "")}


@bp.route("/")
def index():
    tab = request.args.get("tab", "mine")
    filters = _filters()
    page = request.args.get("page", 1, type=query_args.page)
    items, total = inbox.tab_page(current_user, tab, page, **filters)
    empty_mine = False
    if "tab" not in request.args and not total and not any(filters.values()):
        claimable, claimable_total = inbox.tab_page(current_user, "claimable", page)
        if claimable_total:  # 我的待办 is empty: show what may be claimed
            tab, items, total, empty_mine = "claimable", claimable, claimable_total, True
    pages = max(1, -(-total // inbox.PER_PAGE))
    sections = section_list.listed()
    return render_template("inbox.html", items=items, tab=tab, filters=filters, sections=sections,
                           warnings=early_warning.warnings_of_tasks(items),
                           page=page, pages=pages, total=total, empty_mine=empty_mine,
                           ticket_types=TICKET_TYPES, states=_states())


def _states():
    return list(lifecycle.OPEN_STATES)


def _load(item_id):
    item = completion.get_item_for_page(item_id)  # NotFound: the 404 page
    if not inbox.can_view(current_user, item) and item.completed_by_id != current_user.id:
        abort(403)
    return item


@bp.route("/tasks/<int:item_id>", methods=["GET", "POST"])
def task(item_id):
    item = _load(item_id)
    if (own_page := task_pages.page_for(item)) is not None:  # inspections, licences: pages of their own
        return redirect(own_page, 303)
    meta = item.instance.version.task_meta.get(item.spec_name, {})
    formdata = CombinedMultiDict((request.files, request.form)) if request.method == "POST" else None
    variables = inbox.task_variables(item) if formdata is None else None  # stored on the item: no engine load
    form = form_for_task(item.instance.version_id, item.spec_name, meta, formdata=formdata, variables=variables,
                         data=completion.form_prefill(item, variables) if variables else None)
    ticket_id = item.ticket_id  # read before the submission's commit expires the item (and the user)
    who = completion.Who.of(current_user) if request.method == "POST" else None
    status = flow.submit_task(item, form, lambda: _store_uploads(form)) if request.method == "POST" else 200
    if status is None:
        return _after_completion(ticket_id, who)
    if variables is None:
        item = _load(item_id)
        variables = inbox.task_variables(item)
    return _task_page(item, form, meta, variables), status


def _after_completion(ticket_id, who):
    following = inbox.next_task_for(who, ticket_id)
    if following is not None:
        flash(_("下一步：%(title)s", title=following.title), "info")
        return redirect(url_for("inbox.task", item_id=following.id))
    return redirect(url_for("inbox.index"))


def _defers_context(item) -> bool:
    """A main-line task of a ticket shows its form and ticket first; what is beside them (case actions,
    repeat links, field work, the 办理记录) comes after as a fragment. Side-process and warning tasks,
    which decide what those panels show, render them at once."""
    return item.ticket_id is not None and item.instance.version.process_key == lifecycle.PROCESS


def _task_page(item, form, meta, variables):
    ticket = item.ticket
    defer = _defers_context(item)
    if ticket is not None:
        access.log_ticket_view(current_user, ticket, f"任务 {item.title}",
                               masked=not access.may_see_personal_data(current_user, ticket))
    draft = (form.reply_draft.data or "") if "reply_draft" in form else variables.get("reply_draft")
    mask = masking.for_viewer(current_user, ticket)
    shown = mask.text
    return render_template(
        "task.html", item=item, form=form, meta=meta, ticket=ticket,
        description=task_description.describe(meta.get("documentation"), variables, mask),
        reply_check=reply_check.check_reply(draft) if draft is not None else None,
        reply_draft=None if "reply_draft" in form else draft,
        reply_draft_label=rework.draft_label(item.spec_name),
        notices=completion.form_notices(item, variables) if item.state == "ready" else [],
        reply_diff=rework.draft_changes(variables, shown) if item.spec_name == lifecycle.REVIEW else None,
        process_data=process_data.shown(item, variables, mask) if process_data.applies(item) else None,
        events=tickets.timeline(ticket) if ticket and not defer else [],
        context_url=url_for("inbox.task_context", item_id=item.id) if defer else None,
        can_complete=inbox.can_complete(current_user, item),
        is_candidate=inbox.is_candidate(current_user, item),
    )


@bp.route("/tasks/<int:item_id>/context")
def task_context(item_id):
    """The fragment beside a main-line task's form (loaded by the page after the form, see ``_defers_context``)."""
    item = _load(item_id)
    ticket = item.ticket
    if ticket is not None:
        access.log_ticket_view(current_user, ticket, f"任务 {item.title}：办理记录与关联信息",
                               masked=not access.may_see_personal_data(current_user, ticket))
    return render_template("_task_context.html", item=item, ticket=ticket, fragment=True,
                           page_path=url_for("inbox.task", item_id=item.id),
                           events=tickets.timeline(ticket) if ticket else [])


def _store_uploads(form):
    """Store the form's files before the transaction; a bad file becomes that field's error."""
    stored = []
    for spec, upload in getattr(form, "uploads", list)():
        try:
            stored.append((spec, files.store_upload(upload, spec)))  # recordings, or documents (kind)
        except ServiceError as exc:
            form[spec["id"]].errors = [*form[spec["id"]].errors, str(exc)]
            return None
    return stored


@bp.route("/reply-check", methods=["POST"])
def reply_check_panel():
    """The live check shown while a handler types the reply draft."""
    result = reply_check.check_reply(request.form.get("text", ""))
    return render_template("_reply_check.html", reply_check=result)


@bp.route("/tasks/<int:item_id>/claim", methods=["POST"])
def claim(item_id):
    try:
        inbox.claim(item_id, current_user)
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(url_for("inbox.index", tab="claimable"))
    flash(_("已认领，任务已进入“我的待办”。"), "success")
    return redirect(url_for("inbox.task", item_id=item_id))


@bp.route("/tasks/<int:item_id>/unclaim", methods=["POST"])
def unclaim(item_id):
    try:
        inbox.unclaim(item_id, current_user)
    except ServiceError as exc:
        flow.refused(exc)
    else:
        flash(_("已取消认领，任务回到“待认领”。"), "success")
    return redirect(url_for("inbox.index"))
