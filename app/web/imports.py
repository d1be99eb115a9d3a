"""导入工单: upload the platform's export, preview it, import it in the background with a progress bar."""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app.services import N_, NotFound, PermissionDenied, ServiceError, cells
from app.services import ticket_import as ti

bp = Blueprint("imports", __name__, url_prefix="/import")

SAMPLE_ROWS = 20
SHOWN_PROBLEMS = 1000


class UploadForm(FlaskForm):
    file = FileField(_l("导出文件"), validators=[FileRequired(message=_l("请选择要导入的文件。"))],
                     description=_l("12345 平台导出的 Excel（.xlsx）或 CSV 文件（UTF-8 或 GBK 编码）；列名所在的表头行须在前 10 行内。"),
                     render_kw={"accept": ",".join(ti.ALLOWED_EXTENSIONS)})


class ConfirmForm(FlaskForm):
    pass


def _max_bytes() -> int:
    return current_app.config.get("JIESU_IMPORT_MAX_BYTES", ti.DEFAULT_MAX_BYTES)


@bp.route("/", methods=["GET", "POST"])
def upload():
    status = 200
    if request.method == "POST":
        limit = _max_bytes()
        # (a request without Content-Length is measured while it is stored: ti.store_upload)
        if request.content_length and request.content_length > limit + 64 * 1024:  # + multipart framing
            form, valid = UploadForm(formdata=None), False
            form.file.errors = [_("文件太大，单次导入上限为 %(max)s，请拆分后导入。", max=ti.file_size(limit))]
        else:
            form = UploadForm()
            valid = form.validate_on_submit()
        if valid:
            try:
                stored = ti.store_upload(form.file.data.stream, form.file.data.filename, current_user)
            except ServiceError as exc:
                form.file.errors = [str(exc)]
            else:
                return redirect(url_for("imports.preview", token=stored.token))
        if form.file.errors:
            flash(_("文件未能导入：%(reason)s", reason=form.file.errors[0]), "danger")
        status = 422
    else:
        form = UploadForm()
    return render_template("imports/upload.html", form=form, jobs=ti.recent_jobs(current_user),
                           max_size=ti.file_size(_max_bytes()), columns=[c[1] for c in ti.COLUMNS],
                           required=[ti.COLUMN_NAMES[n] for n in ti.REQUIRED_COLUMNS]), status


@bp.route("/preview/<token>")
def preview(token):
    job = ti.job_for_token(token, current_user)
    if job is not None:
        return redirect(url_for("imports.job", job_id=job.id))
    try:
        stored = ti.get_upload(token, current_user)
    except NotFound as exc:
        flash(str(exc), "warning")
        return redirect(url_for("imports.upload"))
    return render_template("imports/preview.html", stored=stored, p=stored.preview, form=ConfirmForm(),
                           kinds=ti.KIND_LABELS, sample_rows=SAMPLE_ROWS)


@bp.route("/preview/<token>/confirm", methods=["POST"])
def confirm(token):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    job = ti.job_for_token(token, current_user)
    if job is None:
        try:
            job = ti.start_job(ti.get_upload(token, current_user), current_user)
        except NotFound as exc:
            flash(str(exc), "warning")
            return redirect(url_for("imports.upload"))
    return redirect(url_for("imports.job", job_id=job.id))


@bp.route("/preview/<token>/discard", methods=["POST"])
def discard(token):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if ti.job_for_token(token, current_user) is None:
        try:
            ti.get_upload(token, current_user)
        except NotFound:
            pass
        else:
            ti.discard_upload(token)
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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("行号"), _("工单编号"), _("问题"), _("说明")])
    for problem in job.errors or []:
        writer.writerow([cells.neutralise(str(v)) for v in (
            problem["row"], problem["ticket_no"], ti.KIND_LABELS.get(problem["kind"], ""), "；".join(problem["messages"]))])
    filename = f"import-{job.id}-problems.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
