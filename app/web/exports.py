"""导出任务: the user's ledger exports made in the background, their progress and their files."""

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user

from app.extensions import db
from app.models import Section
from app.services import N_, NotFound, ledger_export
from app.services.catalogue import gettext as _
from app.services.spreadsheets import XLSX_MIMETYPE
from app.web import serving

bp = Blueprint("exports", __name__, url_prefix="/exports")


# the ledger's filter arguments as its form names them (templates/tickets/list.html)
CONDITION_LABELS = {"q": N_("关键词"), "period": N_("考核期"), "type": N_("类型"), "topic": N_("问题分类"),
                    "section": N_("科室"), "state": N_("状态"), "source": N_("来源"), "enterprise": N_("涉及企业"),
                    "received_from": N_("接收时间"), "received_to": N_("接收时间")}
CONDITION_WORDS = {("excluded", "yes"): N_("已剔除"), ("excluded", "no"): N_("未剔除"), ("carried", "yes"): N_("挂账中"),
                   ("carried", "written_off"): N_("已销账"), ("carried", "no"): N_("未挂账"),
                   ("supervised", "yes"): N_("督办件"), ("supervised", "no"): N_("非督办件"),
                   ("overdue", "1"): N_("超期"), ("repeat", "1"): N_("重复反映"),
                   ("overdue", True): N_("超期"), ("repeat", True): N_("重复反映")}  # (jobs stored before flags were "1")


@bp.app_template_filter("ledger_conditions")
def ledger_conditions(args: dict) -> str:
    """考核期：2026-11，科室：文化市场管理科，超期: an export's filters in the reader's words."""
    parts = []
    for key, value in (args or {}).items():
        if (key, value) in CONDITION_WORDS:
            parts.append(_(CONDITION_WORDS[key, value]))
            continue
        if key == "section" and str(value).isdigit():
            section = db.session.get(Section, int(value))
            value = section.name if section is not None else value
        elif key == "received_from":
            value = _("%(day)s 起", day=value)
        elif key == "received_to":
            value = _("至 %(day)s", day=value)
        label = _(CONDITION_LABELS[key]) if key in CONDITION_LABELS else key
        parts.append(f"{label}{_('：')}{value}")
    return _("，").join(parts) if parts else _("全部工单")


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
