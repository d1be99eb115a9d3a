"""导出任务: one Excel export of the case ledger made in the background, with its progress and its file."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import User

EXPORT_STATES = ("queued", "running", "done", "failed")  # 排队中 生成中 已完成 失败
UNFINISHED_STATES, FINISHED_STATES = EXPORT_STATES[:2], EXPORT_STATES[2:]


class ExportJob(db.Model):
    """Requested by a user (the filters as the ledger's query arguments), run once by a worker."""

    __tablename__ = "export_job"
    __table_args__ = (Index("ix_export_job_state", "state", "id"),
                      Index("ix_export_job_user", "user_id", "created_at"),
                      # one unfinished job per user and filter: two clicks at once queue one file
                      Index("ux_export_job_active", "user_id", "active_key", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    args: Mapped[dict] = mapped_column(JSONText())  # LedgerFilter.as_args()
    active_key: Mapped[str | None] = mapped_column(String(64))  # digest of args while queued/running, else NULL
    state: Mapped[str] = mapped_column(String(12), default="queued")  # EXPORT_STATES
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None] = mapped_column()  # known once the run starts
    unmasked: Mapped[int] = mapped_column(default=0)  # rows with personal data shown in full
    attempts: Mapped[int] = mapped_column(default=0)  # claims so far: the run's token (compare-and-set)
    stored_path: Mapped[str | None] = mapped_column(String(255))  # relative to JIESU_UPLOAD_DIR, once done
    size: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")  # why it failed, in Chinese
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last progress write of the run
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))
