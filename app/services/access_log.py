"""数据访问记录: who saw, heard, downloaded or exported which citizen's data, and who was refused.

Read by admins and supervisors (app/web/audit.py); exporting the log is itself logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.engine.clock import LOCAL_TZ
from app.extensions import db
from app.models import AccessLog, Ticket, User
from app.services import N_, ServiceError, _, access, export_limits, query_args
from app.services.spreadsheets import Sheet, workbook

ACTIONS = {"view": N_("查看"), "play": N_("收听录音"), "download": N_("下载"), "export": N_("导出")}
OUTCOMES = {"allowed": N_("允许"), "denied": N_("拒绝")}
EXPORT_LIMIT = 50_000


@dataclass
class LogFilter:
    user: str = ""  # user name
    ticket_no: str = ""
    action: str = ""
    outcome: str = ""
    since: str = ""  # YYYY-MM-DD, local days, inclusive
    until: str = ""
    unmasked: bool = False  # only views that showed personal data in full

    @classmethod
    def from_args(cls, args) -> LogFilter:
        return cls(user=args.get("user", "").strip(), ticket_no=args.get("ticket_no", "").strip(),
                   action=args.get("action", ""), outcome=args.get("outcome", ""),
                   since=args.get("since", "").strip(), until=args.get("until", "").strip(),
                   unmasked=query_args.flag(args.get("unmasked")))

    def as_args(self) -> dict:
        return query_args.as_args(self)


def _day(text: str, label: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ServiceError(_("%(label)s应为 YYYY-MM-DD 格式的日期。", label=label)) from exc


def _query(f: LogFilter, with_rows: bool = True):
    """The filtered log; ``with_rows=False``: its ids only (for counting)."""
    query = select(AccessLog) if with_rows else select(AccessLog.id)
    if f.user:
        query = query.where(AccessLog.user_id.in_(select(User.id).where(User.username == f.user)))
    if f.ticket_no:
        query = query.where(AccessLog.ticket_id.in_(select(Ticket.id).where(Ticket.ticket_no == f.ticket_no)))
    if f.action in ACTIONS:
        query = query.where(AccessLog.action == f.action)
    if f.outcome in OUTCOMES:
        query = query.where(AccessLog.outcome == f.outcome)
    if f.unmasked:
        query = query.where(AccessLog.masked.is_(False), AccessLog.outcome == "allowed")
    since, until = _day(f.since, _("起始日期")), _day(f.until, _("截止日期"))
    if since:
        query = query.where(AccessLog.at >= datetime.combine(since, time(), LOCAL_TZ))
    if until:
        query = query.where(AccessLog.at < datetime.combine(until + timedelta(days=1), time(), LOCAL_TZ))
    return query.options(joinedload(AccessLog.user), joinedload(AccessLog.ticket)) if with_rows else query


def search(f: LogFilter, page: int = 1, per_page: int = 50) -> tuple[list[AccessLog], int]:
    query = _query(f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(AccessLog.at.desc(), AccessLog.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows.unique()), total


def export_xlsx(f: LogFilter, user: User) -> bytes:
    """The filtered log as a workbook (Chinese headers; text kept as text); the export is logged.
    More rows than EXPORT_LIMIT are refused (TooManyRows), not cut short."""
    export_limits.refuse_beyond(_query(f, with_rows=False), EXPORT_LIMIT, _("访问记录"))
    rows = list(db.session.scalars(_query(f).order_by(AccessLog.at, AccessLog.id).limit(EXPORT_LIMIT)).unique())
    lines = [[row.at, row.user.username, row.user.name, ACTIONS.get(row.action, row.action),
              OUTCOMES.get(row.outcome, row.outcome), "是" if row.masked else "否",
              row.ticket.ticket_no if row.ticket else "", row.where, row.detail, row.address] for row in rows]
    content = workbook(Sheet("数据访问记录", ["时间", "用户名", "姓名", "操作", "结果", "脱敏", "工单编号", "位置", "说明", "地址"],
                             lines, widths=[18, 12, 10, 10, 8, 6, 20, 24, 30, 16]))
    access.record(user, "export", f"数据访问记录 {len(rows)} 条",
                  detail=" ".join(f"{k}={v}" for k, v in f.as_args().items())[:200])
    return content
