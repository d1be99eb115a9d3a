"""发起流程: start a process its owner marked startable, from the menu or a ticket's page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.engine import instances
from app.engine.runtime import EngineError
from app.forms.builder import build_form_class
from app.services import NotFound, PermissionDenied, ServiceError, access, process_start, query_args, tickets
from app.services.catalogue import gettext as _

bp = Blueprint("process_start", __name__, url_prefix="/start")


@bp.route("/")
def index():
    return render_template("workbench/start_index.html", entries=process_start.startable(current_user))


@bp.route("/<process_key>", methods=["GET", "POST"])
def start(process_key):
    try:
        entry = process_start.get(current_user, process_key)
    except NotFound:
        abort(404)
    ticket = None
    if request.values.get("ticket", type=query_args.row_id):
        try:
            ticket = tickets.get_ticket(request.values.get("ticket", type=query_args.row_id))
        except NotFound:
            abort(404)
        if not access.can_view_ticket(current_user, ticket):
            abort(403)
    fields = entry["form"].get("fields", [])
    form = build_form_class((entry["version"].id, "start:" + (entry["form"].get("element_id") or "")), fields)()
    if request.method == "POST" and form.validate_on_submit():
        data, display = form.task_data()
        try:
            process_start.start(current_user, process_key, data, display, ticket)
            flash(_("已发起“%(name)s”。", name=entry["name"]), "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id) if ticket else url_for("inbox.index"))
        except (PermissionDenied, ServiceError, EngineError) as exc:
            flash(str(exc), "danger")
    return render_template("workbench/start.html", entry=entry, form=form, ticket=ticket), \
        400 if request.method == "POST" else 200


@bp.app_context_processor
def _startable():
    def startable_processes():
        if not getattr(current_user, "is_authenticated", False):
            return []
        return process_start.startable(current_user)

    def may_start_any():
        return getattr(current_user, "is_authenticated", False) and process_start.may_start_any(current_user)

    def current_version_id(process_key):
        current = instances.current_version(process_key)
        return current.id if current else 0

    return {"startable_processes": startable_processes, "may_start_any": may_start_any,
            "current_version_id": current_version_id}
