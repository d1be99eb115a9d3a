"""After a calendar change: which open tickets' dates move, and moving them.

The preview evaluates each running ticket process's deadline scripts again with the calendar in
force (app/engine/migration.recompute_preview, nothing saved); applying it is the same
recomputation the time-rules page uses (app/services/migration.recompute_open): the waiting
timers are re-armed, the ticket's columns and open tasks follow, and each ticket that changed
gets one timeline entry (kind ``deadline``) listing every date before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import migration as engine_migration
from app.engine.runtime import EngineError
from app.extensions import db
from app.models import ProcessInstance, ProcessVersion, Ticket
from app.services import N_, PermissionDenied, _, calendar_admin, migration
from app.services.uow import unit_of_work

RECOMPUTED = N_("工作日历已修改，按新日历重算时限")


@dataclass
class Change:
    ticket: Ticket | None
    instance: ProcessInstance
    rows: list[list[str]]  # [label, "old → new"]
    error: str = ""


def _require(user) -> None:
    if not calendar_admin.can_edit(user):
        raise PermissionDenied(_("只有管理员可以按新日历重算时限。"))


def _running_ticket_instances() -> list[int]:
    return list(db.session.scalars(
        select(ProcessInstance.id).join(ProcessVersion).where(
            ProcessInstance.status == "running", ProcessInstance.ticket_id.is_not(None),
            ProcessVersion.process_key == lifecycle.PROCESS).order_by(ProcessInstance.id)))


def preview(user) -> list[Change]:
    """Open tickets whose deadline, reminder or callback date the calendar now moves (nothing saved)."""
    _require(user)
    out = []
    for instance_id in _running_ticket_instances():
        instance = db.session.get(ProcessInstance, instance_id)
        ticket = db.session.get(Ticket, instance.ticket_id)
        try:
            result = engine_migration.recompute_preview(instance)
        except EngineError as exc:
            out.append(Change(ticket, instance, [], str(exc)))
            continue
        if result.deadlines:
            out.append(Change(ticket, instance, migration.deadline_rows(result)))
    db.session.rollback()  # a preview never writes
    return out


def apply(user) -> list[migration.Outcome]:
    """Recompute every running instance with the calendar in force; clears the pending mark."""
    _require(user)
    outcomes = migration.recompute_open(user, message=RECOMPUTED)
    if not any(o.error for o in outcomes):
        with unit_of_work():
            calendar_admin.clear_pending()
    return outcomes
