"""The timer sweep: fire every due BPMN timer exactly once, and the loop that runs it.

Several workers may sweep at once. Each claims a small batch (a few instances; on PostgreSQL
with ``FOR UPDATE SKIP LOCKED``) and commits it before it claims the next, each instance in its
own savepoint, so a user saving one of those instances waits for a few firings at most, never
for a whole sweep. Everywhere the instance's optimistic version makes a second save of the same
firing fail, so a timer's effects are committed once. The loop that runs the sweep is
app/services/scheduler.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.engine import instances
from app.extensions import db
from app.models import ProcessInstance, Ticket
from app.services import incidents
from app.services.process import apply_snapshot

log = logging.getLogger("jiesu.timers")


@dataclass
class SweepResult:
    instances: int = 0
    fired: int = 0
    errors: int = 0
    skipped: int = 0


BATCH = 5  # instances claimed and committed together
MOST = 1000  # instances looked at by one sweep; the scheduler sweeps again at once if more are due


@functools.cache
def _instance_to_fire():
    """A due instance with its version and its ticket (if any), in one statement built once."""
    return (select(ProcessInstance, Ticket).outerjoin(Ticket, Ticket.id == ProcessInstance.ticket_id)
            .options(joinedload(ProcessInstance.version)).where(ProcessInstance.id == bindparam("instance_id")))


def sweep(batch: int = BATCH, should_stop: Callable[[], bool] | None = None, most: int = MOST) -> SweepResult:
    """Fire what is due now. Whatever one instance raises (load, timer, script, save), it becomes an
    incident in the same transaction and leaves the due index (parked, not retried hot); the sweep
    goes on with the others. ``should_stop()`` is asked before each instance (a worker told to stop
    commits the instances it has fired and claims no more). One sweep looks at an instance once at most."""
    result = SweepResult()
    seen: list[int] = []
    while True:
        if should_stop is not None and should_stop():
            db.session.rollback()
            return result
        ids = instances.due_instance_ids(min(batch, most - len(seen)), exclude=seen)
        if not ids:
            db.session.rollback()
            return result
        seen.extend(ids)
        for instance_id in ids:
            if should_stop is not None and should_stop():
                break  # the instances fired so far are committed below, the rest are left to others
            savepoint = db.session.begin_nested()
            try:
                row = db.session.execute(_instance_to_fire(), {"instance_id": instance_id}).one_or_none()
                if row is None:  # gone since it was claimed (a process owner's cleanup)
                    savepoint.commit()
                    continue
                instance, ticket = row
                snap = instances.fire_timers(instance)
                apply_snapshot(instance, ticket, snap)
                savepoint.commit()
                result.fired += len(snap.fired_timers)
            except (StaleDataError, OperationalError):
                # another worker (or a user) saved this instance first: its timers are theirs
                savepoint.rollback()
                db.session.expire_all()
                result.skipped += 1
                continue
            except Exception as exc:  # anything else: this instance only, parked as an incident
                if savepoint.is_active:
                    savepoint.rollback()
                try:
                    db.session.expire_all()
                    instance = db.session.get(ProcessInstance, instance_id)
                    incidents.record(instance, exc, "timer", park=True)
                except Exception:  # the transaction itself broke: record on its own, sweep again
                    log.exception("instance %s: recording its incident in the batch failed", instance_id)
                    db.session.rollback()
                    incidents.record_separately(exc, "timer", instance_id, park=True)
                    result.errors += 1
                    break
                result.errors += 1
            result.instances += 1
        db.session.commit()
        if len(ids) < batch or len(seen) >= most:
            return result
