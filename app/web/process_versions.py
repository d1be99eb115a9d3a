"""流程版本: versions per process with running counts, the original files, visual diffs, roll back,
migration of running instances, the process monitor, and a ticket's instance on its diagram."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.engine.expressions import to_datetime
from app.extensions import db
from app.models import ProcessInstance, Ticket, WorkItem
from app.services import (
    NotFound,
    PermissionDenied,
    ServiceError,
    access,
    deploy_check,
    migration,
    query_args,
    versions,
)
from app.services.catalogue import gettext as _
from app.web import serving
from app.web.filters import format_dt

bp = Blueprint("process_versions", __name__, url_prefix="/processes")


def _viewer():
    if not versions.can_view(current_user):
        abort(403)


def _version_or_404(version_id: int):
    try:
        return versions.get(version_id)
    except NotFound:
        abort(404)


@bp.route("/")
def index():
    _viewer()
    return render_template("workbench/processes.html", processes=versions.processes())


@bp.route("/<process_key>")
def show(process_key):
    _viewer()
    try:
        rows = versions.versions(process_key)
    except NotFound:
        abort(404)
    by_id = {v.id: v for v, _n in rows}
    shown = by_id.get(request.args.get("version", type=query_args.row_id)) \
        or next((v for v, _n in rows if v.is_current), rows[0][0])
    waiting_steps = db.session.execute(
        select(WorkItem.spec_name, WorkItem.title, db.func.count(WorkItem.id))
        .join(ProcessInstance, WorkItem.instance_id == ProcessInstance.id)
        .where(ProcessInstance.version_id == shown.id, ProcessInstance.status == "running", WorkItem.state == "ready")
        .group_by(WorkItem.spec_name, WorkItem.title)).all()
    return render_template("workbench/versions.html", process_key=process_key, rows=rows, shown=shown,
                           waiting_steps=waiting_steps, counts=versions.element_counts(shown),
                           can_manage=deploy_check.can_deploy(current_user))


@bp.route("/versions/<int:version_id>.bpmn")
def original(version_id):
    """The file of a version; ``?inline=1`` for the diagram viewers. Process owners and supervisors
    read any version; anyone else only the version a ticket they may see runs on (``?instance=``)."""
    version = _version_or_404(version_id)
    headers = {"Content-Type": "application/xml; charset=utf-8"}
    if not versions.can_view(current_user):
        instance = db.session.get(ProcessInstance, request.args.get("instance", type=query_args.row_id) or 0)
        ticket = db.session.get(Ticket, instance.ticket_id) if instance is not None and instance.ticket_id \
            and instance.version_id == version.id else None
        if not request.args.get("inline") or ticket is None or not access.can_view_ticket(current_user, ticket):
            abort(403)
    if not request.args.get("inline"):
        headers["Content-Disposition"] = serving.attachment(f"{version.process_key}-v{version.version}.bpmn")
    return versions.original_xml(version), 200, headers


@bp.route("/versions/<int:version_id>/counts.json")
def counts(version_id):
    _viewer()
    return jsonify(versions.element_counts(_version_or_404(version_id)))


@bp.route("/<process_key>/diff")
def diff(process_key):
    _viewer()
    a = _version_or_404(request.args.get("a", type=query_args.row_id) or 0)
    b = _version_or_404(request.args.get("b", type=query_args.row_id) or 0)
    if a.process_key != process_key or b.process_key != process_key:
        abort(404)
    config = {"urls": {"a": url_for(".original", version_id=a.id, inline=1),
                       "b": url_for(".original", version_id=b.id, inline=1)},
              "texts": {"added": _("新增"), "removed": _("删除"), "changed": _("修改"), "moved": _("移动"),
                        "same": _("两个版本的流程内容相同。")}}
    return render_template("workbench/diff.html", a=a, b=b, process_key=process_key, config=config,
                           rows=versions.versions(process_key))


@bp.route("/versions/<int:version_id>/rollback", methods=["POST"])
def rollback(version_id):
    old = _version_or_404(version_id)
    try:
        new = versions.rollback(version_id, current_user, request.form.get("comment", ""))
        flash(_("已将第 %(old)s 版重新部署为第 %(new)s 版。", old=old.version, new=new.version), "success")
    except deploy_check.DeployRefused as exc:
        flash(str(exc) + "".join(f" {p['message']}" for p in exc.problems), "danger")
    except (PermissionDenied, ServiceError) as exc:
        flash(str(exc), "danger")
    return redirect(url_for(".show", process_key=old.process_key))


def _migration_request():
    """(instances, target) from the query or form: one instance, or version N waiting at a task."""
    args = request.values
    target = _version_or_404(args.get("to", type=query_args.row_id) or 0)
    if args.get("instance", type=query_args.row_id):
        instance = db.session.get(ProcessInstance, args.get("instance", type=query_args.row_id)) or abort(404)
        if instance.status != "running":  # (the list would only say there is nothing to migrate)
            flash(_("实例 %(id)s 已结束，不能迁移：已结束的实例保留它运行时的版本。", id=instance.id), "info")
        return [instance] if instance.status == "running" else [], target, instance.version
    source = _version_or_404(args.get("from", type=query_args.row_id) or 0)
    return migration.running_instances(source, args.get("task", "")), target, source


@bp.route("/migrate", methods=["GET", "POST"])
def migrate():
    if not deploy_check.can_deploy(current_user):
        abort(403)
    group, target, source = _migration_request()
    ids = [i.id for i in group]
    try:
        if request.method == "POST":
            chosen = [int(i) for i in request.form.getlist("instance_ids") if i.isdigit() and int(i) in ids]
            if not chosen:
                flash(_("请至少选择一个要迁移的实例。"), "warning")
                return redirect(request.url)
            outcomes = migration.migrate(chosen, target.id, current_user)
            done = sum(1 for o in outcomes if o.done)
            flash(_("已迁移 %(done)s 个实例，%(refused)s 个未迁移。", done=done, refused=len(outcomes) - done),
                  "success" if done == len(outcomes) else "warning")
            return render_template("workbench/migrate.html", outcomes=outcomes, target=target, source=source,
                                   executed=True, labels=migration.deadline_label)
        outcomes = migration.preview(ids, target.id, current_user)
    except (PermissionDenied, ServiceError) as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".show", process_key=target.process_key))
    return render_template("workbench/migrate.html", outcomes=outcomes, target=target, source=source, executed=False,
                           labels=migration.deadline_label)


@bp.route("/instances/<int:instance_id>/state.json")
def instance_state(instance_id):
    instance = db.session.get(ProcessInstance, instance_id) or abort(404)
    if instance.ticket_id:
        ticket = db.session.get(Ticket, instance.ticket_id)
        if not access.can_view_ticket(current_user, ticket):
            abort(403)
    elif not versions.can_view(current_user):
        abort(403)
    return jsonify(versions.instance_state(instance, current_user))


@bp.app_template_filter("isodt")
def isodt(value):
    """An ISO instant from process data, shown like every other date (``dt``)."""
    if not value:
        return "—"
    try:
        return format_dt(to_datetime(value))
    except (TypeError, ValueError):
        return str(value)
