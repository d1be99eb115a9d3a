"""工作日历: paste the State Council's notice, preview and save it, confirm a year, and recompute
the open tickets' dates after a change (the day-by-day editing stays in app/web/admin.py)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.engine.clock import clock
from app.services import (
    ServiceError,
    calendar_admin,
    calendar_import,
    calendar_recompute,
    calendar_watch,
    query_args,
)
from app.services.catalogue import gettext as _
from app.web import flow, staged
from app.web.filters import WEEKDAYS, WEEKDAYS_EN

bp = Blueprint("calendar_pages", __name__, url_prefix="/admin/calendar")


def _imported(preview):
    flash(_("已导入日历：新增 %(a)s 天，修改 %(c)s 天。导入不等于确认全年完整，请核对后在工作日历页确认。",
            a=len(preview.new), c=len(preview.changed)), "success")
    years = sorted({r.day.year for r in preview.writes})
    return redirect(url_for(".recompute", year=years[0]) if years else url_for("admin.calendar"))


staged.add_pages(bp, calendar_import.IMPORT, "admin/calendar_import.html", calendar_admin.can_edit, _imported)


@bp.app_template_global("calendar_unconfirmed")
def calendar_unconfirmed(at):
    """The year of a date whose calendar nobody has confirmed, else None (the due-date badge uses it)."""
    return calendar_watch.unconfirmed_year(at)


@bp.app_template_global("calendar_ticket_years")
def calendar_ticket_years(ticket, tasks=True):
    return calendar_watch.ticket_years(ticket, tasks)


@bp.app_template_global("calendar_summary")
def calendar_summary():
    return calendar_watch.board_summary()


@bp.before_app_request
def _raise_calendar_alerts():
    """The board shows the 日历未确认 alerts that are due (ticket saves raise them too)."""
    if request.endpoint == "supervisor.index":
        calendar_watch.raise_due_alerts()


@bp.app_template_filter("day")
def format_day(value) -> str:
    """2027-01-01 (周五): a calendar date with its weekday, in the reader's language."""
    if value is None:
        return ""
    names = WEEKDAYS_EN if str(getattr(g, "locale", "zh")).startswith("en") else WEEKDAYS
    return f"{value.isoformat()} ({names[value.weekday()]})"


@bp.route("/notice", methods=["GET", "POST"])
def notice():
    default_year = clock.local_now().year + 1
    text = request.form.get("text", "")
    year = request.form.get("year", type=query_args.year) or request.args.get("year", type=query_args.year) \
        or default_year
    preview = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "preview")
        if action in ("save", "save_confirm"):
            try:
                saved = calendar_admin.save_notice(current_user, text, year, action == "save_confirm")
            except ServiceError as exc:
                status = flow.refused(exc)
            else:
                y = saved.notice.year
                flash(_("已按通知保存 %(year)s 年日历：新增 %(a)s 天，修改 %(c)s 天，删除 %(r)s 天。", year=y,
                        a=len(saved.added), c=len(saved.changed), r=len(saved.removed)), "success")
                if action == "save_confirm":
                    flash(_("已确认 %(year)s 年日历完整：此后该年的时限不再提示。", year=y), "success")
                return redirect(url_for(".recompute", year=y))
        preview = calendar_admin.preview_notice(text, year)
        if not preview.notice.ok and status == 200:
            status = 422
    return render_template("admin/calendar_notice.html", text=text, year=year, preview=preview), status


@bp.route("/confirm", methods=["POST"])
def confirm():
    year = request.form.get("year", type=query_args.year)
    if flow.attempt(calendar_admin.confirm_year, current_user, year):
        flash(_("已确认 %(year)s 年日历完整：此后该年的时限不再提示。", year=year), "success")
        return redirect(url_for(".recompute", year=year))
    return redirect(url_for("admin.calendar", year=year))


@bp.route("/withdraw", methods=["POST"])
def withdraw():
    year = request.form.get("year", type=query_args.year)
    if flow.attempt(calendar_admin.withdraw_confirmation, current_user, year):
        flash(_("已撤销 %(year)s 年日历的确认：该年的时限重新提示。", year=year), "warning")
    return redirect(url_for("admin.calendar", year=year))


@bp.route("/recompute", methods=["GET", "POST"])
def recompute():
    year = request.values.get("year", type=query_args.year)
    if request.method == "POST":
        outcomes = calendar_recompute.apply(current_user)
        moved = [o for o in outcomes if o.done]
        failed = [o for o in outcomes if o.error]
        flash(_("已按新日历重算 %(n)s 个未办结实例：%(moved)s 件工单的时限有变化（已写入各工单的办理记录），%(failed)s 个出错。",
                n=len(outcomes), moved=len(moved), failed=len(failed)), "warning" if failed else "success")
        for o in failed[:10]:
            flash(f"{o.ticket.ticket_no if o.ticket else '#' + str(o.instance.id)}：{o.error}", "danger")
        return redirect(url_for("admin.calendar", year=year) if year else url_for("admin.calendar"))
    changes = calendar_recompute.preview(current_user)
    return render_template("admin/calendar_recompute.html", changes=changes, year=year,
                           pending=calendar_admin.pending_recompute())
