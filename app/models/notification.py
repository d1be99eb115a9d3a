"""通知: a notice in one person's inbox (a 催办, a deadline reminder), read or unread."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime


class Notification(db.Model):
    """One notice for one user. ``message`` is a msgid of the catalogue with ``params`` (rendered in
    the reader's language); ``text`` keeps the Chinese rendering for exports and old clients."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_item.id"))
    kind: Mapped[str] = mapped_column(String(20))  # the alert kind: 催办, 响应超时, 超期, 签收提醒 ...
    message: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict | None] = mapped_column(JSONText())
    text: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # when its task was completed or cancelled while the notice was unread: it was read then, by nobody
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ticket = relationship("Ticket")
    work_item = relationship("WorkItem")

    # the navbar badge: one count over (user_id, read_at IS NULL); the list: newest first per user
    __table_args__ = (Index("ix_notification_unread", "user_id", "read_at"),
                      Index("ix_notification_user_created", "user_id", "created_at"),
                      # settling a finished task's notices finds them by their work item
                      Index("ix_notification_work_item", "work_item_id"))
