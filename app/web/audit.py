"""数据访问记录 (admins, supervisors) and 账号安全记录 (admins): filterable, the first exportable."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from app.engine.clock import LOCAL_TZ, clock
from app.services import ServiceError, access_log, query_args, security_log
from app.web import flow

bp = Blueprint("audit", __name__, url_prefix="/admin")


def _page() -> int:
    return request.args.get("page", 1, type=query_args.page)


@bp.route("/access-log")
def access_log_page():
    f = access_log.LogFilter.from_args(request.args)
    try:
        rows, total = access_log.search(f, _page())
    except ServiceError as exc:
        status = flow.refused(exc)
        f.since = f.until = ""
        rows, total = access_log.search(f, _page())
        return render_template("audit/access_log.html", rows=rows, total=total, f=f, page=_page(), per_page=50,
                               actions=access_log.ACTIONS, outcomes=access_log.OUTCOMES), status
    return render_template("audit/access_log.html", rows=rows, total=total, f=f, page=_page(), per_page=50,
                           actions=access_log.ACTIONS, outcomes=access_log.OUTCOMES)


@bp.route("/access-log.xlsx")
def access_log_export():
    f = access_log.LogFilter.from_args(request.args)
    try:
        content = access_log.export_xlsx(f, current_user)
    except ServiceError as exc:
        flow.refused(exc)
        return flow.with_query("audit.access_log_page")  # the filters as typed
    return send_file(io.BytesIO(content), as_attachment=True,
                     download_name=f"数据访问记录-{clock.local_now():%Y%m%d-%H%M}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _day(name: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(request.args.get(name, "")), time(), LOCAL_TZ)
    except ValueError:
        return None


@bp.route("/security-events")
def security_events():
    since, until = _day("since"), _day("until")
    f = security_log.EventFilter(user=request.args.get("user", "").strip(), kind=request.args.get("kind", ""),
                                 since=since, until=until + timedelta(days=1) if until else None)
    rows, total = security_log.search(f, _page())
    return render_template("audit/security_events.html", rows=rows, total=total, f=f, page=_page(), per_page=50,
                           kinds=security_log.KINDS, args=request.args,
                           pager_args={k: v for k in ("user", "kind", "since", "until") if (v := request.args.get(k))})
