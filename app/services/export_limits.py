"""How many rows one export may hold: a larger result is refused with its size named, never cut short."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.services import ServiceError, _


class TooManyRows(ServiceError):
    """The export would hold more rows than one file may; nothing was made."""


def refuse_beyond(query, limit: int, what: str) -> int:
    """The rows ``query`` matches (counted up to ``limit`` + 1); raises TooManyRows past ``limit``.
    ``what`` names the rows in the message (工单, 回访记录, 访问记录)."""
    n = db.session.scalar(select(func.count()).select_from(query.limit(limit + 1).subquery()))
    if n > limit:
        raise TooManyRows(_("符合条件的%(what)s超过 %(limit)s 条，一次最多导出 %(limit)s 条，导出未生成。"
                            "请缩小筛选范围（例如选定考核期、科室或起止日期）后分批导出。",
                            what=what, limit=f"{limit:,}"))
    return n
