"""Moving running instances to another version, and recomputing open tickets' deadlines.

Each instance is migrated (or recomputed) in its own transaction: one that cannot move stays
exactly where it was and the others go on. Every change is audited (``InstanceMigration``)
and, for a ticket, written on its timeline with the deadlines before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.engine import migration as engine_migration
from app.engine.clock import clock
from app.engine.expressions import to_datetime
from app.engine.runtime import EngineError
from app.extensions import db
from app.models import InstanceMigration, ProcessInstance, ProcessVersion, Ticket, WorkItem
from app.services import (
    N_,
    NotFound,
    PermissionDenied,
    ServiceError,
    _,
    casework,
    incidents,
    time_rules,
    timeline,
)
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

DEADLINE_LABELS = {  # msgids: pages translate them, the timeline stores them and translates when shown
    "response_deadline": N_("响应时限"),
    "reply_deadline": N_("办理时限"),
    "urge_at": N_("催办时点"),
    "callback_due": N_("回访时限"),
    "callback_retry_at": N_("下次回访时点"),
}
MIGRATED = N_("流程实例由第 %(a)s 版迁移到第 %(b)s 版")
RECOMPUTED = N_("按时限规则第 %(n)s 版重算时限")
RECOMPUTED_UNVERSIONED = N_("按时限规则重算时限")
NOTE = N_("说明")


@dataclass
class Outcome:
    instance: ProcessInstance
    ticket: Ticket | None
    result: engine_migration.MigrationResult
    done: bool = False
    error: str = ""


def _require_owner(user) -> None:
    if not user.has_role("process_owner", "admin"):
        raise PermissionDenied(_("只有流程管理员可以迁移流程实例。"))


def deadline_label(name: str) -> str:
    """The label of a deadline variable, in the reader's language."""
    return _(DEADLINE_LABELS[name]) if name in DEADLINE_LABELS else name


def _text(value) -> str:
    if not value:
        return "—"
    try:
        return casework.local_text(to_datetime(value))
    except (TypeError, ValueError):
        return str(value)


def deadline_rows(result: engine_migration.MigrationResult) -> list[list[str]]:
    return [[deadline_label(name), f"{_text(old)} → {_text(new)}"] for name, (old, new) in result.deadlines.items()]


def _version(version_id: int) -> ProcessVersion:
    version = db.session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(_("流程版本不存在。"))
    return version


def running_instances(version: ProcessVersion, element_id: str = "") -> list[ProcessInstance]:
    """Running instances of a version; with ``element_id``, those with an open task there."""
    query = select(ProcessInstance).where(ProcessInstance.version_id == version.id,
                                          ProcessInstance.status == "running")
    if element_id:
        query = query.where(ProcessInstance.id.in_(
            select(WorkItem.instance_id).where(WorkItem.state == "ready", WorkItem.spec_name == element_id)))
    return list(db.session.scalars(query.order_by(ProcessInstance.id)))


def _ticket(instance: ProcessInstance) -> Ticket | None:
    return db.session.get(Ticket, instance.ticket_id) if instance.ticket_id else None


def preview(instance_ids: list[int], target_id: int, user) -> list[Outcome]:
    _require_owner(user)
    target = _version(target_id)
    out = []
    for instance_id in instance_ids:
        instance = db.session.get(ProcessInstance, instance_id)
        if instance is None or instance.status != "running":
            continue
        if instance.version.process_key != target.process_key:
            raise ServiceError(_("只能迁移到同一流程的其他版本。"))
        out.append(Outcome(instance, _ticket(instance), engine_migration.preview(instance, target)))
    db.session.rollback()  # a preview never writes
    return out


def _audit(kind: str, instance: ProcessInstance, ticket: Ticket | None, before: ProcessVersion,
           after: ProcessVersion, user, result: engine_migration.MigrationResult, message: str, **params) -> None:
    now = clock.now()
    db.session.add(InstanceMigration(
        instance_id=instance.id, ticket_id=ticket.id if ticket else None, kind=kind, from_version_id=before.id,
        to_version_id=after.id, by_id=getattr(user, "id", None), at=now,
        changes={"deadlines": result.deadlines, "notes": result.notes,
                 "timers_before": result.timers_before, "timers_after": result.timers_after}))
    if ticket is not None:
        rows = [[DEADLINE_LABELS.get(name, name), f"{_text(old)} → {_text(new)}"]
                for name, (old, new) in result.deadlines.items()] + [[NOTE, n] for n in result.notes]
        timeline.add(ticket, "migration" if kind == "migrate" else "deadline", message, user, rows, at=now, **params)


def migrate(instance_ids: list[int], target_id: int, user) -> list[Outcome]:
    """Move each instance to the target version, each in its own transaction."""
    _require_owner(user)
    target = _version(target_id)
    outcomes = []
    for instance_id in instance_ids:
        instance = db.session.get(ProcessInstance, instance_id)
        if instance is None or instance.status != "running":
            continue
        before = instance.version
        if before.process_key != target.process_key:
            raise ServiceError(_("只能迁移到同一流程的其他版本。"))
        ticket = _ticket(instance)
        outcome = Outcome(instance, ticket, engine_migration.MigrationResult(safe=False))
        try:
            with unit_of_work():
                snap, result = engine_migration.migrate(instance, target)
                outcome.result = result
                if snap is None:
                    raise ServiceError("；".join(result.reasons))
                apply_snapshot(instance, ticket, snap, user)
                if snap.stalled_at is None:
                    incidents.resolve_stall(instance, user, _("迁移到第 %(n)s 版后继续", n=target.version))
                _audit("migrate", instance, ticket, before, target, user, result, MIGRATED,
                       a=before.version, b=target.version)
            outcome.done = True
        except (ServiceError, EngineError) as exc:
            outcome.error = str(exc)
        outcomes.append(outcome)
    return outcomes


def recompute_open(user, process_key: str | None = None, message: str | None = None) -> list[Outcome]:
    """重算未办结工单的时限: every running instance's deadlines computed again with the rules (and the
    working-day calendar) in force. ``message``: the timeline text instead of the rules' version."""
    if not time_rules.can_edit(user):
        raise PermissionDenied(_("只有主管或流程管理员可以重算时限。"))
    query = select(ProcessInstance.id).where(ProcessInstance.status == "running").order_by(ProcessInstance.id)
    if process_key:
        query = query.join(ProcessVersion).where(ProcessVersion.process_key == process_key)
    ids = list(db.session.scalars(query))
    rules = time_rules.latest()
    message, params = (message, {}) if message else (RECOMPUTED, {"n": rules.version}) if rules else (
        RECOMPUTED_UNVERSIONED, {})
    outcomes = []
    for instance_id in ids:
        instance = db.session.get(ProcessInstance, instance_id)
        ticket = _ticket(instance)
        outcome = Outcome(instance, ticket, engine_migration.MigrationResult(safe=True))
        try:
            with unit_of_work():
                snap, result = engine_migration.recompute(instance)
                outcome.result = result
                if result.deadlines:
                    apply_snapshot(instance, ticket, snap, user)
                    _audit("recompute", instance, ticket, instance.version, instance.version, user, result, message,
                           **params)
                else:
                    db.session.rollback()
            outcome.done = bool(result.deadlines)
        except (ServiceError, EngineError) as exc:
            outcome.error = str(exc)
        outcomes.append(outcome)
    return outcomes


def history(instance: ProcessInstance) -> list[InstanceMigration]:
    return list(db.session.scalars(select(InstanceMigration).where(InstanceMigration.instance_id == instance.id)
                                   .order_by(InstanceMigration.at.desc())))
