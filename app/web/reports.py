"""统计报表: the report of a period with its charts, drill-down to the ledger, Excel, print and PDF."""

from __future__ import annotations

import io
from datetime import datetime

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.services import ServiceError, rates
from app.services.catalogue import gettext as _
from app.services.reports import archive, charts, documents, figures, keywords, periods
from app.services.reports import callback_sheet as callback_sheet_service
from app.services.reports import hotspots as hotspots_service
from app.services.reports import topic_report as topic_report_service
from app.services.spreadsheets import XLSX_MIMETYPE
from app.web import flow

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _period():
    try:
        return periods.from_args(request.args)
    except ServiceError as exc:
        flow.refused(exc)
        return None


def _context(period, r: dict, **more) -> dict:
    topic = request.args.get("topic", "").strip()
    node = figures.find_topic(r["topics"], topic) if topic else None
    rows = node["children"] if node else r["topics"]

    def drill(row):
        return url_for("reports.index", **r["period"]["args"], topic=row["path"]) + "#report-topics"
    return dict(period=period, r=r, generated=datetime.fromisoformat(r["generated_at"]), topic_node=node, topic_rows=rows, drill=drill,
                charts=charts.for_report(r, rows), kinds=list(periods.KIND_LABELS.items()),
                unit=documents.unit_name(), **more)


@bp.route("/")
def index():
    period = _period()
    if period is None:
        return redirect(url_for("reports.index"))
    return render_template("reports/report.html", **_context(period, figures.compute(period)))


@bp.route("/print")
def printable():
    period = _period()
    if period is None:
        return redirect(url_for("reports.index"))
    return render_template("reports/document.html", **_context(period, figures.compute(period)))


@bp.route("/report.xlsx")
def xlsx():
    period = _period()
    if period is None:
        return redirect(url_for("reports.index"))
    content = documents.report_xlsx(figures.compute(period))
    return send_file(io.BytesIO(content), as_attachment=True, mimetype=XLSX_MIMETYPE,
                     download_name=documents.file_name(period, "xlsx"))


@bp.route("/report.<any(pdf):fmt>")  # figures only (no personal data); one route per document format
def pdf(fmt="pdf"):
    period = _period()
    if period is None:
        return redirect(url_for("reports.index"))
    html = document_html(period, figures.compute(period))
    try:
        content = documents.html_to_pdf(html, request.url_root)
    except ServiceError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("reports.printable", **period.args()))
    return send_file(io.BytesIO(content), as_attachment=True, mimetype="application/pdf",
                     download_name=documents.file_name(period, "pdf"))


@bp.route("/board.json")
def board_data():
    """督办看板's small charts (fetched by the page, so the board itself stays fast)."""
    period = periods.assessment(rates.current_period())
    return jsonify(charts.for_board(figures.rate_trend(period), figures.open_by_section()))


@bp.route("/hotspots")
def hotspots():
    """热点、难点 of a period (this month by default)."""
    period = _period()
    if period is None:
        return redirect(url_for("reports.hotspots"))
    return render_template("reports/hotspots.html", period=period, h=hotspots_service.analyse(period, current_user),
                           kinds=list(periods.KIND_LABELS.items()), words=keywords.user_words(),
                           stops=keywords.stop_words())


@bp.route("/keywords", methods=["POST"])
def keyword_settings():
    """The analyst's user dictionary and stop words for the keyword analysis."""
    if flow.attempt(keywords.save, request.form.get("user_words", ""), request.form.get("stop_words", "")):
        flash(_("已保存词典和停用词。"), "success")
    return redirect(flow.safe_next(url_for("reports.hotspots")) + "#keyword-settings")


@bp.route("/topic", methods=["GET", "POST"])
def topic_report():
    """专题分析报告: choose a topic and a period, read the assembled figures, write the analysis, download Word."""
    period = _period()
    if period is None:
        return redirect(url_for("reports.topic_report"))
    topic = (request.values.get("topic") or "").strip()
    text = request.form.get("text", "")
    assembled = None
    if topic:
        try:
            assembled = topic_report_service.assemble(topic, period, current_user, text)
        except ServiceError as exc:
            flow.refused(exc)
    if request.method == "POST" and assembled is not None:
        return send_file(io.BytesIO(topic_report_service.docx(assembled)), as_attachment=True,
                         download_name=topic_report_service.file_name(assembled),
                         mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return render_template("reports/topic.html", period=period, topic=topic, text=text, t=assembled,
                           max_text=topic_report_service.MAX_TEXT, topics=topic_report_service.topics_seen(), kinds=list(periods.KIND_LABELS.items()),
                           title=topic_report_service.title_of(assembled) if assembled else "")


# -- 报表归档: drafts from the report cycle or the analyst, published (frozen) and corrected --------

@bp.route("/archive")
def archive_index():
    kind = request.args.get("kind", "")
    return render_template("reports/archive.html", records=archive.listing(kind if kind in periods.KINDS else ""),
                           kind=kind, kinds=list(periods.KIND_LABELS.items()))


@bp.route("/archive/new", methods=["POST"])
def archive_new():
    try:
        record = archive.create_draft(periods.from_args(request.form), current_user)
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(url_for("reports.archive_index"))
    return redirect(url_for("reports.archive_show", report_id=record.id))


def _saved(report_id: int, template: str, **more):
    record = archive.get(report_id)
    period = archive.period_of(record)
    note = _("第 %(v)s 版 · %(s)s", v=record.version, s=_(record.status_label))
    return render_template(template, **_context(period, record.figures, saved=record, saved_note=note,
                                                version=record.version, **more))


@bp.route("/archive/<int:report_id>")
def archive_show(report_id):
    try:
        return _saved(report_id, "reports/saved.html")
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(url_for("reports.archive_index"))


@bp.route("/archive/<int:report_id>/print")
def archive_print(report_id):
    return _saved(report_id, "reports/document.html")


@bp.route("/archive/<int:report_id>/report.xlsx")
def archive_xlsx(report_id):
    record = archive.get(report_id)
    period = archive.period_of(record)
    name = documents.file_name(period, "xlsx").replace(".xlsx", f"-v{record.version}.xlsx")
    return send_file(io.BytesIO(documents.report_xlsx(record.figures)), as_attachment=True, mimetype=XLSX_MIMETYPE,
                     download_name=name)


@bp.route("/archive/<int:report_id>/publish", methods=["POST"])
def archive_publish(report_id):
    if flow.attempt(archive.publish, report_id, current_user, request.form.get("note", "")):
        flash(_("报表已发布，数据已归档，不再变化。"), "success")
    return redirect(url_for("reports.archive_show", report_id=report_id))


@bp.route("/archive/<int:report_id>/refresh", methods=["POST"])
def archive_refresh(report_id):
    if flow.attempt(archive.refresh, report_id, current_user):
        flash(_("已按当前数据重新统计。"), "success")
    return redirect(url_for("reports.archive_show", report_id=report_id))


@bp.route("/archive/<int:report_id>/revise", methods=["POST"])
def archive_revise(report_id):
    try:
        record = archive.create_draft(archive.period_of(archive.get(report_id)), current_user)
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(url_for("reports.archive_show", report_id=report_id))
    flash(_("已起草修订版，发布时请写明修订说明。"), "info")
    return redirect(url_for("reports.archive_show", report_id=record.id))


@bp.route("/callbacks.xlsx")
def callback_sheet():
    """回访数据表 of a period (this month by default): every callback, outcome, attempts, recording link."""
    period = _period()
    if period is None:
        return redirect(url_for("reports.index"))

    def recording_url(attachment_id: int) -> str:
        return url_for("tickets.attachment", attachment_id=attachment_id, _external=True)
    try:
        content = callback_sheet_service.xlsx(period, current_user, recording_url)
    except ServiceError as exc:
        flow.refused(exc)
        return flow.with_query("reports.index")  # the period as chosen
    return send_file(io.BytesIO(content), as_attachment=True, mimetype=XLSX_MIMETYPE,
                     download_name=f"回访数据表-{period.key}.xlsx")


def document_html(period, r: dict) -> str:
    """The PDF's page for a report (also used by ``jiesu report --format pdf`` in a request context)."""
    return render_template("reports/document.html", **_context(period, r, print_mode=True, pdf=True,
                                                               pdf_css=documents.print_css()))
