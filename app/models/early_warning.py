"""预警: an early warning raised at intake, with the alert it shows as and the process that escalates it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import User

WARNING_RULES = {"sensitive": "敏感词", "cluster": "集中反映", "urgent": "特急工单"}
# open: waiting for 确认预警; escalated: nobody acknowledged in time, 预警升级处置 waits;
# acknowledged: confirmed in time; handled: the escalation was dealt with.
WARNING_STATUSES = {"open": "待确认", "escalated": "已升级", "acknowledged": "已确认", "handled": "已处置"}
OPEN_STATUSES = ("open", "escalated")


class EarlyWarning(db.Model):
    """One warning per ticket that trips a rule; ``reasons`` lists every rule it tripped.

    The warning is shown as an ``Alert`` (kind 预警, business_key ``warning:<id>``) on the
    supervisor page, and runs the ``early_warning`` process (same business key), whose
    user task 确认预警 is the acknowledgement and whose boundary timer escalates it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    reasons: Mapped[list] = mapped_column(JSONText())  # [{"rule": "sensitive", "words": [...]}, ...]
    summary: Mapped[str] = mapped_column(String(300))
    cluster_key: Mapped[str] = mapped_column(String(220), default="", index=True)  # "enterprise:..." when clustered
    responsible_group: Mapped[str] = mapped_column(String(40))  # section code, or dispatcher before dispatch
    leader_group: Mapped[str] = mapped_column(String(40), default="leader")
    status: Mapped[str] = mapped_column(String(12), default="open")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    ack_note: Mapped[str] = mapped_column(String(500), default="")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    handling_note: Mapped[str] = mapped_column(String(1000), default="")

    ticket = relationship("Ticket")
    alert = relationship("Alert")
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    __table_args__ = (Index("ix_early_warning_status", "status", "raised_at"),)

    @property
    def business_key(self) -> str:
        return f"warning:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        return WARNING_STATUSES.get(self.status, self.status)

    @property
    def rule_labels(self) -> list[str]:
        return [WARNING_RULES.get(r.get("rule"), r.get("rule")) for r in self.reasons or []]
