"""导入工单: upload the platform's export, preview it, import it in the background with a progress bar."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from app.forms.upload import StagedUploadForm
from app.services import N_, NotFound, PermissionDenied, spreadsheets
from app.services import ticket_import as ti
from app.services.catalogue import gettext as _
from app.services.catalogue import lazy_gettext as _l
from app.web import staged as pages

bp = Blueprint("imports", __name__, url_prefix="/import")

SAMPLE_ROWS = 20
SHOWN_PROBLEMS = 1000
FILE_HELP = _l("12345 平台导出的 Excel（.xlsx）或 CSV 文件（UTF-8 或 GBK 编码）；列名所在的表头行须在前 10 行内。")


@bp.before_request
def _dispatchers_only():
    if not current_user.has_role("dispatcher", "duty"):
        abort(403)


@bp.route("/", methods=["GET", "POST"])
def upload():
    form, done, status = pages.receive(ti.IMPORT, "imports.preview", FILE_HELP)
    if done is not None:
        return done
    return render_template("imports/upload.html", form=form, jobs=ti.recent_jobs(current_user),
                           max_size=spreadsheets.file_size(ti.max_bytes()), columns=list(ti.COLUMN_NAMES.values()),
                           required=[ti.COLUMN_NAMES[n] for n in ti.REQUIRED_COLUMNS]), status


@bp.route("/preview/<token>")
def preview(token):
    job = ti.job_for_token(token, current_user)
    if job is not None:
        return redirect(url_for("imports.job", job_id=job.id))
    stored, summary, back = pages.preview(ti.IMPORT, token, "imports.upload")
    if back is not None:
        return back
    return render_template("imports/preview.html", stored=stored, p=summary, form=StagedUploadForm(),
                           kinds=ti.KIND_LABELS, sample_rows=SAMPLE_ROWS)


@bp.route("/preview/<token>/confirm", methods=["POST"])
def confirm(token):
    job, back = pages.confirm(ti.IMPORT, token, "imports.upload", "imports.preview")
    return back or redirect(url_for("imports.job", job_id=job.id))


@bp.route("/preview/<token>/discard", methods=["POST"])
def discard(token):
    if ti.job_for_token(token, current_user) is None and pages.discard(ti.IMPORT, token):
        flash(_("已取消导入，上传的文件已删除。"), "info")
    return redirect(url_for("imports.upload"))


def _job_or_abort(job_id):
    try:
        return ti.get_job(job_id, current_user)
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)


@bp.route("/jobs/<int:job_id>")
def job(job_id):
    job = _job_or_abort(job_id)
    problems = job.errors or []
    return render_template("imports/job.html", job=job, problems=problems[:SHOWN_PROBLEMS],
                           more=max(0, len(problems) - SHOWN_PROBLEMS), kinds=ti.KIND_LABELS,
                           stale=ti.job_is_stale(job))


_STATUS_LABELS = {"queued": N_("排队中"), "running": N_("导入中"), "done": N_("已完成"), "failed": N_("已中止")}


@bp.route("/jobs/<int:job_id>/status")
def job_status(job_id):
    job = _job_or_abort(job_id)
    return jsonify(status=job.status, status_label=_(_STATUS_LABELS.get(job.status, job.status)),
                   finished=job.finished, percent=job.percent, total=job.total, done=job.done,
                   created=job.created, skipped=job.skipped, conflicts=job.conflicts, invalid=job.invalid,
                   failed=job.failed, message=job.message, stale=ti.job_is_stale(job))


@bp.route("/jobs/<int:job_id>/problems.csv")
def job_problems(job_id):
    job = _job_or_abort(job_id)
    return Response(ti.problems_csv(job.errors or []), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{job.id}-problems.csv"})
