"""The loop that fires timers on time: sleep until the next due instant, sweep, again.

What wakes a scheduler earlier than the due instant it knows of:

* a save in its own process that brings a timer forward (``poke``, after the commit:
  app/services/wakeups.py);
* on PostgreSQL, the same from any process: the save sends ``NOTIFY jiesu_timers``, and a
  ``Listener`` thread of each scheduler ``LISTEN``s on a connection of its own;
* when nobody can tell it (SQLite, or the listening connection is down), it looks at the due
  index again every ``poll`` seconds (half a second), so a timer saved by another process is
  fired well within a second of its instant. With a listener it still looks every
  ``max_sleep`` seconds, in case a notification was lost.

After a database error the loop waits 1 s, then 2, 4, and 5 s (``backoff_cap``) between tries
while the error lasts, so a worker is back within a few seconds of the database (a cap of 30 s
made timers due during a 20 s outage fire 12 s after the restart); the listener reconnecting
ends that wait at once. ``stop()`` (the worker's SIGTERM) lets the sweep finish the instance in
hand, commit, and return.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.services import timers
from app.services.background import BACKOFF_CAP, BackgroundLoop
from app.services.settings import load_clock_offset
from app.services.wakeups import CHANNEL, local_schedulers

log = logging.getLogger("jiesu.timers")

POLL = 0.5  # seconds between looks at the due index when no notification can come
MIN_PAUSE = 0.05  # between sweeps when more is due at once
class Scheduler(BackgroundLoop):
    thread_name = "jiesu-timers"

    def __init__(self, app, max_sleep: float = 30.0, poll: float = POLL, listen: bool | None = None,
                 backoff_cap: float = BACKOFF_CAP, batch: int = timers.BATCH):
        self.listener_class = Listener  # (defined below this class)
        super().__init__(app, poll, max_sleep, listen, backoff_cap)
        self.batch = batch
        self.sweeps = 0
        self._lock = threading.Lock()
        self._poked: datetime | None = None
        self._sweep_now = False

    # -- control -------------------------------------------------------------------------------
    def wake(self) -> None:
        """Sweep now (the clock moved, the listener reconnected)."""
        with self._lock:
            self._sweep_now = True
        self._wake.set()

    def poke(self, instant: datetime) -> None:
        """A timer is due at ``instant``: wake then if that is earlier than planned."""
        with self._lock:
            if self._poked is None or instant < self._poked:
                self._poked = instant
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> None:
        schedulers = local_schedulers(self.app)
        schedulers.append(self)
        if self.listener is not None:
            self.listener.start()
        try:
            while not self.stopping:
                ok, swept, nxt = self._sweep_once()
                if not ok:
                    self._backoff_wait(self.backoff())
                    continue
                if nxt is not None and swept.fired == 0 and nxt <= clock.now():
                    # due but nothing fired: another worker holds them (or they cannot fire); look again soon
                    self._sleep(None, self.poll)
                else:
                    self._sleep(nxt, None)
        finally:
            if self in schedulers:
                schedulers.remove(self)
            if self.listener is not None:
                self.listener.join(5)

    def _backoff_wait(self, seconds: float) -> None:
        """Until the next try after a database error; a wake (the listener is connected again) or
        a stop ends it early."""
        deadline = time.monotonic() + seconds
        while not self.stopping:
            with self._lock:
                sweep_now, self._sweep_now = self._sweep_now, False
            left = deadline - time.monotonic()
            if sweep_now or left <= 0:
                return
            self._wake.wait(left)
            self._wake.clear()

    def _sweep_once(self):
        with self.app.app_context():
            try:
                load_clock_offset()
                swept = timers.sweep(batch=self.batch, should_stop=self._stop.is_set)
                self.sweeps += 1
                if swept.instances:
                    log.info("sweep: %s instances, %s timers fired", swept.instances, swept.fired)
                nxt = None if self.stopping else instances.next_due_instant()
                if self.failures:
                    log.info("database reachable again after %s failed sweeps", self.failures)
                self.failures = 0
                return True, swept, nxt
            except Exception:  # keep the loop alive; the error is logged, the next try waits longer
                self.failures += 1
                log.exception("timer sweep failed (%s in a row); next try in %.0f s", self.failures, self.backoff())
                self.rollback_quietly()
                return False, None, None
            finally:
                db.session.remove()

    def _sleep(self, nxt: datetime | None, bound: float | None) -> None:
        """Until ``nxt``, a poke earlier than it, a wake or stop; at most ``bound`` seconds (by
        default: ``max_sleep`` while a listener is connected, else ``poll``)."""
        started = time.monotonic()
        first = True
        while not self.stopping:
            with self._lock:
                poked, self._poked = self._poked, None
                sweep_now, self._sweep_now = self._sweep_now, False
            if sweep_now:
                return
            if poked is not None and (nxt is None or poked < nxt):
                nxt = poked
            limit = bound if bound is not None else (
                self.max_sleep if self.listener is not None and self.listener.connected else self.poll)
            timeout = limit - (time.monotonic() - started)
            if nxt is not None:
                timeout = min(timeout, (nxt - clock.now()).total_seconds() + 0.005)
            if first:
                timeout = max(timeout, MIN_PAUSE)
                first = False
            if timeout <= 0:
                return
            self._wake.wait(timeout)
            self._wake.clear()


class Listener(threading.Thread):
    """``LISTEN jiesu_timers`` on a connection of its own; each notification pokes the scheduler.

    When the connection fails it is opened again (1 s, 2 s, 4 s, then every 5 s); meanwhile the
    scheduler polls. Each (re)connection makes the scheduler sweep, for what was missed."""

    HEARTBEAT = 30.0  # seconds: a query on the idle connection, so a dead one is noticed
    channel = CHANNEL  # the export runner listens on its own (app/services/export_runner.py)

    def __init__(self, scheduler: Scheduler):
        super().__init__(name="jiesu-timers-listen", daemon=True)
        self.scheduler = scheduler
        self.connected = False
        self.notifications = 0

    def _connect(self):
        with self.scheduler.app.app_context():
            raw = db.engine.raw_connection()
        conn = raw.driver_connection  # a psycopg connection (None once detached: take it first)
        raw.detach()  # ours alone, never back to the pool
        conn.autocommit = True
        conn.execute(f"LISTEN {self.channel}")
        return conn

    def run(self) -> None:
        failures = 0
        while not self.scheduler.stopping:
            conn = None
            try:
                conn = self._connect()
                self.connected, failures = True, 0
                self.scheduler.wake()
                beat = time.monotonic()
                while not self.scheduler.stopping:
                    for note in conn.notifies(timeout=0.5):
                        self.notifications += 1
                        try:
                            self.scheduler.poke(datetime.fromisoformat(note.payload))
                        except ValueError:
                            self.scheduler.wake()
                    if time.monotonic() - beat > self.HEARTBEAT:
                        conn.execute("SELECT 1")
                        beat = time.monotonic()
            except Exception:  # connection refused or lost: poll meanwhile, connect again
                failures += 1
                log.warning("timer notifications unavailable (%s in a row); polling the due index meanwhile",
                            failures, exc_info=failures == 1)
            finally:
                was_connected, self.connected = self.connected, False
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:  # already broken
                        log.debug("closing the listening connection failed", exc_info=True)
                if was_connected and not self.scheduler.stopping:
                    self.scheduler.wake()
            if failures:
                self.scheduler._stop.wait(min(BACKOFF_CAP, 2.0 ** (failures - 1)))
