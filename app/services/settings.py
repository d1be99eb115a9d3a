"""Settings kept in the database, and the simulation clock shared by web and worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, g, has_request_context

from app.engine.clock import clock
from app.extensions import db
from app.models import Setting
from app.services import InvalidInput, PermissionDenied, _
from app.services.uow import unit_of_work

CLOCK_OFFSET = "clock_offset_seconds"


_MISSING = object()


def get(key: str, default=None):
    """A setting's value; within a request each key is read once (a missing key too: the identity
    map does not remember those), ``put`` forgets it, the request's end forgets them all."""
    cache = g.setdefault("jiesu_settings", {}) if has_request_context() else None
    if cache is not None and key in cache:
        value = cache[key]
        return default if value is _MISSING else value
    row = db.session.get(Setting, key)
    if cache is not None:
        cache[key] = _MISSING if row is None else row.value
    return default if row is None else row.value


def forget_request_cache() -> None:
    if has_request_context():
        g.pop("jiesu_settings", None)


def put(key: str, value) -> None:
    if has_request_context():
        g.get("jiesu_settings", {}).pop(key, None)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


def load_clock_offset() -> None:
    """In simulation mode the clock runs ahead by an offset every process reads from the database."""
    if current_app.config.get("JIESU_SIMULATION"):
        clock.set_offset(timedelta(seconds=float(get(CLOCK_OFFSET, 0) or 0)))


MAX_STEP = timedelta(days=60)


def move_clock_to(at: datetime, user) -> timedelta:
    """Move the simulation clock to the instant ``at`` (aware): only forward, at most 60 days at once
    (timers that fired cannot fire back)."""
    delta = at - clock.now()
    if delta <= timedelta(0):
        raise InvalidInput({"at": _("只能拨到当前模拟时间之后的时刻（已触发的定时器不能撤回）。")})
    if delta > MAX_STEP:
        raise InvalidInput({"at": _("一次最多前进 60 天。")})
    return advance_clock(delta, user)


def advance_clock(delta: timedelta, user) -> timedelta:
    if not current_app.config.get("JIESU_SIMULATION"):
        raise PermissionDenied(_("只有演示/模拟模式可以拨动时钟。"))
    if not user.has_role("admin", "supervisor", "process_owner"):
        raise PermissionDenied(_("只有主管或管理员可以拨动模拟时钟。"))
    with unit_of_work():
        offset = float(get(CLOCK_OFFSET, 0) or 0) + delta.total_seconds()
        offset = max(0.0, offset)
        put(CLOCK_OFFSET, offset)
    clock.set_offset(timedelta(seconds=offset))
    return timedelta(seconds=offset)
