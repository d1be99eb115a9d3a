"""Telling the timer schedulers that a save brought a timer forward, wherever the save happened.

``timer_brought_forward`` is wired (app/bootstrap.py) as a timer listener of the engine: it is
called while an instance is saved with a next due instant earlier than the one it had.

* On PostgreSQL it sends ``NOTIFY jiesu_timers, '<ISO instant>'`` on the save's own connection:
  PostgreSQL delivers it when the transaction commits and drops it on a rollback, so a worker
  never wakes for a timer it cannot see yet. Workers ``LISTEN`` (app/services/scheduler.py).
* In every process the earliest such instant of the transaction is kept in the session and
  handed to this process's own schedulers (``serve --with-worker``) after the commit.

On SQLite other processes are not told: their schedulers poll the due-time index every
half second instead.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import event, text

from app.extensions import db

CHANNEL = "jiesu_timers"
_PENDING = "jiesu_timer_forward"
LOCAL_KEY = "jiesu_schedulers"  # app.extensions[LOCAL_KEY]: the schedulers running in this process


def timer_brought_forward(instant: datetime) -> None:
    session = db.session
    pending = session.info.get(_PENDING)
    session.info[_PENDING] = instant if pending is None or instant < pending else pending
    if db.engine.dialect.name == "postgresql":
        # Connection.execute, not Session.execute: no autoflush of a state that is not final yet
        session.connection().execute(text("SELECT pg_notify(:channel, :instant)"),
                                     {"channel": CHANNEL, "instant": instant.isoformat()})


def local_schedulers(app) -> list:
    return app.extensions.setdefault(LOCAL_KEY, [])


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint: SQLAlchemy calls this hook for those too
        return
    instant = session.info.pop(_PENDING, None)
    if instant is None or not has_app_context():
        return
    for scheduler in list(current_app.extensions.get(LOCAL_KEY, ())):
        scheduler.poke(instant)


def _after_soft_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


def install() -> None:
    """Hand committed instants to the local schedulers (idempotent: create_app runs it per app)."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_soft_rollback)
