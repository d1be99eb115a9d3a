"""Sign-in security: server-side sessions, failed logins and lockouts, the account audit log."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User


class UserSession(db.Model):
    """One signed-in browser. The cookie carries a random token; only its SHA-256 is stored here.

    A session ends (``ended_at``) at logout, on a password change, when the user is disabled or
    an admin signs them out everywhere; it lapses after the idle timeout or the absolute lifetime.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str] = mapped_column(String(30), default="")  # logout, password, disabled, revoked ...

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A wrong password (or unknown user name) from an address: what the throttle counts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    username: Mapped[str] = mapped_column(String(60))  # as typed, lower-cased: unknown names count too
    address: Mapped[str] = mapped_column(String(64))
    # from the account's trusted browser (login_guard.trusted_device): counted for that browser only
    device: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_login_failure_username", "username", "at"),
                      Index("ix_login_failure_address", "address", "at"),
                      Index("ix_login_failure_device", "device", "at"))


class LoginLock(db.Model):
    """A lockout of an account (``kind`` account, ``key`` the user name) or an address, until ``until``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # account, address, device (``account/browser``)
    key: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # an admin unlocked it early
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    lifted_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_login_lock_key", "kind", "key", "until"),)


class SecurityEvent(db.Model):
    """账号安全记录: logins, failures, lockouts, password changes and every change an admin makes to a user."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)  # whom it is about
    username: Mapped[str] = mapped_column(String(60), default="")  # as typed (failed logins of unknown names)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # the admin, when not the user
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
