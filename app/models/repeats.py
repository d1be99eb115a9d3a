"""重复反映: each ticket's match keys, and the suggested / confirmed links between tickets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User

LINK_KINDS = {"caller": "重复反映人", "event": "重复反映事件"}
LINK_STATUSES = {"suggested": "待确认", "confirmed": "已确认", "rejected": "已否定"}
KEY_KINDS = {"phone": "来电号码", "address": "地址", "enterprise": "涉及企业"}


class TicketFingerprint(db.Model):
    """A ticket's normalised phone, address and enterprise, with the instant of the call.

    Repeat detection and the N-in-H early-warning rule look candidates up here through
    one index per key, limited to the time window, so intake never scans the ticket table.
    ``tokens`` (the segmented title and content) are filled only when a comparison needs them.
    """

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())  # 来电时间, else the time the desk received it
    phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    enterprise: Mapped[str] = mapped_column(String(120), default="")
    tokens: Mapped[str | None] = mapped_column(Text)  # space-separated jieba tokens, stop words removed

    __table_args__ = (
        Index("ix_fingerprint_phone", "phone", "at"),
        Index("ix_fingerprint_address", "address", "at"),
        Index("ix_fingerprint_enterprise", "enterprise", "at"),
    )


class RepeatLink(db.Model):
    """A suggested link from a ticket to an earlier one (same caller, or a similar event)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)  # the later ticket
    earlier_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # caller, event
    key_kind: Mapped[str] = mapped_column(String(12))  # phone, address, enterprise
    key_value: Mapped[str] = mapped_column(String(200))  # the normalised key both tickets share
    score: Mapped[float] = mapped_column(Float)  # 0..1; 1 for the same phone number
    status: Mapped[str] = mapped_column(String(12), default="suggested")  # suggested, confirmed, rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(300), default="")

    ticket = relationship("Ticket", foreign_keys=[ticket_id])
    earlier = relationship("Ticket", foreign_keys=[earlier_id])
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("ticket_id", "earlier_id", "kind", name="uq_repeat_link"),
        Index("ix_repeat_link_register", "status", "kind", "key_value"),
    )

    @property
    def kind_label(self) -> str:
        return LINK_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return LINK_STATUSES.get(self.status, self.status)


class RepeatGroup(db.Model):
    """One group of the register (重复反映登记): the tickets that confirmed links of one kind join by one key.

    Kept by ``app.services.repeat_groups`` in the transaction that confirms (or undoes) a link, so the
    register reads a page of groups and its totals here instead of aggregating every link of all time.
    ``n`` is the number of tickets; ``first_at`` / ``last_at`` the earliest and latest of their instants
    (the fingerprint's ``at``), which the register's date filters compare.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    key_kind: Mapped[str] = mapped_column(String(12))
    key_value: Mapped[str] = mapped_column(String(200))
    n: Mapped[int] = mapped_column(default=0)
    first_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("kind", "key_kind", "key_value", name="uq_repeat_group"),)


# the register's order (most tickets, then the latest), with and without its kind filter
Index("ix_repeat_group_order", RepeatGroup.n.desc(), RepeatGroup.last_at.desc(), RepeatGroup.key_value,
      RepeatGroup.kind, RepeatGroup.key_kind)
Index("ix_repeat_group_kind_order", RepeatGroup.kind, RepeatGroup.n.desc(), RepeatGroup.last_at.desc(),
      RepeatGroup.key_value, RepeatGroup.key_kind)


class RepeatGroupMember(db.Model):
    """A ticket of a register group, with its instant; ``kind`` is the group's (for the totals by kind).

    The ticket's number and enterprise are copied here as the register's search compares them, through
    the database's ``lower()`` (a ticket keeps both from intake on), so a search reads this narrow table
    instead of one ticket row per member, and calls no ``lower()`` per row.
    """

    group_id: Mapped[int] = mapped_column(ForeignKey("repeat_group.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ticket_no_lower: Mapped[str] = mapped_column(String(40))
    enterprise_lower: Mapped[str] = mapped_column(String(120))

    __table_args__ = (Index("ix_repeat_group_member_ticket", "ticket_id", "kind"),)


class RepeatRegisterTotal(db.Model):
    """The register's unfiltered totals, per kind ('' for all kinds): groups of two tickets or more, and
    tickets in any group; kept with the groups, so the register's first page counts nothing."""

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    groups: Mapped[int] = mapped_column(default=0)
    tickets: Mapped[int] = mapped_column(default=0)
