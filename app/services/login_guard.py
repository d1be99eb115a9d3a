"""Login throttling: per account and per address, with a lockout that expires and an admin unlock.

Failures and locks are rows in the database, so every app process (and every machine on the
same database) sees the same counts: ten wrong passwords spread over two servers lock the
account as surely as ten on one. Unknown user names are counted like real ones, and a locked
name is refused the same way whether it exists or not, so the answers tell nothing about
which accounts exist. Limits are the JIESU_LOGIN_* settings (app/config.py).

Device cookies (OWASP's defence against lockout abuse): a browser where an account signed in
correctly keeps a signed cookie naming that account. From such a browser the account's lockout
does not apply: someone who types wrong passwords for 王磊 from elsewhere locks 王磊 out of every
other machine, not out of his own desk. Failures from a trusted browser count against that
browser alone (kind ``device``), with the account's limit. The address limit stops a machine that guesses
at many accounts; the desk's 27 staff often reach the server from one address (an office NAT, a proxy), so a
browser trusted for the account it signs in to is neither stopped by an address lock nor counted toward one:
someone's guessing locks out the untrusted browsers behind that address, not the colleagues at their desks.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
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


DEVICE_COOKIE = "jiesu_device"  # one per account: jiesu_device_<digest of the name> (a shared desk keeps each)
DEVICE_DAYS = 180


def device_cookie_name(username: str) -> str:
    """The cookie that carries this account's trust in a browser: several accounts on one desk keep theirs."""
    return f"{DEVICE_COOKIE}_{hashlib.sha256(normalise(username).encode()).hexdigest()[:12]}"


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="jiesu-login-device")


def _password_stamp(user: User) -> str:
    """Changes with the password: a new password (the user's or an admin's reset) trusts no earlier browser."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def new_device(user: User) -> str:
    """The cookie value a browser keeps after a correct sign-in: the account, a random name for the
    browser and the password's stamp, signed and dated (trusted for DEVICE_DAYS from the sign-in)."""
    return _device_signer().dumps([normalise(user.username), secrets.token_urlsafe(12), _password_stamp(user)])


def trusted_device(user: User | None, cookie: str | None) -> str | None:
    """The browser's key (``account/name``) when its cookie is ours, names this account, is younger than
    DEVICE_DAYS and was given under the current password; else None."""
    if user is None or not cookie or len(cookie) > 300:
        return None
    try:
        account, name, stamp = _device_signer().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    if account != normalise(user.username) or not isinstance(name, str) or stamp != _password_stamp(user):
        return None
    return f"{account}/{name}"[:64]


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
    elif lock.kind == "device":
        message = _("在本浏览器上多次密码错误，该账号在本浏览器上已被暂时锁定，请 %(n)s 分钟后再试或联系管理员解锁。",
                    n=minutes)
    else:
        message = _("该账号因多次密码错误已被暂时锁定，请 %(n)s 分钟后再试或联系管理员解锁。", n=minutes)
    return LoginLocked(message, lock.until)


def check(username: str, address: str, device: str | None = None) -> None:
    """Raise LoginLocked if the account or the address is locked now (from the account's trusted browser
    ``device``: if that browser is), before any password is checked."""
    now = clock.wall_now()
    rules = [("device", device)] if device else [("account", normalise(username)), ("address", address or "")]
    for kind, key in rules:
        lock = _active_lock(kind, key, now) if key else None
        if lock is not None:
            raise _locked_message(lock, now)


def failed(username: str, address: str, user: User | None, device: str | None = None) -> LoginLocked | None:
    """Count one failure (in the caller's transaction); a lockout it causes is returned (and audited).
    A failure from the account's trusted browser ``device`` counts against that browser, not the account."""
    now, lim = clock.wall_now(), limits()
    name = normalise(username)
    db.session.add(LoginFailure(at=now, username=name, address=(address or "")[:64], device=device))
    db.session.flush()
    since = now - lim.window
    outcome = None
    kind, key = ("device", device) if device else ("account", name)
    counted = LoginFailure.device == device if device else (LoginFailure.username == name) & LoginFailure.device.is_(None)
    failures = db.session.scalar(select(func.count(LoginFailure.id)).where(counted, LoginFailure.at > since))
    if failures >= lim.account and _active_lock(kind, key, now) is None:
        lock = LoginLock(kind=kind, key=key, locked_at=now, until=now + lim.lock)
        db.session.add(lock)
        security_log.record("lockout", user, username=name, address=address,
                            detail=("本浏览器上 " if device else "") + f"{failures} 次密码错误，锁定至 "
                                   f"{lock.until.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")
        outcome = _locked_message(lock, now)
    if address and not device:
        address_failures = db.session.scalar(select(func.count(LoginFailure.id)).where(
            LoginFailure.address == address, LoginFailure.device.is_(None), LoginFailure.at > since))
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
    which = (LoginLock.kind == kind) & (LoginLock.key == key)
    if kind == "account":  # the account's browsers too: unlocked means from anywhere
        which = which | ((LoginLock.kind == "device") & LoginLock.key.startswith(key + "/", autoescape=True))
    result = db.session.execute(update(LoginLock).where(
        which, LoginLock.until > now, LoginLock.lifted_at.is_(None))
        .values(lifted_at=now, lifted_by_id=actor.id if actor is not None else None))
    if kind == "account":
        db.session.execute(delete(LoginFailure).where(LoginFailure.username == key))
    elif kind == "device":
        db.session.execute(delete(LoginFailure).where(LoginFailure.device == key))
    else:
        db.session.execute(delete(LoginFailure).where(LoginFailure.address == key))
    return result.rowcount or 0


def active_locks() -> list[LoginLock]:
    now = clock.wall_now()
    return list(db.session.scalars(select(LoginLock).where(LoginLock.until > now, LoginLock.lifted_at.is_(None))
                                   .order_by(LoginLock.until.desc())))


def locked_usernames() -> set[str]:
    """Accounts locked for every browser they have not signed in from (their own stay open)."""
    return {lock.key for lock in active_locks() if lock.kind == "account"}


def forget_old(now: datetime | None = None) -> None:
    """Drop failures and locks no rule reads any more (called at each sign-in; cheap with the indexes)."""
    now = now or clock.wall_now()
    lim = limits()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - max(lim.window, timedelta(days=1))))
    db.session.execute(delete(LoginLock).where(LoginLock.until < now - timedelta(days=30)))
