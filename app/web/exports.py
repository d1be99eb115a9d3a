"""导出任务: the user's ledger exports made in the background, their progress and their files."""

from flask import Blueprint, abort, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.services import NotFound, ledger_export
from app.services.spreadsheets import XLSX_MIMETYPE
from app.web import serving

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _job_or_404(job_id):
    try:
        return ledger_export.get_job(job_id, current_user)
    except NotFound:
        abort(404)


@bp.route("/")
def index():
    """The user's own exports of the last week."""
    return render_template("exports/index.html", jobs=ledger_export.recent_jobs(current_user),
                           labels=ledger_export.STATE_LABELS, keep_days=ledger_export.KEEP_DAYS)


@bp.route("/<int:job_id>")
def job(job_id):
    """One export: a progress bar that follows the job (app/static/js/exports.js), then its 下载 link."""
    return render_template("exports/job.html", job=_job_or_404(job_id), labels=ledger_export.STATE_LABELS,
                           jobs=ledger_export.recent_jobs(current_user), keep_days=ledger_export.KEEP_DAYS)


@bp.route("/<int:job_id>/status")
def status(job_id):
    job = _job_or_404(job_id)
    return jsonify(state=job.state, state_label=_(ledger_export.STATE_LABELS[job.state]), finished=job.finished,
                   percent=job.percent, done=job.rows_done, total=job.rows_total, error=job.error)


@bp.route("/<int:job_id>/download")
def download(job_id):
    """The file, for the user who asked for it (and admins): the download is in the access log."""
    try:
        job, path = ledger_export.download(job_id, current_user)
    except NotFound:
        abort(404)
    return serving.send_stored(path, XLSX_MIMETYPE, ledger_export.download_name(job))
