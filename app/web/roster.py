"""排班: the duty roster (week and month views, assigning, spreadsheet import) and the navbar's 值班."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.engine.clock import clock
from app.extensions import db
from app.models import DutyAssignment
from app.services import (
    Conflict,
    InvalidInput,
    PermissionDenied,
    ServiceError,
    query_args,
    roster,
    spreadsheets,
)
from app.services.catalogue import gettext as _
from app.web import flow
from app.web import staged as pages
from app.web.filters import WEEKDAYS, WEEKDAYS_EN

bp = Blueprint("roster", __name__, url_prefix="/roster")


@bp.app_context_processor
def _duty_banner():
    """值班：刘洋（夜班） in the navbar of every page."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"duty_now": [_("%(name)s（%(shift)s）", name=name, shift=roster.shift_label(shift))
                         for name, shift in roster.duty_banner()]}


@bp.app_template_filter("roster_day")
def roster_day(value: date) -> str:
    names = WEEKDAYS_EN if str(getattr(g, "locale", "zh")).startswith("en") else WEEKDAYS
    return f"{value:%m-%d} {names[value.weekday()]}"


def _date_arg(name: str, default: date) -> date:
    try:
        day = date.fromisoformat(request.args.get(name, ""))
        query_args.year(day.year)  # the page's previous and next weeks stay within the calendar
        return day
    except ValueError:
        return default


def _context(first: date, last: date, view: str, **extra):
    return dict(rows=roster.table(first, last), view=view, first=first, last=last, kinds=roster.SHIFT_LABELS,
                role_labels=roster.ROLE_LABELS, times=roster.shift_times_text(),
                can_edit=roster.can_edit(current_user), can_set_times=current_user.has_role("supervisor"),
                today=clock.local_now().date(), **extra)


@bp.route("/")
def week():
    day = _date_arg("date", clock.local_now().date())
    first = day - timedelta(days=day.weekday())
    return render_template("roster/index.html", **_context(first, first + timedelta(days=6), "week",
                                                           prev=first - timedelta(days=7),
                                                           next=first + timedelta(days=7)))


@bp.route("/month")
def month():
    today = clock.local_now().date()
    try:
        year, mon = (int(p) for p in request.args.get("month", "").split("-"))
        first = date(query_args.year(year), mon, 1)
    except ValueError:
        first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    prev = (first - timedelta(days=1)).replace(day=1)
    return render_template("roster/index.html", **_context(first, last, "month", prev=prev,
                                                           next=last + timedelta(days=1)))


@bp.route("/assign", methods=["GET", "POST"])
def assign():
    source = request.form if request.method == "POST" else request.args
    form = {"day": source.get("day", clock.local_now().date().isoformat()), "shift": source.get("shift", ""),
            "user_id": source.get("user_id", ""), "duty_role": source.get("duty_role", ""),
            "note": source.get("note", "")}
    errors, status, note_error = [], 200, ""
    try:
        day = date.fromisoformat(form["day"])
    except ValueError:
        day = None
        errors.append(_("日期格式不正确，应为 YYYY-MM-DD。"))
        status = 422
    if request.method == "POST" and day is not None:
        try:
            roster.assign(current_user, day, form["shift"], request.form.get("user_id", type=query_args.row_id),
                          form["duty_role"], form["note"])
        except ServiceError as exc:
            errors.extend(str(exc).split("；"))
            note_error = str(exc.errors.get("note", "")) if isinstance(exc, InvalidInput) else ""
            status = 422 if not isinstance(exc, Conflict) else 409
            db.session.rollback()
        else:
            flash(_("已排班：%(day)s %(shift)s。", day=day.isoformat(), shift=roster.shift_label(form["shift"])),
                  "success")
            if day < clock.local_now().date():  # a correction of the record, or a mistyped year
                flash(_("注意：%(day)s 已经过去，这条排班只补记在排班表上，不会再派单或提醒。", day=day.isoformat()),
                      "warning")
            return redirect(url_for("roster.week", date=day.isoformat()))
    elif request.method == "POST":
        status = 422
    current = []
    if day is not None and form["shift"]:
        current = [a for a in roster.assignments_between(day, day) if a.shift == form["shift"]]
    return render_template("roster/assign.html", form=form, errors=errors, people=roster.eligible_people(),
                           kinds=roster.SHIFT_LABELS, role_labels=roster.ROLE_LABELS, current=current,
                           day=day, note_error=note_error, note_limit=roster.NOTE_LIMIT), status


@bp.route("/<int:assignment_id>/remove", methods=["POST"])
def remove(assignment_id):
    assignment = db.session.get(DutyAssignment, assignment_id)
    back = url_for("roster.week", date=assignment.day.isoformat()) if assignment else url_for("roster.week")
    try:
        removed = roster.unassign(current_user, assignment_id)
        flash(_("已取消排班：%(name)s，%(day)s %(shift)s。", name=removed.user.name, day=removed.day.isoformat(),
                shift=roster.shift_label(removed.shift)), "success")
    except ServiceError as exc:
        flow.refused(exc)
    return redirect(flow.safe_next(back))


@bp.route("/times", methods=["POST"])
def times():
    try:
        roster.set_shift_times(current_user, {k: request.form.get(k, "") for k in roster.SHIFT_LABELS})
        flash(_("班次时间已保存。"), "success")
    except InvalidInput as exc:
        for message in exc.errors.values():
            flash(message, "danger")
    except PermissionDenied as exc:
        flash(str(exc), "danger")
    return redirect(flow.safe_next(url_for("roster.week")))


def _imported(preview):
    flash(_("导入完成：新增 %(new)s 条排班，%(same)s 条已存在未改动。", new=len(preview.new),
            same=len(preview.existing)), "success")
    first = min((r.day for r in preview.rows if r.day), default=clock.local_now().date())
    return redirect(url_for("roster.week", date=first.isoformat()))


# /import, /import/<token> (preview), /import/<token>/confirm, /import/<token>/discard
pages.add_pages(bp, roster.IMPORT, "roster/import.html", roster.can_edit, _imported, kinds=roster.SHIFT_LABELS,
                role_labels=roster.ROLE_LABELS)


@bp.route("/import/template.xlsx")
def import_template():
    return roster.template_workbook(), 200, {
        "Content-Type": spreadsheets.XLSX_MIMETYPE,
        "Content-Disposition": "attachment; filename=roster-template.xlsx"}
