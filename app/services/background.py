"""What the worker's loops share (the timer scheduler, the export runner): a daemon thread of its own,
stopped between two units of work, woken early by a poke or a LISTEN notification on PostgreSQL, and
after a database error trying again 1 s, 2 s, 4 s, then every ``backoff_cap`` seconds."""

from __future__ import annotations

import logging
import threading

from app.extensions import db

log = logging.getLogger("jiesu.worker")

BACKOFF_CAP = 5.0  # seconds: the longest wait between two tries while the database is unreachable


class BackgroundLoop:
    thread_name = "jiesu-loop"
    listener_class: type | None = None  # a scheduler.Listener subclass: LISTEN on its channel

    def __init__(self, app, poll: float, max_sleep: float, listen: bool | None, backoff_cap: float):
        self.app = app
        self.max_sleep = max_sleep
        self.poll = min(poll, max_sleep)
        self.backoff_cap = backoff_cap
        with app.app_context():
            postgres = db.engine.dialect.name == "postgresql"
        wanted = postgres if listen is None else listen
        self.listener = self.listener_class(self) if wanted and self.listener_class is not None else None
        self.failures = 0  # database errors in a row
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()

    def run(self) -> None:
        raise NotImplementedError

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

    def backoff(self) -> float:
        """Seconds before the next try after ``failures`` database errors in a row."""
        return min(self.backoff_cap, 2.0 ** (self.failures - 1))

    @staticmethod
    def rollback_quietly() -> None:
        try:
            db.session.rollback()
        except Exception:  # the connection itself is gone
            log.debug("rollback after a failed run failed too", exc_info=True)
