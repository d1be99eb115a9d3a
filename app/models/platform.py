"""The city and district platforms (市级平台、区级平台): their API keys, the outbound queue they pull,
and the supervision orders and urges (督办、催办) they send."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.ticket import Ticket
from app.models.types import JSONText, UTCDateTime

PLATFORMS = ["市级平台", "区级平台"]
# The platform a ticket's source (来源) answers to, and the source a platform's pushes default to.
SOURCE_PLATFORM = {"市级直派": "市级平台", "区级转派": "区级平台"}
PLATFORM_SOURCE = {platform: source for source, platform in SOURCE_PLATFORM.items()}

OUTBOX_KINDS = ["reply", "return", "transfer"]  # 回复、退回、转派
MESSAGE_KINDS = ["督办", "催办"]


class ApiKey(db.Model):
    """A platform's key for /api/v1; only its SHA-256 is stored, the key itself is shown once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))  # 市级平台 / 区级平台
    label: Mapped[str] = mapped_column(String(80), default="")
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the key may do, space-separated (app/services/apikeys.SCOPES); "all_platforms" reaches
    # tickets of other platforms too.
    scopes: Mapped[str] = mapped_column(String(200), default="tickets:write tickets:read messages:write outbox")

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_set(self) -> set[str]:
        return set((self.scopes or "").split())


class OutboxItem(db.Model):
    """Something the platform must learn about a ticket (a reply, a return, a transfer).

    Written in the transaction of the state change that causes it; delivered to the
    ticket's platform on every pull until acknowledged. ``id`` is the pull cursor.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    ticket_no: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # reply, return, transfer
    payload: Mapped[dict] = mapped_column(JSONText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))

    ticket: Mapped[Ticket] = relationship()

    __table_args__ = (Index("ix_outbox_pending", "platform", "acked_at", "id"),)


class PlatformMessage(db.Model):
    """A supervision order (督办) or an urge (催办) a platform sent for a running ticket."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # 督办 / 催办
    text: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(64))  # the platform's own id, for retries
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship()

    __table_args__ = (UniqueConstraint("ticket_id", "message_id", name="uq_platform_message_id"),)
