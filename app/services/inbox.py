"""The inbox: 我的待办 (assigned to me) and 待认领 (claimable), claim, unclaim, complete."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from app.engine import calendar_store, instances
from app.engine.clock import clock
from app.engine.runtime import EngineError, TaskNotReady
from app.extensions import db
from app.models import Attachment, Ticket, TicketEvent, User, WorkItem
from app.services import Conflict, NotFound, PermissionDenied, ServiceError, StaleState, _, _l, incidents
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work
from app.tasks import handler_for

ALREADY_DONE = _l("该任务已由他人办理或已撤销，您的提交未保存。")


def _candidate_clause(user: User):
    tokens = [f",{g}," for g in user.groups] + [f",user:{user.username},"]
    return or_(*[WorkItem.candidate_groups.contains(t) for t in tokens])


def _filtered(query, state: str = "", section_id: int | None = None, ticket_type: str = ""):
    if state or section_id or ticket_type:
        query = query.join(Ticket, WorkItem.ticket_id == Ticket.id)
        if state:
            query = query.where(Ticket.state == state)
        if section_id:
            query = query.where(Ticket.section_id == section_id)
        if ticket_type:
            query = query.where(Ticket.ticket_type == ticket_type)
    return query


def my_tasks(user: User, **filters) -> list[WorkItem]:
    query = select(WorkItem).where(WorkItem.state == "ready", WorkItem.assignee_id == user.id)
    query = _filtered(query, **filters).order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
    return list(db.session.scalars(query))


def claimable_tasks(user: User, **filters) -> list[WorkItem]:
    query = select(WorkItem).where(WorkItem.state == "ready", WorkItem.assignee_id.is_(None),
                                   _candidate_clause(user))
    query = _filtered(query, **filters).order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
    return list(db.session.scalars(query))


def counts(user: User) -> dict:
    mine = db.session.scalar(select(func.count(WorkItem.id)).where(
        WorkItem.state == "ready", WorkItem.assignee_id == user.id))
    claimable = db.session.scalar(select(func.count(WorkItem.id)).where(
        WorkItem.state == "ready", WorkItem.assignee_id.is_(None), _candidate_clause(user)))
    return {"mine": mine, "claimable": claimable}


def is_candidate(user: User, item: WorkItem) -> bool:
    return bool(item.groups & (user.groups | {f"user:{user.username}"}))


def urgency_class(due_at) -> str:
    """'overdue' (red), 'soon' (amber: due within 3 working days) or ''."""
    if due_at is None:
        return ""
    now = clock.now()
    if due_at <= now:
        return "overdue"
    if calendar_store.get_calendar().is_within_workdays(now, due_at, 3):
        return "soon"
    return ""


def get_item(item_id: int) -> WorkItem:
    item = db.session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(_("任务不存在。"))
    return item


def can_view(user: User, item: WorkItem) -> bool:
    return item.assignee_id == user.id or is_candidate(user, item) or user.has_role("supervisor")


def can_complete(user: User, item: WorkItem) -> bool:
    """Only the assignee completes a task; an unassigned task is claimed on completion by a candidate."""
    if item.state != "ready":
        return False
    if item.assignee_id is not None:
        return item.assignee_id == user.id
    return is_candidate(user, item)


def _attach(ticket, item: WorkItem, spec: dict, stored, user: User) -> Attachment:
    if ticket is None:
        raise ServiceError(_("只有工单任务可以上传文件。"))
    attachment = Attachment(ticket_id=ticket.id, kind=f"{item.spec_name}:{spec['id']}",
                            original_name=stored.original_name, content_type=stored.content_type,
                            size=stored.size, sha256=stored.sha256, stored_path=stored.stored_path,
                            uploaded_by_id=user.id, uploaded_at=clock.now())
    db.session.add(attachment)
    db.session.flush()
    return attachment


def next_task_for(user: User, done: WorkItem) -> WorkItem | None:
    """The ticket's next open task this user may do now (so 签收 leads straight to 分派)."""
    if done.ticket_id is None:
        return None
    candidates = db.session.scalars(select(WorkItem).where(
        WorkItem.ticket_id == done.ticket_id, WorkItem.state == "ready").order_by(WorkItem.id))
    return next((w for w in candidates if can_complete(user, w)), None)


def task_variables(item: WorkItem) -> dict:
    """The process variables a ready task sees (e.g. the reply draft the reviewer checks)."""
    if item.state != "ready":
        return {}
    return instances.task_data(item.instance, item.task_guid)


def check_task_data(item: WorkItem, form) -> bool:
    """Domain checks of a task's form beyond what the diagram declares; errors go on the fields."""
    ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id else None
    meta = item.instance.version.task_meta.get(item.spec_name, {})
    problems = handler_for(item.spec_name, meta.get("form_key", "")).validate(ticket, form)
    for field_name, message in problems.items():
        form[field_name].errors = [*form[field_name].errors, message]
    return not problems


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
            db.session.add(TicketEvent(ticket_id=item.ticket_id, at=clock.now(), actor_id=user.id, kind="claim",
                                       title=f"认领任务：{item.title}"))
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
            db.session.add(TicketEvent(ticket_id=item.ticket_id, at=clock.now(), actor_id=user.id,
                                       kind="unclaim", title=f"取消认领：{item.title}"))
    return item


def complete(item_id: int, user: User, data: dict, display: list, files: list | None = None) -> WorkItem:
    """Submit a task's form: the process moves on, and everything is saved at once or not at all.

    If the instance changed meanwhile for another reason (a timer fired on it), the
    submission is tried once more on the fresh state; if the task itself is gone, the
    user gets a conflict and nothing is saved.
    """
    try:
        try:
            return _complete(item_id, user, data, display, files or [])
        except StaleState:
            db.session.expire_all()
            return _complete(item_id, user, data, display, files or [])
    except EngineError as exc:  # nothing of the submission was saved; the process owners are told
        raise incidents.InstanceFailed(exc, incidents.record_separately(exc, "task")) from exc


def _complete(item_id: int, user: User, data: dict, display: list, files: list) -> WorkItem:
    with unit_of_work(ALREADY_DONE):
        item = get_item(item_id)
        if item.state != "ready":
            raise Conflict(ALREADY_DONE)
        if not can_complete(user, item):
            if item.assignee_id is not None and item.assignee_id != user.id:
                raise PermissionDenied(_("该任务由 %(name)s 办理，您不能提交。", name=item.assignee.name))
            raise PermissionDenied(_("您不在该任务的候选人范围内，不能办理。"))
        ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id else None
        handler = handler_for(item.spec_name, item.instance.version.task_meta.get(item.spec_name, {})
                              .get("form_key", ""))
        data = handler.before_submit(ticket, dict(data), user)
        data[f"{item.spec_name}_by"] = user.username
        display = list(display)
        for spec, stored in files:  # (field spec, files.StoredFile) already on disk
            attachment = _attach(ticket, item, spec, stored, user)
            data[spec["id"]] = {"attachment_id": attachment.id, "name": stored.original_name,
                                "sha256": stored.sha256}
            display.append([spec["label"], f"{stored.original_name}（{stored.size // 1024} KB）"])
        try:
            snap = instances.complete_task(item.instance, item.task_guid, data)
        except TaskNotReady as exc:
            raise Conflict(ALREADY_DONE) from exc
        if item.assignee_id is None:
            item.assignee_id = user.id
            item.claimed_at = clock.now()
        handler.after_submit(ticket, data, user)
        now = clock.now()
        if ticket is not None:
            db.session.add(TicketEvent(ticket_id=ticket.id, at=now, actor_id=user.id, kind="task",
                                       title=f"完成：{item.title}", data=display))
        apply_snapshot(item.instance, ticket, snap, user, completed_guid=item.task_guid)
    return item
