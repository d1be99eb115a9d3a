"""账号安全记录: who signed in, failed, was locked out, changed a password; what admins changed on users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from app.engine.clock import clock
from app.extensions import db
from app.models import SecurityEvent, User
from app.services import N_

# kind -> label (catalogue msgid; the page renders it in the reader's language)
KINDS = {
    "login": N_("登录"),
    "login_failed": N_("登录失败"),
    "login_refused": N_("锁定期间尝试登录"),
    "lockout": N_("账号锁定"),
    "address_lockout": N_("地址锁定"),
    "unlock": N_("解除锁定"),
    "logout": N_("退出登录"),
    "password_changed": N_("修改密码"),
    "password_reset": N_("管理员重置密码"),
    "user_created": N_("新增用户"),
    "user_updated": N_("修改用户"),
    "user_disabled": N_("停用用户"),
    "user_enabled": N_("启用用户"),
    "signed_out_everywhere": N_("强制下线"),
}


def record(kind: str, user: User | None = None, *, username: str = "", actor: User | None = None,
           address: str = "", detail: str = "") -> SecurityEvent:
    """One line of the account audit log, in the caller's transaction."""
    event = SecurityEvent(at=clock.wall_now(), kind=kind, user_id=user.id if user is not None else None,
                          username=(username or (user.username if user is not None else ""))[:60],
                          actor_id=actor.id if actor is not None else None, address=(address or "")[:64],
                          detail=(detail or "")[:300])
    db.session.add(event)
    return event


@dataclass
class EventFilter:
    user: str = ""  # a user name (the subject or the admin who acted)
    kind: str = ""
    since: datetime | None = None
    until: datetime | None = None


def search(f: EventFilter, page: int = 1, per_page: int = 50) -> tuple[list[SecurityEvent], int]:
    query = select(SecurityEvent)
    if f.user:
        ids = select(User.id).where(User.username == f.user)
        query = query.where(or_(SecurityEvent.username == f.user, SecurityEvent.user_id.in_(ids),
                                SecurityEvent.actor_id.in_(ids)))
    if f.kind:
        query = query.where(SecurityEvent.kind == f.kind)
    if f.since is not None:
        query = query.where(SecurityEvent.at >= f.since)
    if f.until is not None:
        query = query.where(SecurityEvent.at < f.until)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total
