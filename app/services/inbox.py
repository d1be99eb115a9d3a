"""The inbox: 我的待办 (assigned to me) and 待认领 (claimable), claim and unclaim.

Completing a task is ``app.services.completion.complete_task``, the one way for every task.
"""

from __future__ import annotations

import functools

from sqlalchemy import String, and_, bindparam, cast, func, literal, or_, select
from sqlalchemy.orm import defer, joinedload

from app.engine import calendar_store, instances
from app.engine.clock import clock
from app.extensions import db
from app.models import Ticket, User, WorkItem
from app.models.early_warning import EarlyWarning
from app.services import Conflict, PermissionDenied, ServiceError, _, time_rules, timeline
from app.services.completion import ALREADY_DONE, Who, can_complete, get_item, is_candidate
from app.services.early_warning import BUSINESS_PREFIX
from app.services.uow import unit_of_work


def candidate_tokens(user: User) -> list[str]:
    """What a work item's ``candidate_groups`` column holds for each group the user is in."""
    return [f",{g}," for g in sorted(user.groups)] + [f",user:{user.username},"]


PER_PAGE = 50  # rows per page of an inbox tab


@functools.lru_cache(maxsize=128)
def _tab_statements(tab: str, tokens: int, state: bool, section: bool, ticket_type: bool):
    """One page of a tab and its count, for one shape of query (tab, how many candidate groups, which
    filters): built once, then bound on each request (building a statement costs more than running it)."""
    if tab == "claimable":
        query = select(WorkItem).where(WorkItem.state == "ready", WorkItem.assignee_id.is_(None), or_(
            *[WorkItem.candidate_groups.contains(bindparam(f"group_{i}")) for i in range(tokens)]))
    else:
        query = select(WorkItem).where(WorkItem.state == "ready", WorkItem.assignee_id == bindparam("user_id"))
    if state or section or ticket_type:
        # the ticket a row is about: its own, or for a 预警 task (no ticket of its own) the warning's, as the
        # row shows it (early_warning.warnings_of_tasks); a task about no ticket cannot match a ticket filter
        warning_key = literal(BUSINESS_PREFIX, String) + cast(EarlyWarning.id, String)
        query = (query.outerjoin(EarlyWarning, and_(WorkItem.ticket_id.is_(None), WorkItem.business_key == warning_key))
                 .join(Ticket, Ticket.id == func.coalesce(WorkItem.ticket_id, EarlyWarning.ticket_id)))
        if state:
            query = query.where(Ticket.state == bindparam("state"))
        if section:
            query = query.where(Ticket.section_id == bindparam("section_id"))
        if ticket_type:
            query = query.where(Ticket.ticket_type == bindparam("ticket_type"))
    listed = joinedload(WorkItem.ticket)  # a row shows the ticket's number, title, type, section, urgency
    page = (query.options(listed.joinedload(Ticket.section), listed.defer(Ticket.content),
                          listed.defer(Ticket.reply_text),
                          defer(WorkItem.variables))  # (the process data kept for the form)
            # due first, no due date last
            .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
            .offset(bindparam("offset")).limit(bindparam("limit")))
    count = select(func.count()).select_from(query.with_only_columns(WorkItem.id).subquery())
    return page, count


def tab_page(user: User, tab: str, page: int = 1, per_page: int = PER_PAGE, *, state: str = "",
             section_id: int | None = None, ticket_type: str = "") -> tuple[list[WorkItem], int]:
    """One page of 我的待办 (``mine``) or 待认领 (``claimable``) and how many rows the tab has in all."""
    tab = "claimable" if tab == "claimable" else "mine"
    tokens = candidate_tokens(user) if tab == "claimable" else []
    rows, count = _tab_statements(tab, len(tokens), bool(state), bool(section_id), bool(ticket_type))
    params = {f"group_{i}": token for i, token in enumerate(tokens)}
    params.update(user_id=user.id, state=state, section_id=section_id, ticket_type=ticket_type)
    offset = (max(page, 1) - 1) * per_page
    items = list(db.session.scalars(rows, dict(params, offset=offset, limit=per_page)))
    if len(items) < per_page and (items or offset == 0):  # the last page: the count is known
        return items, offset + len(items)
    return items, db.session.scalar(count, params)


def urgency_classifier():
    """``urgency_class`` for one page: the instant and the 催办 horizon (``now`` plus the rule's working
    days) are taken once, not again for every row and badge."""
    now = clock.now()
    horizon = []

    def classify(due_at) -> str:
        if due_at is None:
            return ""
        if due_at <= now:
            return "overdue"
        if not horizon:
            horizon.append(calendar_store.get_calendar().add_workdays(now, time_rules.urge_workdays()))
        return "soon" if due_at <= horizon[0] else ""

    return classify


def urgency_class(due_at) -> str:
    """'overdue' (red), 'soon' (amber: due within the 催办 rule's working days) or ''."""
    if due_at is None:
        return ""
    now = clock.now()
    if due_at <= now:
        return "overdue"
    if calendar_store.get_calendar().is_within_workdays(now, due_at, time_rules.urge_workdays()):
        return "soon"
    return ""


def can_view(user: User, item: WorkItem) -> bool:
    return item.assignee_id == user.id or is_candidate(user, item) or user.has_role("supervisor")


def next_task_for(user: User | Who, ticket_id: int | None) -> WorkItem | None:
    """The ticket's next open task this user may do now, after one of its tasks was done (so 签收 leads
    straight to 分派). ``user`` may be their ``Who``, taken before the completion's commit."""
    if ticket_id is None:
        return None
    candidates = db.session.scalars(_open_items_of_ticket(), {"ticket_id": ticket_id})
    return next((w for w in candidates if can_complete(user, w)), None)


@functools.cache
def _open_items_of_ticket():
    return select(WorkItem).where(WorkItem.ticket_id == bindparam("ticket_id"), WorkItem.state == "ready") \
        .order_by(WorkItem.id)


def first_task_for(user: User, ticket) -> WorkItem | None:
    """The ticket's open task this user may do now (a ticket just entered: its 签收)."""
    candidates = db.session.scalars(select(WorkItem).where(
        WorkItem.ticket_id == ticket.id, WorkItem.state == "ready").order_by(WorkItem.id))
    return next((w for w in candidates if can_complete(user, w)), None)


def open_task_holder(ticket) -> User | None:
    """Who holds the ticket's first open task (e.g. the dispatcher on duty a night ticket went to)."""
    item = db.session.scalar(select(WorkItem).where(
        WorkItem.ticket_id == ticket.id, WorkItem.state == "ready").order_by(WorkItem.id).limit(1))
    return item.assignee if item is not None else None


def task_variables(item: WorkItem) -> dict:
    """The process variables a ready task sees (e.g. the reply draft the reviewer checks)."""
    if item.state != "ready":
        return {}
    if item.variables is not None:  # kept on the work item at every save: no workflow is loaded
        return instances.restore_data(item.variables)
    return instances.task_data(item.instance, item.task_guid)  # a row from before the column existed


def claim(item_id: int, user: User) -> WorkItem:
    with unit_of_work(_("该任务刚被他人认领。")):
        item = get_item(item_id)
        if item.state != "ready":
            raise Conflict(ALREADY_DONE)
        if item.assignee_id is not None:
            if item.assignee_id == user.id:
                return item
            raise Conflict(_("该任务已被 %(name)s 认领。", name=item.assignee.name))
        if not is_candidate(user, item):
            raise PermissionDenied(_("您不在该任务的候选人范围内，不能认领。"))
        # conditional UPDATE: of two simultaneous claims only one matches the row
        result = db.session.execute(
            db.update(WorkItem)
            .where(WorkItem.id == item.id, WorkItem.assignee_id.is_(None), WorkItem.state == "ready")
            .values(assignee_id=user.id, claimed_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict(_("该任务刚被他人认领。"))
        if item.ticket_id:
            timeline.add(item.ticket_id, "claim", timeline.CLAIMED, user, task=item.title)
    db.session.refresh(item)
    return item


def unclaim(item_id: int, user: User) -> WorkItem:
    with unit_of_work():
        item = get_item(item_id)
        if item.state != "ready" or item.assignee_id is None:
            raise Conflict(ALREADY_DONE)
        if item.assignee_id != user.id and not user.has_role("supervisor"):
            raise PermissionDenied(_("只有认领人或主管可以退回认领。"))
        if not item.groups:
            raise ServiceError(_("该任务指定了办理人，没有候选组，不能退回认领。"))
        item.assignee_id = None
        item.claimed_at = None
        if item.ticket_id:
            timeline.add(item.ticket_id, "unclaim", timeline.UNCLAIMED, user, task=item.title)
    return item
