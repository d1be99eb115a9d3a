"""API keys of the city and district platforms (``jiesu apikey create|list|revoke``).

A key is ``jsk_`` followed by 43 random URL-safe characters (32 random bytes). Only its
SHA-256 is stored: a key that is lost cannot be shown again, only revoked and replaced.

A key acts for its platform: it reads and messages only the tickets its platform answers for
(``outbox.platform_of``), and other platforms' tickets look to it as if they did not exist,
unless it holds the ``all_platforms`` scope. Its other scopes say which routes it may call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import ApiKey, Ticket
from app.models.platform import PLATFORMS
from app.services import InvalidInput, NotFound, ServiceError, _
from app.services.outbox import platform_of
from app.services.uow import unit_of_work

KEY_PREFIX = "jsk_"
# last_used_at is refreshed at most this often, so reads do not write on every request
LAST_USED_RESOLUTION = timedelta(minutes=1)
LABEL_LIMIT = ApiKey.__table__.c.label.type.length  # 备注 (--label), characters: refused beyond, never cut

# scope -> what it allows (the routes name theirs in app/web/audiences.py)
SCOPES = {
    "tickets:write": "推送工单",
    "tickets:read": "查询工单",
    "messages:write": "下达督办、催办",
    "outbox": "拉取并确认出站消息",
    "all_platforms": "访问其他平台的工单",
}
DEFAULT_SCOPES = ("tickets:write", "tickets:read", "messages:write", "outbox")

_ALIASES = {"市级": "市级平台", "city": "市级平台", "区级": "区级平台", "district": "区级平台"}


def normalise_platform(name: str) -> str:
    name = (name or "").strip()
    platform = name if name in PLATFORMS else _ALIASES.get(name.lower(), _ALIASES.get(name))
    if platform is None:
        raise ServiceError(_("平台应为 %(choices)s 之一。", choices="、".join(PLATFORMS)))
    return platform


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(platform: str, label: str = "", scopes: list[str] | tuple[str, ...] | None = None
               ) -> tuple[ApiKey, str]:
    """A new key for a platform; returns the row and the key itself (shown once, never stored).

    A label longer than its column is refused (InvalidInput naming 备注 and its limit), nothing written:
    it was cut at 80 characters without a word."""
    platform = normalise_platform(platform)
    label = (label or "").strip()
    if len(label) > LABEL_LIMIT:
        raise InvalidInput({"label": _("备注不能超过 %(max)s 个字（现 %(n)s 个字）。", max=LABEL_LIMIT, n=len(label))})
    scopes = list(DEFAULT_SCOPES if scopes is None else scopes)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ServiceError(_("未知的权限：%(unknown)s；可用：%(scopes)s", unknown="、".join(unknown) or "—",
                             scopes="、".join(SCOPES)))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work():
        row = ApiKey(platform=platform, label=label, prefix=key[:10],
                     key_hash=_digest(key), created_at=clock.now(), scopes=" ".join(dict.fromkeys(scopes)))
        db.session.add(row)
    return row, key


def list_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(key_id: int) -> ApiKey:
    with unit_of_work():
        row = db.session.get(ApiKey, key_id)
        if row is None:
            raise NotFound(_("API 密钥 %(id)s 不存在。", id=key_id))
        if row.revoked_at is None:
            row.revoked_at = clock.now()
    return row


def authenticate(key: str | None) -> ApiKey | None:
    """The active key matching ``key``, or None (unknown, malformed or revoked)."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(key)))
    if row is None or row.revoked_at is not None:
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        try:
            with unit_of_work():
                row.last_used_at = now
        except ServiceError:  # a concurrent request recorded it: good enough
            db.session.expire_all()
            row = db.session.get(ApiKey, row.id)
    return row


def reaches(key: ApiKey, ticket: Ticket | None) -> bool:
    """Whether ``key`` may see ``ticket`` at all (its own platform's, or every one with all_platforms)."""
    if ticket is None:
        return False
    return "all_platforms" in key.scope_set or platform_of(ticket) == key.platform
