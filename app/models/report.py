"""报表归档: a report of a period, drafted (by the report cycle or an analyst), reviewed and published.

A published report keeps its figures as they were (``figures``, the dict of
app/services/reports/figures.py); a correction is a new version of the same period, and the
version it corrects is marked superseded, never changed.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import User

REPORT_STATUSES = {"draft": "待发布", "published": "已发布", "superseded": "已被修订版取代"}


class ReportRecord(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # day, week, month, assessment, range
    period_key: Mapped[str] = mapped_column(String(40))  # Period.key
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    title: Mapped[str] = mapped_column(String(120))
    figures: Mapped[dict] = mapped_column(JSONText())
    note: Mapped[str] = mapped_column(Text, default="")  # 说明 / 修订说明 by the analyst
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the report cycle
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("report_record.id"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    __table_args__ = (UniqueConstraint("kind", "period_key", "version", name="uq_report_version"),
                      Index("ix_report_record_listing", "kind", "status", "period_key"))

    @property
    def status_label(self) -> str:
        return REPORT_STATUSES.get(self.status, self.status)

# Every report selects the tickets received in its period through ix_ticket_received (app/models/ticket.py).
