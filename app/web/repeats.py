"""重复反映: a suggestion side by side with its earlier ticket, confirm / reject, and the register."""

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.engine.clock import LOCAL_TZ
from app.models.repeats import LINK_KINDS
from app.services import (
    N_,
    Conflict,
    InvalidInput,
    ServiceError,
    access,
    early_warning,
    query_args,
    repeats,
    tickets,
)
from app.services.catalogue import gettext as _
from app.web import flow

bp = Blueprint("repeats", __name__, url_prefix="/repeats")

# Labels kept as Chinese in app.models.repeats / app.models.early_warning, translated where shown.
N_("重复反映人"), N_("重复反映事件"), N_("待确认"), N_("已确认"), N_("已否定"), N_("来电号码"), N_("地址"), N_("涉及企业")
N_("敏感词"), N_("集中反映"), N_("特急工单"), N_("已升级"), N_("已处置")


PANEL_LINKS_TASK = 5  # a task page shows the strongest few repeat links of its ticket
PANEL_LINKS = 50  # the ticket page


@bp.app_context_processor
def _signals():
    def ticket_signals(ticket=None, item=None) -> dict:
        """What the repeats / warning panel on the ticket and task pages shows (the first links of a ticket
        that has many: the rest are on the ticket page and in the register)."""
        if not getattr(current_user, "is_authenticated", False):
            return {}
        warning = early_warning.warning_for_key(getattr(item, "business_key", None)) if item is not None else None
        subject = ticket or (warning.ticket if warning is not None else None)
        if ticket is None and subject is not None:
            access.log_ticket_view(current_user, subject, f"预警任务 #{warning.id}",
                                   masked=not access.may_see_personal_data(current_user, subject))
        limit = PANEL_LINKS_TASK if item is not None else PANEL_LINKS
        links = repeats.links_for(subject, limit=limit) if subject is not None else []
        return {
            "warning": warning,
            "subject": subject,
            "links": links,
            "links_total": repeats.links_count(subject) if len(links) >= limit else len(links),
            "warnings": early_warning.warnings_for_ticket(subject) if subject is not None else [],
            "can_decide": repeats.can_decide(current_user),
        }

    return {"ticket_signals": ticket_signals, "may_see_repeat_register": lambda: current_user.has_role(*repeats.REGISTER_ROLES)}


@bp.route("/<int:link_id>")
def compare(link_id):
    return _compare_page(link_id)


def _compare_page(link_id, status: int = 200, reopen_reason: str | None = None, reopen_error: str = "",
                  decide_note: str = "", decide_error: str = ""):
    """The 比对 page; after a refused 撤销 (``reopen_reason`` given) its form open with the reason as typed and
    the message on the field; after a refused 确认 / 不是重复, the 说明 as typed with its message."""
    link = repeats.get_link(link_id)
    if not (access.can_view_ticket(current_user, link.ticket) and access.can_view_ticket(current_user, link.earlier)):
        abort(403)
    for t in (link.ticket, link.earlier):
        access.log_ticket_view(current_user, t, f"重复反映比对 #{link.id}",
                               masked=not access.may_see_personal_data(current_user, t))
    return render_template("repeats/compare.html", link=link, labels=tickets.FIELD_LABELS,
                           can_decide=repeats.can_decide(current_user), reopen_reason=reopen_reason,
                           reopen_error=reopen_error, decide_note=decide_note, decide_error=decide_error,
                           note_limit=repeats.NOTE_LIMIT, **repeats.compare(link, current_user)), status


@bp.route("/<int:link_id>/decide", methods=["POST"])
def decide(link_id):
    confirm = request.form.get("decision") == "confirm"
    back = flow.safe_next(url_for("repeats.compare", link_id=link_id))
    note = request.form.get("note", "")
    try:
        link = repeats.decide(link_id, current_user, confirm, note)
    except InvalidInput as exc:  # the 比对 page again: the 说明 as typed, what is wrong with it on the field
        flash(_("未处理，请按提示修改说明。"), "danger")
        return _compare_page(link_id, flow.status_for(exc), decide_note=note,
                             decide_error="；".join(str(m) for m in exc.errors.values()))
    except Conflict as exc:  # decided meanwhile: from the 比对 page, that page as it is now (who decided what)
        status = flow.refused(exc)
        if not request.form.get("next"):
            return _compare_page(link_id, status)
        return redirect(back)
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(back)
    if confirm:
        flash(_("已确认为%(kind)s，已记入重复反映登记。", kind=_(LINK_KINDS[link.kind])), "success")
    else:
        flash(_("已否定该重复反映关联。"), "success")
    return redirect(back)


@bp.route("/<int:link_id>/reopen", methods=["POST"])
def reopen(link_id):
    """撤销: a decision taken back, the link 待确认 again (the reason is kept on the timeline)."""
    reason = request.form.get("reason", "")
    try:
        repeats.reopen(link_id, current_user, reason, request.form.get("was", ""))
    except InvalidInput as exc:  # the page again: the reason as typed, what is wrong with it on the field
        flash(_("撤销未完成，请按提示修改撤销原因。"), "danger")
        return _compare_page(link_id, flow.status_for(exc), reopen_reason=reason,
                             reopen_error="；".join(str(m) for m in exc.errors.values()))
    except Conflict as exc:  # decided or taken back meanwhile: the page as it is now, the reason still there
        status = flow.refused(exc)
        return _compare_page(link_id, status, reopen_reason=reason)
    except ServiceError as exc:
        flow.refused(exc)
        return redirect(url_for("repeats.compare", link_id=link_id))
    flash(_("已撤销，该关联重新待确认。"), "success")
    return redirect(url_for("repeats.compare", link_id=link_id))


def _day(name: str, end: bool = False):
    value = request.args.get(name, "").strip()
    if not value:
        return None, ""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        flash(_("日期格式不正确，应为 YYYY-MM-DD：%(value)s", value=value), "danger")
        return None, value
    return datetime.combine(day, time.max if end else time.min, tzinfo=LOCAL_TZ), value


@bp.route("/register")
def register():
    kind = request.args.get("kind", "")
    q = request.args.get("q", "").strip()
    min_count = max(2, min(request.args.get("min", 2, type=int) or 2, 1000))
    date_from, from_text = _day("from")
    date_to, to_text = _day("to", end=True)
    page = request.args.get("page", 1, type=query_args.page)
    rows = repeats.register(current_user, kind, q, date_from, date_to, min_count, page=page)
    counts = repeats.register_totals(current_user, kind, q, date_from, date_to, min_count)
    pages = max(1, -(-counts["groups"] // repeats.REGISTER_PAGE))
    return render_template("repeats/register.html", rows=rows, counts=counts, kind=kind, page=page, pages=pages,
                           q=q, min_count=min_count, date_from=from_text, date_to=to_text, kinds=LINK_KINDS,
                           unmasked=repeats.may_unmask(current_user))
