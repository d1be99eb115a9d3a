"""The numbers in every page's navbar, read in one statement when a page first shows one of them:
我的待办 and 待认领 (ready work items), unread notices, open warnings the user answers for, open
incidents (only for those who may see them).

Kept a few seconds per user and process (app/services/page_cache.py): dropped at once when this process
changes a work item, notice, warning or incident, so whoever acts sees the new numbers on the next page;
another process's change shows within the TTL."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, case, func, literal, or_, select

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
    """The five numbers in one statement, built once per shape and bound for this user."""
    tokens = inbox.candidate_tokens(user)
    sees_all = early_warning.sees_all(user)
    params = {f"group_{i}": token for i, token in enumerate(tokens)}
    params.update(user_id=user.id, groups=sorted(user.groups) or [""])
    row = db.session.execute(_statement(len(tokens), sees_all, incidents.may_view(user)), params).one()
    return dict(zip(("mine", "claimable", "notices", "warnings", "incidents"), (int(v or 0) for v in row), strict=True))


@functools.lru_cache(maxsize=32)
def _statement(tokens: int, sees_all: bool, with_incidents: bool):
    """我的待办, 待认领, unread notices, open warnings (all of them, or those of the user's groups) and
    open incidents (0 for whoever may not see them), for one shape: how many candidate-group tokens."""
    mine = func.coalesce(func.sum(case((WorkItem.assignee_id == bindparam("user_id"), 1), else_=0)), 0)
    candidate = or_(*[WorkItem.candidate_groups.contains(bindparam(f"group_{i}")) for i in range(tokens)])
    claimable = func.coalesce(func.sum(case((WorkItem.assignee_id.is_(None) & candidate, 1), else_=0)), 0)
    notices = select(func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)).scalar_subquery()
    warnings = select(func.count(EarlyWarning.id)).where(EarlyWarning.status.in_(early_warning.OPEN_STATUSES))
    if not sees_all:  # (early_warning.visible_clause)
        warnings = warnings.where(EarlyWarning.responsible_group.in_(bindparam("groups", expanding=True)))
    open_incidents = select(func.count(Incident.id)).where(Incident.status == "open").scalar_subquery() \
        if with_incidents else literal(0)
    return select(mine, claimable, notices, warnings.scalar_subquery(), open_incidents).where(WorkItem.state == "ready")
