"""Server-side sessions: each signed-in browser is a row; the cookie only names it by a random token.

A cookie saved before logout (or a password change, or the user being disabled, or an admin's
"sign out everywhere") names an ended row and opens nothing. A session also lapses after
``JIESU_SESSION_IDLE_MINUTES`` without a request and ``JIESU_SESSION_MAX_HOURS`` after sign-in.
Times are real time (``clock.wall_now``): moving the demo's clock does not sign anyone out.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from app.engine.clock import clock
from app.extensions import db
from app.models import User, UserSession
from app.services.uow import unit_of_work

# last_seen_at is written at most this often (a read-mostly desk should not write on every request)
TOUCH_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["JIESU_SESSION_IDLE_MINUTES"])


def lifetime() -> timedelta:
    return timedelta(hours=current_app.config["JIESU_SESSION_MAX_HOURS"])


def start(user: User, address: str = "", user_agent: str = "") -> str:
    """A new session for ``user`` (in the caller's transaction); returns its token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = clock.wall_now()
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(token), created_at=now, last_seen_at=now,
                               address=(address or "")[:64], user_agent=(user_agent or "")[:200]))
    return token


@functools.cache
def _signed_in_by():
    """The user (with section) and the session's times for a token's digest. Built once and bound on
    each request: building a statement and its cache key costs more than running it."""
    return (select(User, UserSession.id, UserSession.created_at, UserSession.last_seen_at, UserSession.ended_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("digest"))
            .options(joinedload(User.section)))


def resolve(token: str | None) -> User | None:
    """The user a cookie's token signs in, or None (unknown, ended, idle too long, too old, disabled)."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(_signed_in_by(), {"digest": _digest(token)}).one_or_none()  # one query
    if row is None:
        return None
    user, session_id, created_at, last_seen_at, ended_at = row
    if ended_at is not None:
        return None
    now = clock.wall_now()
    lapsed = ("idle" if now - last_seen_at > idle_limit() else
              "expired" if now - created_at > lifetime() else None)
    if lapsed is None and not user.active:
        lapsed = "disabled"
    if lapsed is not None:
        with unit_of_work():
            db.session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                               .values(ended_at=now, end_reason=lapsed))
        return None
    if now - last_seen_at >= TOUCH_RESOLUTION:
        with unit_of_work():
            db.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    user.session_token = token
    return user


def failure_key(token: str | None) -> str:
    """How login_guard counts wrong passwords typed inside one session (``LoginFailure.device``, 64 chars)."""
    return "session:" + _digest(token or "")[:56]


def end(token: str | None, reason: str) -> None:
    """End one session (logout), in the caller's transaction."""
    if token:
        db.session.execute(update(UserSession).where(UserSession.token_hash == _digest(token),
                                                     UserSession.ended_at.is_(None))
                           .values(ended_at=clock.wall_now(), end_reason=reason))


def end_all(user: User, reason: str) -> int:
    """End every open session of ``user`` (in the caller's transaction); returns how many."""
    result = db.session.execute(update(UserSession).where(UserSession.user_id == user.id,
                                                          UserSession.ended_at.is_(None))
                                .values(ended_at=clock.wall_now(), end_reason=reason))
    return result.rowcount or 0


def open_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not ended or lapsed, newest first."""
    now = clock.wall_now()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                        UserSession.ended_at.is_(None))
                              .order_by(UserSession.created_at.desc()))
    return [r for r in rows if now - r.last_seen_at <= idle_limit() and now - r.created_at <= lifetime()]
