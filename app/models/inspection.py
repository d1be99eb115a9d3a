"""现场检查: inspections (on-site verification of complaints and routine industry checks),
their on-site records, evidence files, orders to correct (责令改正), 双随机 campaigns."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enterprise import ENTERPRISE_KINDS, Enterprise
from app.models.types import JSONText, UTCDateTime
from app.models.user import User

INSPECTION_SOURCES: dict[str, str] = {
    "ticket": "投诉核实",
    "plan": "计划检查",
    "random": "双随机抽查",
    "adhoc": "临时检查",
}


class InspectionCampaign(db.Model):
    """A 双随机 campaign: random enterprises and random inspectors, reproducible from its seed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    seed: Mapped[str] = mapped_column(String(40))
    criteria: Mapped[dict] = mapped_column(JSONText())  # kinds, risk levels, count, pool
    selection: Mapped[list] = mapped_column(JSONText())  # [[enterprise_id, inspector_1, inspector_2], ...]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    created_by: Mapped[User | None] = relationship()


class Inspection(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(120))  # the enterprise's name, or the place checked
    subject_address: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(30))  # enterprise kind: decides the checklist
    source: Mapped[str] = mapped_column(String(10))  # ticket, plan, random, adhoc
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_campaign.id"), index=True)
    period: Mapped[str] = mapped_column(String(20), default="")  # plan period, e.g. 2026-12, 2026-Q4
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)  # plan:<enterprise>:<period>
    reason: Mapped[str] = mapped_column(Text, default="")  # what to verify
    section_code: Mapped[str] = mapped_column(String(40), default="")  # responsible section (referral)
    status: Mapped[str] = mapped_column(String(20), default="待指派", index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="")  # 检查合格 / 整改合格 / 立案移交
    summary: Mapped[str] = mapped_column(Text, default="")  # findings as text, for the ticket's reply
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    inspector1_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    inspector2_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enterprise: Mapped[Enterprise | None] = relationship()
    ticket = relationship("Ticket")
    campaign: Mapped[InspectionCampaign | None] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    inspector1: Mapped[User | None] = relationship(foreign_keys=[inspector1_id])
    inspector2: Mapped[User | None] = relationship(foreign_keys=[inspector2_id])

    @property
    def number(self) -> str:
        return f"JC{self.created_at.year}{self.id:05d}"

    @property
    def business_key(self) -> str:
        return f"inspection:{self.id}"

    @property
    def source_label(self) -> str:
        return INSPECTION_SOURCES.get(self.source, self.source)

    @property
    def kind_label(self) -> str:
        return ENTERPRISE_KINDS.get(self.kind, (self.kind, ""))[0]

    @property
    def inspectors(self) -> list[User]:
        return [u for u in (self.inspector1, self.inspector2) if u is not None]


class InspectionRecord(db.Model):
    """One on-site check (round 1) or re-inspection (round 2): checklist, time, place, result."""

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)  # metres, as the phone reported it
    location_note: Mapped[str] = mapped_column(String(200), default="")  # typed when GPS is unavailable
    answers: Mapped[list] = mapped_column(JSONText())  # [{id, text, basis, result, note}, ...]
    result: Mapped[str] = mapped_column(String(10))  # 合格 / 不合格
    findings: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    submitted_by: Mapped[User | None] = relationship()

    @property
    def failed(self) -> list[dict]:
        return [a for a in self.answers if a.get("result") == "不合格"]


class Evidence(db.Model):
    """A photo or document taken on site; the file is stored once by its SHA-256."""

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_record.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(200))  # relative to JIESU_UPLOAD_DIR
    original_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("uq_evidence_file", "inspection_id", "sha256", unique=True),)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class RectificationOrder(db.Model):
    """责令改正通知书: what was found, on what basis, what to do, by when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("inspection_record.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    workdays: Mapped[int] = mapped_column(Integer)
    findings: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="整改中")  # 整改中 / 整改合格 / 立案移交
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    inspection: Mapped[Inspection] = relationship()
    issued_by: Mapped[User | None] = relationship()

    @property
    def notice_no(self) -> str:
        return f"文旅责改〔{self.issued_at.year}〕{self.id:04d}号"


class InspectionEvent(db.Model):
    """One line of an inspection's history."""

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))  # the Chinese text; ``message`` + ``params`` render it per reader
    message: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict | None] = mapped_column(JSONText())
    data: Mapped[list | None] = mapped_column(JSONText())  # [[label msgid, value], ...]

    actor: Mapped[User | None] = relationship()


class SubmitToken(db.Model):
    """A form submission already saved: a retried POST with the same token changes nothing."""

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(30))
    ref: Mapped[str] = mapped_column(String(80), default="")  # what it created, e.g. inspection:12
    at: Mapped[datetime] = mapped_column(UTCDateTime())
