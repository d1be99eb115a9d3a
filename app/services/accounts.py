"""Signing in and out, and changing one's own password: throttled, audited, sessions ended where due."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.engine.clock import clock
from app.extensions import db
from app.models import User
from app.services import InvalidInput, ServiceError, _, login_guard, passwords, security_log, sessions
from app.services.uow import unit_of_work

LoginLocked = login_guard.LoginLocked



@cache
def _dummy_hash() -> str:
    """Checked against when the user name is unknown, so both answers take as long (no user enumeration)."""
    return generate_password_hash("not-a-real-password", method="scrypt")


class LoginRefused(ServiceError):
    """Wrong user name or password, or a disabled account."""


@dataclass
class SignedIn:
    user: User
    token: str  # for the session cookie
    device: str  # for the device cookie (login_guard: this browser is now trusted for the account)


def sign_in(username: str, password: str, address: str = "", user_agent: str = "",
            device_cookie: str | None = None) -> SignedIn:
    """Check the password (unless the account or address is locked); start a session.

    ``device_cookie``: what the browser kept from an earlier correct sign-in; for its account the
    account's lockout does not apply (the browser's own does). Raises LoginLocked (also when this
    failure caused the lock) or LoginRefused. Every outcome is in the account audit log.
    """
    username = (username or "").strip()
    user = _user(username)
    device = login_guard.trusted_device(user, device_cookie)
    try:
        login_guard.check(username, address, device)
    except LoginLocked:
        with unit_of_work():
            security_log.record("login_refused", user, username=username, address=address)
        raise
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        good = False
    else:
        good = user.check_password(password or "")
    if not good:
        with unit_of_work():
            security_log.record("login_failed", user, username=username, address=address,
                                detail="" if user is not None else "用户名不存在")
            locked = login_guard.failed(username, address, user, device)
        if locked is not None:
            raise locked
        raise LoginRefused(_("用户名或密码错误。"))
    if not user.active:
        with unit_of_work():
            security_log.record("login_failed", user, address=address, detail="账号已停用")
        raise LoginRefused(_("该账号已停用，请联系管理员。"))
    with unit_of_work():
        login_guard.succeeded(username)
        login_guard.forget_old()
        token = sessions.start(user, address, user_agent)
        user.last_login_at = clock.wall_now()
        security_log.record("login", user, address=address)
    return SignedIn(user, token, device_cookie if device else login_guard.new_device(user))


def _wrong_current_password(user: User, address: str, token: str | None) -> None:
    with unit_of_work():
        security_log.record("login_failed", user, address=address, detail="修改密码时当前密码错误")
        # counted for this session alone (as login_guard counts a trusted browser's), not the account
        locked = login_guard.failed(user.username, address, user, device=sessions.failure_key(token))
        if locked is not None:
            sessions.end(token, "password_guessing")
    if locked is not None:
        raise locked


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username)) if username else None


def sign_out(user: User, token: str | None, address: str = "") -> None:
    with unit_of_work():
        sessions.end(token, "logout")
        security_log.record("logout", user, address=address)


def change_password(user: User, current: str, new: str, repeat: str, address: str = "",
                    user_agent: str = "", token: str | None = None) -> str:
    """The user's own change: every session of theirs ends, this browser gets a new one (its token).

    A wrong current password is a failed sign-in of this session (``token``): as many as lock an account
    end the session (LoginLocked), so a desk left signed in does not let anyone guess the password at
    leisure and then change it (like a trusted browser's, they are not counted toward the address's lock)."""
    errors = {}
    if not user.check_password(current or ""):
        _wrong_current_password(user, address, token)
        errors["current"] = _("当前密码不正确。")
    problem = passwords.problem(new, user.username, user.name)
    if problem:
        errors["new"] = problem
    elif new == current:
        errors["new"] = _("新密码不能与当前密码相同。")
    if not errors and new != repeat:
        errors["repeat"] = _("两次输入的新密码不一致。")
    if errors:
        raise InvalidInput(errors)
    with unit_of_work():
        user.set_password(new)
        user.must_change_password = False
        user.password_changed_at = clock.wall_now()
        ended = sessions.end_all(user, "password")
        token = sessions.start(user, address, user_agent)
        security_log.record("password_changed", user, address=address,
                            detail=f"结束其他会话 {max(0, ended - 1)} 个")
    return token
