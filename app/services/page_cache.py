"""Small per-process caches for what many requests read alike (the duty banner, the navbar's numbers, the
startable processes, the reply check's dictionaries).

An entry lives at most ``ttl`` seconds (other processes' changes show within that), and is dropped at
once when this process flushes a change to one of the models it reads, or sends an ORM UPDATE/DELETE of it (``install`` follows every
session's flushes; app/bootstrap.py calls it), so the person who edits the roster or deploys a
diagram sees the change on the next page.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

_caches: list[LayoutCache] = []
_installed = False


class LayoutCache:
    def __init__(self, models: tuple, ttl: float = 5.0):
        self.models = models
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict = {}
        _caches.append(self)

    def get(self, key, compute):
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        value = compute()
        with self._lock:
            if len(self._entries) > 256:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "do_orm_execute", _on_bulk_change)
    _installed = True


def clear_all() -> None:
    for cache in _caches:
        cache.clear()


def _before_flush(session, _flush_context, _instances):
    touched = tuple(session.new) + tuple(session.dirty) + tuple(session.deleted)
    if not touched:
        return
    for cache in _caches:
        if any(isinstance(obj, cache.models) for obj in touched):
            cache.clear()


def _on_bulk_change(state):
    """``update(Model)`` / ``delete(Model)`` statements change rows without a flush."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    changed = state.bind_mapper.class_
    for cache in _caches:
        if issubclass(changed, cache.models):
            cache.clear()
