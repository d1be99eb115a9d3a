"""Loaded workflows kept per process, keyed by (instance id, lock_version).

Deserializing an instance is most of what an engine operation costs. A workflow that this process
saved (or loaded without changing) is kept after its transaction commits, under the instance's id
and the ``lock_version`` that row now has; the next operation on the same row version takes it
instead of deserializing. ``lock_version`` is SQLAlchemy's ``version_id_col``: any UPDATE of the row,
by this process or another, gives it a new number, so an entry can never stand for another state
than the row's. An operation that changes the workflow *takes* the entry (nobody else can read the
object it mutates); the changed workflow is offered again only once its transaction has committed,
and forgotten if it rolls back (a savepoint rollback forgets everything pending, to be safe).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

MAX_ENTRIES = 64  # a workflow in memory is some 100-300 KB; enough for the instances being worked on
_PENDING = "jiesu_workflow_cache_pending"

_lock = threading.Lock()
_entries: OrderedDict[tuple[int, int], tuple[tuple, object]] = OrderedDict()
stats = {"hits": 0, "misses": 0}  # read by the benchmarks and the tests


def _key(instance) -> tuple[int, int] | None:
    state = inspect(instance)
    if state.identity is None:
        return None
    values = state.dict
    if "id" not in values or "lock_version" not in values:
        return None  # expired attributes: do not trigger a load from here
    return values["id"], values["lock_version"]


def take(instance, version_key: tuple):
    """The cached workflow for the instance's row version, removed from the cache (the caller owns it)."""
    key = _key(instance)
    entry = None
    if key is not None and not inspect(instance).modified:
        with _lock:
            entry = _entries.pop(key, None)
    if entry is None or entry[0] != version_key:
        stats["misses"] += 1
        return None
    stats["hits"] += 1
    return entry[1]


def give_back(instance, version_key: tuple, wf) -> None:
    """A workflow that was only read: cached again, if it is the row's stored state."""
    key = _key(instance)
    if key is None or inspect(instance).modified:
        return
    _put(key, version_key, wf)


def saved(instance, version_key: tuple, wf) -> None:
    """The workflow whose state was just assigned to the instance: cached once the transaction commits."""
    session = Session.object_session(instance)
    if session is None:
        return
    session.info.setdefault(_PENDING, {})[id(instance)] = [instance, version_key, wf, None]


def clear() -> None:
    with _lock:
        _entries.clear()


def _put(key, version_key, wf) -> None:
    with _lock:
        _entries[key] = (version_key, wf)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


_installed = False


def install() -> None:
    """Follow every session's flushes, commits and rollbacks (once per process; app/bootstrap.py)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush_postexec", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed = True


def _after_flush(session, _flush_context):
    for entry in session.info.get(_PENDING, {}).values():
        entry[3] = _key(entry[0])  # the row version the flush wrote


def _after_commit(session):
    pending = session.info.pop(_PENDING, None)
    for _instance, version_key, wf, key in (pending or {}).values():
        if key is not None:
            _put(key, version_key, wf)


def _after_rollback(session, _previous_transaction):
    session.info.pop(_PENDING, None)
