"""The numbers in every page's navbar, read in one statement when a page first shows one of them:
我的待办 and 待认领 (ready work items), unread notices, open warnings the user answers for, open
incidents (only for those who may see them).

Kept a few seconds per user and process (app/services/page_cache.py): dropped at once when this process
changes a work item, notice, warning or incident, so whoever acts sees the new numbers on the next page;
another process's change shows within the TTL."""

from __future__ import annotations

from sqlalchemy import case, func, literal, select

from app.extensions import db
from app.models import EarlyWarning, Incident, Notification, User, WorkItem
from app.services import early_warning, inbox, incidents, page_cache

_cache = page_cache.LayoutCache((WorkItem, Notification, EarlyWarning, Incident, User), ttl=5.0)


class NavCounts:
    """Lazy: a fragment or a page without a navbar never runs the query."""

    def __init__(self, user: User | None):
        self._user = user
        self._values: dict | None = None

    def _get(self, name: str) -> int:
        if self._values is None:
            user = self._user
            self._values = {} if user is None else _cache.get((user.id, user.roles, user.section_id),
                                                              lambda: read(user))
        return self._values.get(name, 0)

    mine = property(lambda self: self._get("mine"))
    claimable = property(lambda self: self._get("claimable"))
    notices = property(lambda self: self._get("notices"))
    warnings = property(lambda self: self._get("warnings"))
    incidents = property(lambda self: self._get("incidents"))


def read(user: User) -> dict[str, int]:
    mine = func.coalesce(func.sum(case((WorkItem.assignee_id == user.id, 1), else_=0)), 0)
    claimable = func.coalesce(func.sum(case(
        (WorkItem.assignee_id.is_(None) & inbox.candidate_clause(user), 1), else_=0)), 0)
    notices = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).scalar_subquery()
    warnings = select(func.count(EarlyWarning.id)).where(EarlyWarning.status.in_(early_warning.OPEN_STATUSES))
    if (visible := early_warning.visible_clause(user)) is not None:
        warnings = warnings.where(visible)
    open_incidents = select(func.count(Incident.id)).where(Incident.status == "open").scalar_subquery() \
        if incidents.may_view(user) else literal(0)
    row = db.session.execute(select(mine, claimable, notices, warnings.scalar_subquery(), open_incidents)
                             .where(WorkItem.state == "ready")).one()
    return dict(zip(("mine", "claimable", "notices", "warnings", "incidents"), (int(v or 0) for v in row), strict=True))
