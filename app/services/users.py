"""Users (用户管理): creation, roles and sections, disabling (never deleting), password resets. Audited.

Users are never deleted: tickets, timelines and logs keep their names. A disabled user cannot
sign in and every session of theirs ends at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import ROLES, Section, User
from app.services import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
    _,
    login_guard,
    passwords,
    query_args,
    security_log,
    sessions,
)
from app.services.uow import unit_of_work

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")


@dataclass
class UserFields:
    name: str
    roles: list[str]
    section_code: str | None = None
    phone: str = ""


def _check_roles(roles: list[str]) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ServiceError(_("未知角色：%(unknown)s；可用角色：%(roles)s", unknown="、".join(unknown), roles="、".join(ROLES)))


def _section(code: str | None) -> Section | None:
    if not code:
        return None
    section = db.session.scalar(select(Section).where(Section.code == code))
    if section is None:
        raise ServiceError(_("科室代码 %(code)s 不存在。", code=code))
    return section


def _check_fields(fields: UserFields) -> dict:
    errors = {}
    if not (fields.name or "").strip():
        errors["name"] = _("请填写姓名。")
    elif len(fields.name.strip()) > 60:
        errors["name"] = _("姓名不能超过 60 个字。")
    if not fields.roles:
        errors["roles"] = _("请至少选择一个角色。")
    if "handler" in fields.roles and not fields.section_code:
        errors["section"] = _("承办人须属于一个科室。")
    if len(fields.phone or "") > 30:
        errors["phone"] = _("电话不能超过 30 个字符。")
    return errors


def generate_password() -> str:
    """A temporary password an admin hands over (the user must change it at first sign-in)."""
    while True:
        candidate = secrets.token_urlsafe(9)
        if passwords.problem(candidate) is None:
            return candidate


def _username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None


def add_user(username: str, name: str, roles: list[str], section_code: str | None, password: str,
             actor: User | None = None, phone: str = "") -> User:
    """A new user. From the admin page (``actor``) the password is temporary: it must be changed."""
    username = (username or "").strip()
    _check_roles(roles)
    errors = _check_fields(UserFields(name, roles, section_code, phone))
    if not username:
        errors["username"] = _("请填写用户名。")
    elif len(username) > 60 or not set(username.lower()) <= USERNAME_CHARS:
        errors["username"] = _("用户名只能包含字母、数字和 _ . -，不超过 60 个字符。")
    elif _username_taken(username):  # said with the other problems, not after they are mended
        errors["username"] = _("用户名 %(username)s 已存在。", username=username)
    problem = passwords.problem(password, username, name)
    if problem:
        errors["password"] = problem
    if errors:
        if actor is None:  # the command line: one message
            raise ServiceError("；".join(str(m) for m in errors.values()))
        raise InvalidInput(errors)
    with unit_of_work():
        if _username_taken(username):  # (again in the transaction: another admin may have just added it)
            raise InvalidInput({"username": _("用户名 %(username)s 已存在。", username=username)})
        user = User(username=username, name=name.strip(), roles=",".join(roles), section=_section(section_code),
                    phone=(phone or "").strip(), must_change_password=actor is not None)
        user.set_password(password)
        user.password_changed_at = clock.wall_now()
        db.session.add(user)
        db.session.flush()
        security_log.record("user_created", user, actor=actor,
                            detail=f"角色 {','.join(roles)}" + (f"，科室 {section_code}" if section_code else ""))
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("用户不存在。"))
    return user


def _require_admin(actor: User | None) -> None:
    """An admin, or None: the command line (whoever runs it can reach the database anyway)."""
    if actor is not None and not actor.has_role("admin"):
        raise PermissionDenied(_("只有系统管理员可以管理用户。"))


def _other_admins(user: User) -> int:
    users = db.session.scalars(select(User).where(User.active.is_(True), User.id != user.id))
    return sum(1 for u in users if "admin" in u.role_set)


def update_user(user_id: int, actor: User, fields: UserFields) -> User:
    _require_admin(actor)
    _check_roles(fields.roles)
    errors = _check_fields(fields)
    if errors:
        raise InvalidInput(errors)
    with unit_of_work():
        user = get_user(user_id)
        if "admin" in user.role_set and "admin" not in fields.roles and (user.id == actor.id
                                                                         or not _other_admins(user)):
            raise InvalidInput({"roles": _("不能取消自己或最后一位系统管理员的管理员角色。")})
        section = _section(fields.section_code)
        before = (user.name, user.roles, user.section.code if user.section else "", user.phone)
        user.name, user.roles, user.section, user.phone = (fields.name.strip(), ",".join(fields.roles), section,
                                                           (fields.phone or "").strip())
        after = (user.name, user.roles, section.code if section else "", user.phone)
        changes = [f"{label} {a or '—'}→{b or '—'}" for label, a, b in
                   zip(("姓名", "角色", "科室", "电话"), before, after, strict=True) if a != b]
        if changes:
            security_log.record("user_updated", user, actor=actor, detail="；".join(changes))
    return user


def set_active(user_id: int, actor: User, active: bool) -> User:
    """Disable (every session ends) or enable a user."""
    _require_admin(actor)
    with unit_of_work():
        user = get_user(user_id)
        if not active and user.id == actor.id:
            raise ServiceError(_("不能停用自己的账号。"))
        if not active and "admin" in user.role_set and not _other_admins(user):
            raise ServiceError(_("不能停用最后一位系统管理员。"))
        if user.active == active:
            return user
        user.active = active
        if active:
            security_log.record("user_enabled", user, actor=actor)
        else:
            ended = sessions.end_all(user, "disabled")
            security_log.record("user_disabled", user, actor=actor, detail=f"结束会话 {ended} 个")
    return user


def reset_password(user_id: int, actor: User | None, password: str | None = None) -> tuple[User, str]:
    """Set a temporary password (generated when none is given); the user must change it. Sessions end."""
    _require_admin(actor)
    user = get_user(user_id)
    password = password or generate_password()
    passwords.require_acceptable(password, user.username, user.name)
    with unit_of_work():
        user.set_password(password)
        user.must_change_password = True
        user.password_changed_at = clock.wall_now()
        ended = sessions.end_all(user, "password_reset")
        login_guard.unlock("account", user.username, actor)
        security_log.record("password_reset", user, actor=actor,
                            detail=f"结束会话 {ended} 个" + ("（命令行）" if actor is None else ""))
    return user, password


def sign_out_everywhere(user_id: int, actor: User) -> int:
    _require_admin(actor)
    with unit_of_work():
        user = get_user(user_id)
        ended = sessions.end_all(user, "revoked")
        security_log.record("signed_out_everywhere", user, actor=actor, detail=f"结束会话 {ended} 个")
    return ended


def unlock(kind: str, key: str, actor: User | None) -> int:
    """Lift the lockout of an account (its user name) or of an address."""
    _require_admin(actor)
    with unit_of_work():
        lifted = login_guard.unlock(kind, key, actor)
        account = key.split("/")[0] if kind == "device" else key if kind == "account" else ""
        user = db.session.scalar(select(User).where(func.lower(User.username) == account.lower())) if account else None
        security_log.record("unlock", user, username=account, actor=actor,
                            address=key if kind == "address" else "",
                            detail={"account": _("账号"), "device": _("账号在一个浏览器上")}.get(kind, _("地址")))
    return lifted


def list_users(q: str = "", role: str = "", show_disabled: bool = True) -> list[User]:
    query = select(User).order_by(User.active.desc(), User.username)
    if q:
        like = query_args.like_containing(q.strip())
        query = query.where((User.username.ilike(like, escape=query_args.LIKE_ESCAPE)) | (User.name.ilike(like, escape=query_args.LIKE_ESCAPE)))
    if not show_disabled:
        query = query.where(User.active.is_(True))
    users = list(db.session.scalars(query))
    return [u for u in users if role in u.role_set] if role else users
