"""The timer sweep: fire every due BPMN timer exactly once, and the loop that runs it.

Several workers may sweep at once. On PostgreSQL each claims its batch with
``FOR UPDATE SKIP LOCKED`` and commits it as one transaction, each instance in its own
savepoint. On SQLite (single writer; pysqlite opens the transaction at the SAVEPOINT)
each instance is committed on its own. Everywhere the instance's optimistic version
makes a second save of the same firing fail, so a timer's effects are committed once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app import wiring
from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.models import ProcessInstance, Ticket
from app.services import incidents
from app.services.process import apply_snapshot
from app.services.settings import load_clock_offset

log = logging.getLogger("jiesu.timers")


@dataclass
class SweepResult:
    instances: int = 0
    fired: int = 0
    errors: int = 0
    skipped: int = 0


def sweep(batch: int = 200) -> SweepResult:
    """Fire what is due now. Whatever one instance raises (load, timer, script, save), it becomes an
    incident in the same transaction and leaves the due index (parked, not retried hot); the sweep
    goes on with the others."""
    result = SweepResult()
    while True:
        ids = instances.due_instance_ids(batch)
        if not ids:
            db.session.rollback()
            return result
        for instance_id in ids:
            instance = db.session.get(ProcessInstance, instance_id)
            savepoint = db.session.begin_nested()
            try:
                snap = instances.fire_timers(instance)
                ticket = db.session.get(Ticket, instance.ticket_id) if instance.ticket_id else None
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
        if len(ids) < batch:
            return result


class Scheduler:
    """Sleeps until the next due timer, or until a save brings one forward, then sweeps."""

    def __init__(self, app, max_sleep: float = 30.0):
        self.app = app
        self.max_sleep = max_sleep
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        wiring.current(app).timer_listeners.append(lambda _instant: self._wake.set())

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="jiesu-timers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def run(self) -> None:
        while not self._stop.is_set():
            with self.app.app_context():
                try:
                    load_clock_offset()
                    swept = sweep()
                    if swept.instances:
                        log.info("sweep: %s instances, %s timers fired", swept.instances, swept.fired)
                    nxt = instances.next_due_instant()
                except Exception:  # keep the loop alive; the error is logged
                    log.exception("timer sweep failed")
                    db.session.rollback()
                    nxt = None
                finally:
                    db.session.remove()
            delay = self.max_sleep
            if nxt is not None:
                delay = max(0.05, min(self.max_sleep, (nxt - clock.now()).total_seconds() + 0.01))
            self._wake.wait(delay)
            self._wake.clear()
