"""故障: incidents of process instances, for process owners (retry) and supervisors (read)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.services import NotFound, PermissionDenied, ServiceError, incidents
from app.services.catalogue import gettext as _

bp = Blueprint("incidents", __name__, url_prefix="/incidents")


@bp.route("/")
def index():
    if not incidents.may_view(current_user):
        abort(403)
    status = request.args.get("status", "open")
    if status not in ("open", "resolved", ""):
        status = "open"
    return render_template("incidents/list.html", incidents=incidents.list_incidents(status), status=status,
                           may_retry=incidents.may_retry(current_user))


@bp.route("/<int:incident_id>/retry", methods=["POST"])
def retry(incident_id):
    try:
        incidents.retry(incident_id, current_user)
        flash(_("重试成功，流程已继续。"), "success")
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)
    except ServiceError as exc:
        flash(str(exc), "danger")
    return redirect(url_for("incidents.index"))
