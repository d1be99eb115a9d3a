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
import time

from app.extensions import db
from app.services import ledger_export
from app.services.background import BACKOFF_CAP, BackgroundLoop
from app.services.scheduler import Listener
from app.services.settings import load_clock_offset

log = logging.getLogger("jiesu.exports")

POLL = 0.5
PURGE_EVERY = 3600.0  # seconds


class ExportListener(Listener):
    channel = ledger_export.CHANNEL


class ExportRunner(BackgroundLoop):
    thread_name = "jiesu-exports"
    listener_class = ExportListener

    def __init__(self, app, poll: float = POLL, max_sleep: float = 30.0, listen: bool | None = None,
                 backoff_cap: float = BACKOFF_CAP):
        super().__init__(app, poll, max_sleep, listen, backoff_cap)
        self.runs = 0
        self._purged = float("-inf")

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
                    self._stop.wait(self.backoff())
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
                self.rollback_quietly()
                return None
            finally:
                db.session.remove()
