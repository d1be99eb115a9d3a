"""The worker's export loop: take a queued ledger export, make its file, again (app/services/ledger_export.py).

It runs in a thread of its own next to the timer scheduler (``jiesu worker``, ``serve
--with-worker``, ``jiesu demo``), so a 10-second export never delays a timer. It sleeps until
a job is queued: on PostgreSQL a ``Listener`` (the scheduler's, on channel ``jiesu_exports``)
wakes it at the request's commit; in the requesting process ``poke`` does; otherwise it looks
every ``poll`` seconds (half a second; ``max_sleep`` while notifications can come). It also
removes the exports older than a week, once an hour. ``stop()`` (SIGTERM) puts a job in hand
back in the queue for another worker and returns.
"""

from __future__ import annotations

import logging
import threading
import time

from app.extensions import db
from app.services import ledger_export
from app.services.scheduler import Listener
from app.services.settings import load_clock_offset

log = logging.getLogger("jiesu.exports")

POLL = 0.5
PURGE_EVERY = 3600.0  # seconds


class ExportListener(Listener):
    channel = ledger_export.CHANNEL


class ExportRunner:
    def __init__(self, app, poll: float = POLL, max_sleep: float = 30.0, listen: bool | None = None,
                 backoff_cap: float = 30.0):
        self.app = app
        self.poll = poll
        self.max_sleep = max_sleep
        self.backoff_cap = backoff_cap
        with app.app_context():
            postgres = db.engine.dialect.name == "postgresql"
        self.listener = ExportListener(self) if (postgres if listen is None else listen) else None
        self.failures = 0
        self.runs = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._purged = float("-inf")

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="jiesu-exports", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def poke(self, _instant=None) -> None:
        """A job was queued (the listener passes the instant it was queued at)."""
        self._wake.set()

    def run(self) -> None:
        runners = self.app.extensions.setdefault(ledger_export.RUNNERS, [])
        runners.append(self)
        if self.listener is not None:
            self.listener.start()
        try:
            while not self.stopping:
                self._wake.clear()
                ran = self._once()
                if ran is None:
                    self._stop.wait(min(self.backoff_cap, 2.0 ** (self.failures - 1)))
                elif not ran:
                    connected = self.listener is not None and self.listener.connected
                    self._wake.wait(self.max_sleep if connected else self.poll)
        finally:
            if self in runners:
                runners.remove(self)
            if self.listener is not None:
                self.listener.join(5)

    def _once(self) -> int | None:
        """Run what is queued; how many jobs ran, None after a database error."""
        with self.app.app_context():
            try:
                load_clock_offset()
                if time.monotonic() - self._purged > PURGE_EVERY:
                    gone = ledger_export.purge_expired()
                    self._purged = time.monotonic()
                    if gone:
                        log.info("removed %s exports older than %s days", gone, ledger_export.KEEP_DAYS)
                ran = ledger_export.run_pending(should_stop=self._stop.is_set)
                self.runs += ran
                self.failures = 0
                return ran
            except Exception:  # keep the loop alive; the next try waits longer
                self.failures += 1
                log.exception("export runner failed (%s in a row)", self.failures)
                try:
                    db.session.rollback()
                except Exception:  # the connection itself is gone
                    log.debug("rollback after a failed export run failed too", exc_info=True)
                return None
            finally:
                db.session.remove()
