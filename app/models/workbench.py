"""The process owner's workbench: modeler drafts, time-rule versions, instance migrations."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import User


class ProcessDraft(db.Model):
    """A diagram being edited in 流程设计: one per user and process, saved as they type."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    process_key: Mapped[str] = mapped_column(String(80))  # the process being edited ('' for a new one)
    xml: Mapped[str] = mapped_column(Text)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (Index("uq_process_draft", "user_id", "process_key", unique=True),)


class TimeRuleVersion(db.Model):
    """One saved set of 时限规则; the newest is in force for new tickets."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    values: Mapped[dict] = mapped_column(JSONText())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(String(300), default="")

    changed_by: Mapped[User | None] = relationship()


class InstanceMigration(db.Model):
    """A running instance moved to another version of its process, or its deadlines recomputed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # migrate | recompute
    from_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    changes: Mapped[dict] = mapped_column(JSONText())  # {"deadlines": {name: [old, new]}, "notes": [...]}

    by: Mapped[User | None] = relationship()
