"""Long imports in the background: a thread with its own app context writes its progress to an ``ImportJob``.

The page that started it polls the row (status, rows done, counts) and shows the problems
when it is done. ``work(progress)`` does the import and calls ``progress(summary)`` as it
goes; a summary has ``counts()`` (the ImportJob counters) and ``problems`` (the rows not
imported, kept with the job). A job that stops writing (its server was restarted) is
shown as stale; importing the same file again finishes it, as imports are idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from app.engine import errors
from app.engine.clock import clock
from app.extensions import db
from app.models import ImportJob
from app.services import ServiceError, _

log = logging.getLogger("jiesu.import")

STALE_AFTER = timedelta(minutes=5)
PROGRESS_EVERY = 0.5  # seconds between progress writes

_threads: list[threading.Thread] = []


def start(job: ImportJob, work: Callable, after: Callable[[], None] | None = None) -> threading.Thread:
    """Run ``work`` for a committed job in a background thread; ``after()`` runs when it ends, whatever happened."""
    app = current_app._get_current_object()
    thread = threading.Thread(target=_thread, args=(app, job.id, work, after), name=f"jiesu-import-{job.id}",
                              daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()
    return thread


def wait(timeout: float = 600) -> None:
    """Join the import threads still running (tests and shutdown)."""
    for thread in list(_threads):
        thread.join(timeout)


def _thread(app, job_id: int, work: Callable, after: Callable[[], None] | None) -> None:
    with app.app_context():
        try:
            run(job_id, work)
        finally:
            try:
                if after is not None:
                    after()
            finally:
                db.session.remove()


def _write(job_id: int, **values) -> None:
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(updated_at=clock.now(), **values))
    db.session.commit()


def run(job_id: int, work: Callable):
    """Run one job here (inside an app context), writing its progress; returns the summary, or None if it failed."""
    _write(job_id, status="running", started_at=clock.now())
    last = [float("-inf")]

    def progress(summary) -> None:
        now = time.monotonic()
        counts = summary.counts()
        if now - last[0] >= PROGRESS_EVERY or counts["done"] == counts["total"]:
            last[0] = now
            _write(job_id, **counts)

    try:
        summary = work(progress)
    except ServiceError as exc:
        db.session.rollback()
        _write(job_id, status="failed", message=str(exc)[:500], finished_at=clock.now())
        return None
    except Exception as exc:
        db.session.rollback()
        log.exception("import job %s failed", job_id)
        _write(job_id, status="failed", finished_at=clock.now(),
               message=_("导入中断（%(error)s）：已导入的行保留，重新导入同一文件可补齐其余行。",
                         error=_(errors.describe(exc)))[:500])
        return None
    _write(job_id, status="done", errors=summary.problems, finished_at=clock.now(), **summary.counts())
    return summary


def is_stale(job: ImportJob) -> bool:
    """A running job that stopped writing progress (its server was restarted)."""
    beat = job.updated_at or job.started_at or job.created_at
    return not job.finished and beat is not None and clock.now() - beat > STALE_AFTER
