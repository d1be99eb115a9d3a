"""导入任务: one run of importing the platform's Excel/CSV export, with its progress and bad rows."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import User

IMPORT_STATUSES = ("queued", "running", "done", "failed")


class ImportJob(db.Model):
    """Written by the background import thread (its own session), read by the progress page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), index=True)  # the stored upload it imports
    filename: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # IMPORT_STATUSES
    total: Mapped[int] = mapped_column(default=0)  # data rows in the file
    done: Mapped[int] = mapped_column(default=0)  # rows processed so far
    created: Mapped[int] = mapped_column(default=0)  # new tickets
    skipped: Mapped[int] = mapped_column(default=0)  # identical to a ticket already present
    conflicts: Mapped[int] = mapped_column(default=0)  # same 工单编号, different content
    invalid: Mapped[int] = mapped_column(default=0)  # rows with bad or missing values
    failed: Mapped[int] = mapped_column(default=0)  # rows refused while storing
    # [{"row": 12, "ticket_no": "...", "kind": "invalid|conflict|failed", "messages": ["第 12 行…"]}, ...]
    errors: Mapped[list | None] = mapped_column(JSONText())
    message: Mapped[str] = mapped_column(String(500), default="")  # why a failed job stopped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last progress write (heartbeat)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
