"""管理: working-day calendar, simulation clock, process versions."""

import json
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import ProcessVersion
from app.services import (
    InvalidInput,
    ServiceError,
    calendar_admin,
    calendar_watch,
    deployment,
    query_args,
    settings,
)
from app.services.catalogue import gettext as _
from app.services.timers import sweep
from app.web import flow, serving
from app.web.filters import format_dt

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/calendar")
def calendar():
    return _calendar_page(request.args.get("year", clock.local_now().year, type=query_args.year))


def _calendar_page(year: int, typed: dict | None = None):
    """工作日历 of ``year``; ``typed``: a day refused, its form as typed (day, kind, name, errors)."""
    view = calendar_admin.year_view(year)
    next_year = calendar_admin.year_view(clock.local_now().year + 1)
    unconfirmed = calendar_watch.raise_due_alerts()
    return render_template("admin/calendar.html", next_year=next_year, unconfirmed=unconfirmed,
                           typed=typed or {}, name_limit=calendar_admin.NAME_LIMIT, **view)


@bp.route("/calendar/day", methods=["POST"])
def calendar_day():
    year = request.form.get("year", type=query_args.year)
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        flash(_("日期格式不正确，应为 YYYY-MM-DD。"), "danger")
        return redirect(url_for("admin.calendar", year=year))
    if request.form.get("action") == "delete":
        if flow.attempt(calendar_admin.delete_day, current_user, day):
            flash(_("已删除 %(day)s 的特殊安排。", day=day), "success")
    else:
        typed = {"day": request.form.get("day", ""), "kind": request.form.get("kind", ""),
                 "name": request.form.get("name", "")}
        try:
            calendar_admin.set_day(current_user, day, typed["kind"] == "workday", typed["name"])
        except ServiceError as exc:  # the page again, the day as typed (and what is wrong on its field)
            status = flow.refused(exc)
            typed["errors"] = exc.errors if isinstance(exc, InvalidInput) else {}
            return _calendar_page(day.year, typed), status
        flash(_("已保存 %(day)s。", day=day), "success")
    return redirect(url_for("admin.calendar", year=day.year))


@bp.route("/clock", methods=["GET", "POST"])
def clock_page():
    if not current_app.config.get("JIESU_SIMULATION"):
        abort(404)
    if request.method == "POST":
        moved = _move_clock()
        if moved:
            scheduler = current_app.extensions.get("jiesu_scheduler")
            if scheduler:
                scheduler.wake()
            else:
                sweep()
            flash(_("模拟时钟已拨到 %(now)s。", now=format_dt(clock.now())), "success")
        return redirect(url_for("admin.clock_page"))
    return render_template("admin/clock.html", offset=clock.offset,
                           now_local=clock.local_now().strftime("%Y-%m-%dT%H:%M"))


def _move_clock() -> bool:
    """The clock form: forward by hours and minutes, or to an exact instant (Beijing time)."""
    if request.form.get("mode") == "to":
        try:
            at = datetime.strptime(request.form.get("at", ""), "%Y-%m-%dT%H:%M").replace(tzinfo=LOCAL_TZ)
        except ValueError:
            flash(_("请填写要拨到的日期和时间。"), "danger")
            return False
        return flow.attempt(settings.move_clock_to, at, current_user)
    hours = request.form.get("hours", 0, type=float) or 0
    minutes = request.form.get("minutes", 0, type=float) or 0
    delta = timedelta(hours=hours, minutes=minutes)
    if hours < 0 or minutes < 0 or delta <= timedelta(0) or delta > settings.MAX_STEP:
        flash(_("请填写要前进的小时和分钟（合计大于 0，最多 60 天）。"), "danger")
        return False
    return flow.attempt(settings.advance_clock, delta, current_user)



def _uploaded_diagram() -> bytes | None:
    """The uploaded file's bytes, or None (with a message) if missing or over the limit."""
    limit = deployment.MAX_UPLOAD_BYTES
    if request.content_length and request.content_length > limit + 64 * 1024:
        flash(_("文件过大，流程图不能超过 %(mb)s MB。", mb=limit // 1024 // 1024), "danger")
        return None
    upload = request.files.get("bpmn")
    if upload is None or not upload.filename:
        flash(_("请选择要部署的 BPMN 文件。"), "danger")
        return None
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        flash(_("文件过大，流程图不能超过 %(mb)s MB。", mb=limit // 1024 // 1024), "danger")
        return None
    return data


@bp.route("/processes", methods=["GET", "POST"])
def processes():
    problems, dry = [], None
    status = 200
    if request.method == "POST":
        xml = _uploaded_diagram()
        action = request.form.get("action", "deploy")
        if xml is None:
            status = 400
        elif action == "lint":
            report = deployment.lint(xml)
            problems = report.problems
            flash(_("检查通过，可以部署。") if report.ok else _("检查未通过：请修正下列问题。"),
                  "success" if report.ok else "danger")
        elif action == "dry_run":
            try:
                sample = json.loads(request.form.get("sample") or "{}")
                if not isinstance(sample, dict):
                    raise ValueError
            except (ValueError, RecursionError):  # (RecursionError: nested deeper than the parser follows)
                sample = {}
                flash(_("示例数据不是有效的 JSON 对象（例如 {\"urgency\": \"紧急\"}），已按表单默认值试运行。"), "warning")
            dry = deployment.dry_run(xml, sample)
            problems = dry.problems
            flash(_("试运行完成。") if dry.ok else _("试运行发现问题：请修正下列问题。"),
                  "success" if dry.ok else "danger")
        else:
            try:
                version = deployment.deploy(xml, current_user, request.form.get("comment", ""))
                flash(deployment.deployed_message(version), "success")
                for warning in getattr(version, "check_warnings", []):
                    flash(_("提醒：%(text)s", text=warning), "warning")
                return redirect(url_for("admin.processes"))
            except deployment.DeployRefused as exc:
                problems = exc.report.problems
                flash(str(exc), "danger")
                status = 422
            except deployment.Unchanged as exc:
                flash(str(exc), "info")
            except ServiceError as exc:
                status = flow.refused(exc)
    versions = db.session.scalars(
        db.select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version.desc())
    ).all()
    return render_template("admin/processes.html", versions=versions, problems=problems, dry=dry,
                           comment_limit=deployment.COMMENT_LIMIT), status


@bp.route("/processes/<int:version_id>.bpmn")
def process_xml(version_id):
    version = db.session.get(ProcessVersion, version_id) or abort(404)
    return deployment.source_of(version), 200, {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": serving.attachment(f"{version.process_key}-v{version.version}.bpmn")}
