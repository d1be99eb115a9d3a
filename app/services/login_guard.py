"""Login throttling: per account and per address, with a lockout that expires and an admin unlock.

Failures and locks are rows in the database, so every app process (and every machine on the
same database) sees the same counts: ten wrong passwords spread over two servers lock the
account as surely as ten on one. Unknown user names are counted like real ones, and a locked
name is refused the same way whether it exists or not, so the answers tell nothing about
which accounts exist. Limits are the JIESU_LOGIN_* settings (app/config.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import LoginFailure, LoginLock, User
from app.services import ServiceError, _, security_log


class LoginLocked(ServiceError):
    """Too many failures: the account or the address is locked until ``until``."""

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


@dataclass
class Limits:
    account: int
    address: int
    window: timedelta
    lock: timedelta


def limits() -> Limits:
    c = current_app.config
    return Limits(c["JIESU_LOGIN_MAX_FAILURES"], c["JIESU_LOGIN_MAX_FAILURES_PER_ADDRESS"],
                  timedelta(minutes=c["JIESU_LOGIN_WINDOW_MINUTES"]), timedelta(minutes=c["JIESU_LOGIN_LOCK_MINUTES"]))


def normalise(username: str) -> str:
    return (username or "").strip().lower()[:60]


def _active_lock(kind: str, key: str, now: datetime) -> LoginLock | None:
    return db.session.scalar(select(LoginLock).where(
        LoginLock.kind == kind, LoginLock.key == key, LoginLock.until > now, LoginLock.lifted_at.is_(None))
        .order_by(LoginLock.until.desc()).limit(1))


def _minutes(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 59) // 60)


def _locked_message(lock: LoginLock, now: datetime) -> LoginLocked:
    minutes = _minutes(lock.until, now)
    if lock.kind == "address":
        message = _("登录失败次数过多，本机地址已被暂时禁止登录，请 %(n)s 分钟后再试或联系管理员。", n=minutes)
    else:
        message = _("该账号因多次密码错误已被暂时锁定，请 %(n)s 分钟后再试或联系管理员解锁。", n=minutes)
    return LoginLocked(message, lock.until)


def check(username: str, address: str) -> None:
    """Raise LoginLocked if the account or the address is locked now (before any password is checked)."""
    now = clock.wall_now()
    for kind, key in (("account", normalise(username)), ("address", address or "")):
        lock = _active_lock(kind, key, now) if key else None
        if lock is not None:
            raise _locked_message(lock, now)


def failed(username: str, address: str, user: User | None) -> LoginLocked | None:
    """Count one failure (in the caller's transaction); a lockout it causes is returned (and audited)."""
    now, lim = clock.wall_now(), limits()
    name = normalise(username)
    db.session.add(LoginFailure(at=now, username=name, address=(address or "")[:64]))
    db.session.flush()
    since = now - lim.window
    outcome = None
    account_failures = db.session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.username == name, LoginFailure.at > since))
    if account_failures >= lim.account and _active_lock("account", name, now) is None:
        lock = LoginLock(kind="account", key=name, locked_at=now, until=now + lim.lock)
        db.session.add(lock)
        security_log.record("lockout", user, username=name, address=address,
                            detail=f"{account_failures} 次密码错误，锁定至 "
                                   f"{lock.until.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")
        outcome = _locked_message(lock, now)
    if address:
        address_failures = db.session.scalar(select(func.count(LoginFailure.id)).where(
            LoginFailure.address == address, LoginFailure.at > since))
        if address_failures >= lim.address and _active_lock("address", address, now) is None:
            lock = LoginLock(kind="address", key=address[:64], locked_at=now, until=now + lim.lock)
            db.session.add(lock)
            security_log.record("address_lockout", None, username=name, address=address,
                                detail=f"{address_failures} 次登录失败")
            outcome = outcome or _locked_message(lock, now)
    return outcome


def succeeded(username: str) -> None:
    """A correct password: the account's failures are forgiven (the address's are not)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == normalise(username)))


def unlock(kind: str, key: str, actor: User | None) -> int:
    """Lift the active locks of an account or an address early (in the caller's transaction)."""
    now = clock.wall_now()
    key = normalise(key) if kind == "account" else key
    result = db.session.execute(update(LoginLock).where(
        LoginLock.kind == kind, LoginLock.key == key, LoginLock.until > now, LoginLock.lifted_at.is_(None))
        .values(lifted_at=now, lifted_by_id=actor.id if actor is not None else None))
    if kind == "account":
        db.session.execute(delete(LoginFailure).where(LoginFailure.username == key))
    else:
        db.session.execute(delete(LoginFailure).where(LoginFailure.address == key))
    return result.rowcount or 0


def active_locks() -> list[LoginLock]:
    now = clock.wall_now()
    return list(db.session.scalars(select(LoginLock).where(LoginLock.until > now, LoginLock.lifted_at.is_(None))
                                   .order_by(LoginLock.until.desc())))


def locked_usernames() -> set[str]:
    return {lock.key for lock in active_locks() if lock.kind == "account"}


def forget_old(now: datetime | None = None) -> None:
    """Drop failures and locks no rule reads any more (called at each sign-in; cheap with the indexes)."""
    now = now or clock.wall_now()
    lim = limits()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - max(lim.window, timedelta(days=1))))
    db.session.execute(delete(LoginLock).where(LoginLock.until < now - timedelta(days=30)))
