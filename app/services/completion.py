"""Completing a user task: the one way every task of every process is done.

The inbox form, the inspector's checklist, the licence warning, the monthly review of
carried cases and the quick 确认 of an early warning all come here. One transaction:
permission and state checks, the task handlers wired for the task (``app/tasks``), the
engine, the work items, the timeline and whatever the handlers write; or nothing at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import wiring
from app.engine import instances
from app.engine.clock import clock
from app.engine.runtime import EngineError, TaskNotReady
from app.extensions import db
from app.models import Attachment, ProcessInstance, Ticket, User, WorkItem
from app.services import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
    StaleState,
    _,
    _l,
    files,
    incidents,
    submissions,
    timeline,
)
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work
from app.tasks import TaskContext

ALREADY_DONE = _l("该任务已由他人办理或已撤销，您的提交未保存。")
CLAIMED_MEANWHILE = _l("该任务刚被他人认领，您的提交未保存。")


@dataclass
class Submission:
    data: dict  # the task's variables as its form produced them
    display: list = field(default_factory=list)  # [label, shown value] pairs for the timeline
    files: list = field(default_factory=list)  # (field spec, files.StoredFile) already stored
    input: Any = None  # what a hand-written form passes beside the variables (see TaskContext.input)
    token: str | None = None  # a retried POST with the same token returns the first outcome


@dataclass
class Completed:
    item: WorkItem
    result: dict
    replayed: bool = False  # the submission had been saved before (a retried POST)

    @property
    def ref(self) -> str:
        return self.result.get("ref", f"work_item:{self.item.id}")




def get_item(item_id: int) -> WorkItem:
    item = db.session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(_("任务不存在。"))
    return item


@functools.cache
def _item_for_page():
    """A work item with what its page reads (instance, version, ticket) in one statement; the instance's
    state is left unread (a submission finds its workflow in the cache, app/engine/cache.py)."""
    return (select(WorkItem).where(WorkItem.id == bindparam("item_id"))
            .options(joinedload(WorkItem.instance).options(defer(ProcessInstance.state_json),
                                                           joinedload(ProcessInstance.version)),
                     joinedload(WorkItem.ticket)))


def get_item_for_page(item_id: int) -> WorkItem:
    """``get_item`` for a task's page (its form, its fragment, its submission)."""
    item = db.session.scalar(_item_for_page(), {"item_id": item_id})
    if item is None:
        raise NotFound(_("任务不存在。"))
    return item


@dataclass(frozen=True)
class Who:
    """What deciding whether someone may do a task reads of them, kept past a commit (which expires
    the signed-in ``User`` and would load it again)."""

    id: int
    username: str
    groups: frozenset[str]

    @classmethod
    def of(cls, user: User) -> Who:
        return cls(user.id, user.username, frozenset(user.groups))


def is_candidate(user: User | Who, item: WorkItem) -> bool:
    return bool(item.groups & (user.groups | {f"user:{user.username}"}))


def can_complete(user: User | Who, item: WorkItem) -> bool:
    """Only the assignee completes a task; an unassigned task is claimed on completion by a candidate."""
    if item.state != "ready":
        return False
    if item.assignee_id is not None:
        return item.assignee_id == user.id
    return is_candidate(user, item)


def form_key(item: WorkItem) -> str:
    return item.instance.version.task_meta.get(item.spec_name, {}).get("form_key", "")


def handlers_for(item: WorkItem) -> list:
    return wiring.current().task_handlers(item.instance.version.process_key, item.spec_name, form_key(item))


def form_prefill(item: WorkItem, variables: dict) -> dict:
    """The values the task's form opens with, from its handlers (the last submission on rework)."""
    values: dict = {}
    for handler in handlers_for(item):
        values.update(handler.prefill(item, variables))
    return values


def form_notices(item: WorkItem, variables: dict) -> list:
    """What the task's handlers put above the form (why it came back, the earlier comment)."""
    return [notice for handler in handlers_for(item) for notice in handler.notices(item, variables)]


def problems(item: WorkItem, actor: User, data: dict) -> dict[str, str]:
    """{field: message} of the task handlers' checks for ``data`` as a form gave it, saving nothing: a form
    that failed its own validation shows these beside its field errors, all at once, instead of one round
    after the other. ``data`` may be incomplete (a field that failed is None): a check that cannot read it
    says nothing now and runs again, whole, on the next submission (``_complete``)."""
    ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id else None
    ctx = TaskContext(item=item, actor=actor, ticket=ticket, data=dict(data))
    errors: dict[str, str] = {}
    for handler in handlers_for(item):
        try:
            found = handler.validate(ctx)
        except (TypeError, ValueError, KeyError, AttributeError):
            continue
        for name, message in found.items():
            errors.setdefault(name, message)
    return errors


def complete_task(item_id: int, actor: User, submission: Submission) -> Completed:
    """Submit a task: the process moves on and everything is saved at once, or nothing is.

    If the instance changed meanwhile for another reason (a timer fired on it), the
    submission is tried once more on the fresh state; if the task itself is gone, the user
    gets a conflict and nothing is saved.
    """
    token = submissions.check_token(submission.token) if submission.token is not None else None
    if token is not None and (first := submissions.earlier(token, actor)) is not None:
        return Completed(get_item(item_id), {"ref": first.ref}, replayed=True)

    def attempt() -> Completed:
        try:
            try:
                return _complete(item_id, actor, submission, token)
            except StaleState:
                db.session.expire_all()
                return _complete(item_id, actor, submission, token)
        except EngineError as exc:  # nothing of the submission was saved; the process owners are told
            raise incidents.InstanceFailed(exc, incidents.record_separately(exc, "task")) from exc

    try:
        if token is None:
            return attempt()
        outcome = submissions.once(token, actor, attempt)
    except BaseException:
        _forget_unattached(submission.files)  # a refused submission leaves no file behind
        raise
    if isinstance(outcome, Completed):
        return outcome
    return Completed(get_item(item_id), {"ref": outcome.ref}, replayed=True)


def _forget_unattached(stored_files: list) -> None:
    """Remove the files a failed submission stored, unless an attachment holds the same content (stored once)."""
    for _spec, stored in stored_files:
        try:
            held = db.session.scalar(select(Attachment.id).where(Attachment.stored_path == stored.stored_path).limit(1))
        except Exception:  # noqa: BLE001 - the database is gone: keep the file rather than guess
            continue
        if held is None:
            files.remove(stored.stored_path)


def _complete(item_id: int, actor: User, submission: Submission, token: str | None) -> Completed:
    with unit_of_work(ALREADY_DONE):
        item = get_item(item_id)
        _check_may_complete(item, actor)
        if item.assignee_id is None:  # a candidate completing an unclaimed task claims it, first
            _claim_for_completion(item, actor)
        ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id else None
        ctx = TaskContext(item=item, actor=actor, ticket=ticket, data=dict(submission.data),
                          input=submission.input)
        handlers = handlers_for(item)
        errors: dict[str, str] = {}
        for handler in handlers:
            for name, message in handler.validate(ctx).items():
                errors.setdefault(name, message)
        if errors:
            raise InvalidInput(errors)
        for handler in handlers:
            handler.before_submit(ctx)
        ctx.data[f"{item.spec_name}_by"] = actor.username
        display = list(submission.display)
        for spec, stored in submission.files:
            attachment = _attach(ticket, item, spec, stored, actor)
            ctx.data[spec["id"]] = {"attachment_id": attachment.id, "name": stored.original_name,
                                    "sha256": stored.sha256}
            display.append([spec["label"], f"{stored.original_name}（{stored.size // 1024} KB）"])
        try:
            ctx.snapshot = instances.complete_task(item.instance, item.task_guid, ctx.data)
        except TaskNotReady as exc:
            raise Conflict(ALREADY_DONE) from exc
        for handler in handlers:
            handler.after_submit(ctx)
        if ticket is not None:
            timeline.add(ticket, "task", timeline.TASK_DONE, actor, data=display, task=item.title)
        apply_snapshot(item.instance, ticket, ctx.snapshot, actor, completed_guid=item.task_guid)
        completed = Completed(item, ctx.result)
        if token is not None:
            submissions.remember(token, actor, "task", completed.ref)
    return completed


def _claim_for_completion(item: WorkItem, actor: User) -> None:
    """The same conditional UPDATE as a claim, before anything else is done: of a claim and a completion
    racing for an unclaimed task exactly one takes the row (the other is told), and a completion never
    overwrites ``assignee_id`` from what it read before a claim committed."""
    now = clock.now()
    result = db.session.execute(_claim_if_free(), {"item_id": item.id, "actor_id": actor.id, "now": now})
    if result.rowcount != 1:  # what won: a completion (or a cancellation), or a claim
        state = db.session.scalar(select(WorkItem.state).where(WorkItem.id == item.id))
        raise Conflict(CLAIMED_MEANWHILE if state == "ready" else ALREADY_DONE)
    set_committed_value(item, "assignee_id", actor.id)  # what the row now holds; no second UPDATE
    set_committed_value(item, "claimed_at", now)


@functools.cache
def _claim_if_free():
    return (update(WorkItem)
            .where(WorkItem.id == bindparam("item_id"), WorkItem.assignee_id.is_(None), WorkItem.state == "ready")
            .values(assignee_id=bindparam("actor_id"), claimed_at=bindparam("now"))
            .execution_options(synchronize_session=False))


def _already_done(item: WorkItem, actor: User) -> Conflict:
    """What a submission to a task that is no longer open is told: by whom it was done, if anyone."""
    if item.state == "completed" and item.completed_by_id == actor.id:
        return Conflict(_("您已提交过该任务（可能是在另一个窗口），本次提交未重复保存。"))
    if item.state == "completed" and item.completed_by_id is not None:
        done_by = db.session.get(User, item.completed_by_id)
        return Conflict(_("该任务已由 %(name)s 办理，您的提交未保存。", name=done_by.name if done_by else "？"))
    return Conflict(ALREADY_DONE)


def _check_may_complete(item: WorkItem, actor: User) -> None:
    if item.state != "ready":
        raise _already_done(item, actor)
    if can_complete(actor, item):
        return
    if item.assignee_id is not None and item.assignee_id != actor.id:
        raise PermissionDenied(_("该任务由 %(name)s 办理，您不能提交。", name=item.assignee.name))
    raise PermissionDenied(_("您不在该任务的候选人范围内，不能办理。"))


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
