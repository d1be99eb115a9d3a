"""工单: entry by hand, the ticket page, the searchable list."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.forms.ticket import TicketForm
from app.models import Section
from app.models.ticket import TICKET_TYPES
from app.services import NotFound, PermissionDenied, ServiceError, access, tickets

bp = Blueprint("tickets", __name__, url_prefix="/tickets")


@bp.route("/")
@login_required
def index():
    page = max(1, request.args.get("page", 1, type=int))
    q = request.args.get("q", "")
    state = request.args.get("state", "")
    section = request.args.get("section", type=int)
    ticket_type = request.args.get("type", "")
    rows, total = tickets.search(q, state, section, ticket_type, page, user=current_user)
    sections = db.session.scalars(db.select(Section).order_by(Section.id)).all()
    return render_template("tickets/list.html", rows=rows, total=total, page=page, q=q, state=state,
                           section=section, ticket_type=ticket_type, sections=sections,
                           ticket_types=TICKET_TYPES, per_page=30)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not current_user.has_role("dispatcher", "duty"):
        abort(403)
    form = TicketForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                ticket = tickets.create_ticket(form.ticket_fields(), current_user)
            except (ServiceError, PermissionDenied) as exc:
                flash(str(exc), "danger")
                status = 422
            else:
                flash(_("工单 %(no)s 已录入，已进入签收环节。", no=ticket.ticket_no), "success")
                return redirect(url_for("tickets.show", ticket_id=ticket.id))
        else:
            flash(_("表单有误，请按提示修改后再提交。"), "danger")
            status = 422
    return render_template("tickets/new.html", form=form), status


@bp.route("/<int:ticket_id>")
@login_required
def show(ticket_id):
    try:
        ticket = tickets.get_ticket(ticket_id)
    except NotFound:
        abort(404)
    if not access.can_view_ticket(current_user, ticket):
        abort(403)
    if access.may_see_personal_data(current_user, ticket):
        access.log_personal_data_view(current_user, ticket, "ticket page")
    return render_template("tickets/show.html", ticket=ticket, events=tickets.timeline(ticket),
                           items=tickets.work_items(ticket), labels=tickets.FIELD_LABELS,
                           instance=tickets.ticket_instance(ticket))
