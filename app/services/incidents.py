"""Incidents: one instance that fails never stops the desk.

Whatever an instance raises (loading it, a timer, a script, a condition, saving it), the
failure is kept as an incident with the element, a Chinese message, the technical cause,
when, and the version; process owners and supervisors get an alert, and the ticket's
timeline says so. The sweep parks the instance (status ``error``: out of the due index, so
it fails once, not on every sweep); a web request leaves it as it was (its user's change was
not saved). A process owner retries from the 故障 page after fixing the cause (or moving the
instance to a fixed version).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.engine import errors, instances
from app.engine.clock import clock
from app.engine.runtime import EngineError
from app.extensions import db
from app.models import Alert, Incident, ProcessInstance, ProcessVersion, Ticket, User
from app.services import N_, NotFound, PermissionDenied, ServiceError, StaleState, _, timeline
from app.services.events import InstanceChanged
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

log = logging.getLogger("jiesu.incidents")

ALERT_KIND = "流程故障"
RETRIED = N_("流程故障已排除（重试成功）")
FAILED_STEP = N_("流程故障：步骤「%(step)s」出错，已通知流程管理员")
STALLED_STEP = N_("流程停滞：停在步骤「%(step)s」，无法继续，已通知流程管理员")


class InstanceFailed(ServiceError):
    """What a person sees when their request met a failing instance (the step, 已通知流程管理员)."""

    def __init__(self, error: EngineError, incident: Incident | None = None):
        super().__init__(user_message(error))
        self.error = error
        self.incident = incident


def user_message(error: EngineError) -> str:
    step = error.element_name or error.element_id
    if step:
        return _("流程在步骤「%(step)s」出错，本次操作未保存，已通知流程管理员。", step=step)
    return _("流程出错，本次操作未保存，已通知流程管理员。")


def _as_engine_error(exc: BaseException) -> EngineError:
    return exc if isinstance(exc, EngineError) else errors.engine_error(exc, EngineError)


def record(instance: ProcessInstance, exc: BaseException, source: str, park: bool = False,
           told: str = FAILED_STEP) -> Incident:
    """Record a failure of ``instance`` in the current transaction (the caller commits).

    An open incident of the same instance and element is counted again instead of repeated.
    ``park`` takes the instance out of the timer sweep until it is retried.
    """
    error = _as_engine_error(exc)
    now = clock.now()
    message = str(error)[:500]
    incident = db.session.scalar(select(Incident).where(
        Incident.instance_id == instance.id, Incident.status == "open",
        Incident.element_id == (error.element_id or "")))
    if incident is None:
        incident = Incident(instance_id=instance.id, version_id=instance.version_id, ticket_id=instance.ticket_id,
                            business_key=instance.business_key, source=source, element_id=error.element_id or "",
                            element_name=(error.element_name or "")[:200], message=message,
                            detail=error.detail or "", raised_at=now, last_at=now, occurrences=1, status="open")
        db.session.add(incident)
        step = error.element_name or error.element_id or "?"
        # the key by its column: the failure may be the version row itself (a column that cannot be read)
        process_key = db.session.scalar(select(ProcessVersion.process_key).where(ProcessVersion.id == instance.version_id))
        alert = (f"流程 {process_key} 在步骤「{step}」出错：{message}" if told == FAILED_STEP else
                 f"流程 {process_key}：{message}")[:300]
        db.session.add(Alert(ticket_id=instance.ticket_id, business_key=instance.business_key, kind=ALERT_KIND,
                             message=alert, raised_at=now))
        if instance.ticket_id:
            timeline.add(instance.ticket_id, "alert", told, at=now, step=step)
    else:
        incident.occurrences += 1
        incident.last_at = now
        incident.message, incident.detail = message, error.detail or ""
    if park:
        instance.status, instance.error = "error", message[:1000]
    db.session.flush()
    log.error("incident %s: instance %s at %s: %s (%s)", incident.id, instance.id, error.element_id,
              message, error.detail)
    return incident


def stall_error(where: tuple[str, str]) -> EngineError:
    """What a stalled instance's incident says (``Snapshot.stalled_at``)."""
    element_id, element_name = where
    step = element_name or element_id
    message = (_("流程停在步骤「%(step)s」：没有待办任务，也没有等待的计时器或消息，不会再往下走。"
                 "请修改流程图，再把该实例迁移到新版本。", step=step) if step else
               _("流程停住了：没有待办任务，也没有等待的计时器或消息，不会再往下走。请修改流程图，再把该实例迁移到新版本。"))
    return EngineError(message, element_id, element_name,
                       f"stalled: not completed, no ready user task, no waiting event; waiting at {element_id!r}")


def is_stalled(event: InstanceChanged) -> bool:
    return event.snapshot.stalled_at is not None


def flag_stalled(event: InstanceChanged) -> None:
    """An ``InstanceChanged`` subscriber: an instance that nothing can move on is an incident. The change
    that led there is kept (it was valid); the process owners are told, as for a failure."""
    record(event.instance, stall_error(event.snapshot.stalled_at), "stall", told=STALLED_STEP)


def resolve_stall(instance: ProcessInstance, actor: User, how: str) -> None:
    """The instance moves again (moved to a fixed version): its open stall incidents are resolved."""
    now = clock.now()
    for incident in db.session.scalars(select(Incident).where(
            Incident.instance_id == instance.id, Incident.status == "open", Incident.source == "stall")):
        incident.status, incident.resolved_at, incident.resolved_by_id = "resolved", now, actor.id
        incident.resolution = f"{actor.name} {how}"[:200]


def record_separately(exc: BaseException, source: str, instance_id: int | None = None,
                      park: bool = False) -> Incident | None:
    """Record a failure in its own transaction, after the caller's was rolled back (web requests)."""
    instance_id = instance_id or getattr(exc, "instance_id", None)
    if instance_id is None:
        log.error("engine error without an instance: %s (%s)", exc, getattr(exc, "detail", ""))
        return None
    db.session.rollback()
    with unit_of_work():
        instance = db.session.get(ProcessInstance, instance_id)
        if instance is None:
            return None
        return record(instance, exc, source, park=park)


def may_retry(user: User) -> bool:
    return user.has_role("process_owner", "admin")


def may_view(user: User) -> bool:
    return user.has_role("process_owner", "admin", "supervisor")


def list_incidents(status: str = "open", limit: int = 200) -> list[Incident]:
    query = select(Incident).order_by(Incident.raised_at.desc()).limit(limit)
    if status:
        query = query.where(Incident.status == status)
    return list(db.session.scalars(query))


def open_count() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Incident.id)).where(Incident.status == "open")) or 0


def open_for_instance(instance_id: int) -> Incident | None:
    return db.session.scalar(select(Incident).where(Incident.instance_id == instance_id, Incident.status == "open")
                             .order_by(Incident.id.desc()).limit(1))


def open_for_ticket(ticket_id: int) -> list[Incident]:
    return list(db.session.scalars(select(Incident).where(
        Incident.ticket_id == ticket_id, Incident.status == "open").order_by(Incident.raised_at)))


def retry(incident_id: int, actor: User) -> Incident:
    """Run the instance again now: due timers fire, engine steps run. Resolved if it goes through;
    otherwise the incident stays open with the new cause, and the refusal says so."""
    if not may_retry(actor):
        raise PermissionDenied(_("只有流程管理员可以重试故障。"))
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(_("故障记录不存在。"))
    if incident.status != "open":
        raise ServiceError(_("该故障已处理。"))
    try:
        with unit_of_work():
            incident = db.session.get(Incident, incident_id)
            instance = incident.instance
            if instance.status == "error":
                instance.status, instance.error = "running", ""
            snap = instances.fire_timers(instance)
            ticket = db.session.get(Ticket, instance.ticket_id) if instance.ticket_id else None
            apply_snapshot(instance, ticket, snap, actor)
            if snap.stalled_at is not None:  # nothing moves it on: the incident stays open
                raise stall_error(snap.stalled_at)
            now = clock.now()
            for other in db.session.scalars(select(Incident).where(
                    Incident.instance_id == instance.id, Incident.status == "open")):
                other.status, other.resolved_at, other.resolved_by_id = "resolved", now, actor.id
                other.resolution = f"{actor.name} 重试成功"
            if ticket is not None:
                timeline.add(ticket, "task", RETRIED, actor, at=now)
    except StaleState:
        raise
    except Exception as exc:  # still failing: keep the incident open with the new cause
        db.session.rollback()
        error = _as_engine_error(exc)
        with unit_of_work():
            incident = db.session.get(Incident, incident_id)
            incident.occurrences += 1
            incident.last_at = clock.now()
            incident.message, incident.detail = str(error)[:500], error.detail or ""
        raise ServiceError(_("重试失败：%(reason)s", reason=str(error))) from exc
    return db.session.get(Incident, incident_id)
