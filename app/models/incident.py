"""Incidents: an instance that raised, parked with where and why, until a process owner retries it."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User
from app.models.workflow import ProcessInstance, ProcessVersion


class Incident(db.Model):
    """One failure of one instance (Camunda's incident): open until a retry succeeds."""

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))  # timer, task, message, start, retry, stall
    element_id: Mapped[str] = mapped_column(String(120), default="")
    element_name: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(String(500))  # Chinese, for people
    detail: Mapped[str] = mapped_column(Text, default="")  # the technical cause
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, resolved
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolution: Mapped[str] = mapped_column(String(300), default="")

    instance: Mapped[ProcessInstance] = relationship()
    version: Mapped[ProcessVersion] = relationship()
    resolved_by: Mapped[User | None] = relationship()
    ticket = relationship("Ticket")

    __table_args__ = (Index("ix_incident_open", "status", "raised_at"),)
