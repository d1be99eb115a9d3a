"""Loaded workflows kept per process, keyed by (instance id, lock_version).

Deserializing an instance is most of what an engine operation costs. A workflow that this process
saved (or loaded without changing) is kept after its transaction commits, under the instance's id
and the ``lock_version`` that row now has; the next operation on the same row version takes it
instead of deserializing. ``lock_version`` is SQLAlchemy's ``version_id_col``: any UPDATE of the row,
by this process or another, gives it a new number, so an entry can never stand for another state
than the row's. An operation that changes the workflow *takes* the entry (nobody else can read the
object it mutates); the changed workflow is offered again only once its transaction has committed,
and forgotten if it rolls back (a savepoint rollback forgets everything pending, to be safe).
The keys are row ids of one database: ``clear()`` when an app is created (app/bootstrap.py), and
restart the processes after restoring a database backup.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

MAX_ENTRIES = 64  # a workflow in memory is some 100-300 KB; enough for the instances being worked on
_PENDING = "jiesu_workflow_cache_pending"
# the session's transaction has flushed changes. (The app writes process_instance rows only through
# the ORM; a Core UPDATE of one, as the benchmarks do, must be committed before the row is read.)
_WROTE = "jiesu_transaction_wrote"

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
    """A workflow that was only read: cached again once the transaction commits, if the instance's
    stored state is still the one it was read from. If the transaction has flushed nothing so far,
    the row version it read is a committed one: cached at once (a read-only request, such as the
    push's answer after its commit, never commits again)."""
    key = _key(instance)
    if key is None or inspect(instance).modified:
        return
    session = Session.object_session(instance)
    if session is not None and not session.info.get(_WROTE) and not (session.new or session.dirty or session.deleted):
        _put(key, version_key, wf)
        return
    _pending(instance, version_key, wf)


def saved(instance, version_key: tuple, wf) -> None:
    """The workflow whose state was just assigned to the instance: cached once the transaction commits."""
    _pending(instance, version_key, wf)


def _pending(instance, version_key, wf) -> None:
    session = Session.object_session(instance)
    if session is None:
        return
    state = inspect(instance)
    # [instance, version key, workflow, the state_json string it stands for, the row version]
    session.info.setdefault(_PENDING, {})[id(instance)] = [instance, version_key, wf,
                                                           state.dict.get("state_json"), _key(instance)]


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
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _installed = True


def _after_transaction_end(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended (commit or rollback)
        session.info.pop(_WROTE, None)


def _after_flush(session, _flush_context):
    session.info[_WROTE] = True
    pending = session.info.get(_PENDING, {})
    for ref, entry in list(pending.items()):
        values = inspect(entry[0]).dict
        if values.get("state_json") is not entry[3]:  # the state was written by other means meanwhile
            del pending[ref]
        else:
            entry[4] = _key(entry[0])  # the row version the flush wrote


def _after_commit(session):
    pending = session.info.pop(_PENDING, None)
    for _instance, version_key, wf, _state, key in (pending or {}).values():
        if key is not None:
            _put(key, version_key, wf)


def _after_rollback(session, _previous_transaction):
    session.info.pop(_PENDING, None)
