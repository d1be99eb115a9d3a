"""Requests about a ticket decided in their own side process: 延期申请, 剔除申请, 挂账申请, 督办.

One row per request; the BPMN side process (processes/extension.bpmn, exclusion.bpmn,
carried.bpmn, supervision.bpmn) decides it, and the row follows the process through the
``instance_changed`` hook (app/services/casework.py), whatever page or timer moved it.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import User

REQUEST_KINDS = {"extension": "延期申请", "exclusion": "剔除申请", "carry": "挂账申请", "supervision": "督办"}

# status -> label (msgids; translated where shown)
REQUEST_STATUSES = {
    "pending": "待审批",
    "approved": "已批准",
    "rejected": "已驳回",
    "appealable": "已驳回（可申诉一次）",  # 剔除 only
    "appealing": "申诉中",
    "appeal_rejected": "申诉驳回",
    "active": "督办中",
    "ended": "已结束",
}


class CaseRequest(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # extension, exclusion, carry, supervision
    status: Mapped[str] = mapped_column(String(20), default="pending")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")  # 理由 / 证据说明 / 挂账计划 / 督办要求
    ground: Mapped[str] = mapped_column(String(40), default="")  # 剔除理由, 挂账原因
    # 延期: the deadline when asked, the one asked for, the one approved; 挂账: review date asked / approved
    previous_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_date: Mapped[date | None] = mapped_column(Date())
    interval_days: Mapped[int | None] = mapped_column()  # 督办: working days between progress reports
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
    appeal_reason: Mapped[str] = mapped_column(Text, default="")  # 考核申诉 (剔除, once)
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    details: Mapped[dict | None] = mapped_column(JSONText())

    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    attachment = relationship("Attachment")

    __table_args__ = (Index("ix_case_request_ticket_kind", "ticket_id", "kind", "status"),)

    @property
    def kind_label(self) -> str:
        return REQUEST_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return REQUEST_STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "appealable", "appealing", "active")
