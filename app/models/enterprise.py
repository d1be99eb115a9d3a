"""行业台账: culture and tourism enterprises, and the tickets (complaints) linked to them."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime
from app.models.user import User

# code: (label, the section that supervises the trade, the checklist used on site)
ENTERPRISE_KINDS: dict[str, tuple[str, str]] = {
    "internet_cafe": ("网吧", "culture_market"),
    "ktv": ("歌舞娱乐场所（KTV）", "culture_market"),
    "arcade": ("游艺娱乐场所", "culture_market"),
    "script_game": ("剧本娱乐（剧本杀、密室）", "culture_market"),
    "performance_venue": ("演出场所", "culture_market"),
    "bookshop": ("书店（出版物零售）", "culture_market"),
    "travel_agency": ("旅行社", "tourism_market"),
    "hotel": ("宾馆酒店", "tourism_market"),
    "scenic_spot": ("A级景区", "tourism_market"),
    "art_training": ("艺术培训机构", "public_service"),
    "other": ("其他", "culture_market"),
}

RISK_LEVELS: dict[str, str] = {"high": "高", "medium": "中", "low": "低"}


class Enterprise(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    kind: Mapped[str] = mapped_column(String(30), index=True)
    licence_no: Mapped[str] = mapped_column(String(60), default="")  # 许可证号
    licence_expiry: Mapped[date | None] = mapped_column(Date)  # 许可证有效期至
    address: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(60), default="")  # 街乡镇
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    risk_level: Mapped[str] = mapped_column(String(10), default="medium", index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def kind_label(self) -> str:
        return ENTERPRISE_KINDS.get(self.kind, (self.kind, ""))[0]

    @property
    def risk_label(self) -> str:
        return RISK_LEVELS.get(self.risk_level, self.risk_level)

    @property
    def section_code(self) -> str:
        return ENTERPRISE_KINDS.get(self.kind, ("", "culture_market"))[1]


class EnterpriseTicket(db.Model):
    """A complaint about an enterprise: linked at intake by the ticket's 涉及企业, or by hand."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    how: Mapped[str] = mapped_column(String(10), default="auto")  # auto (intake, by name), hand
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())

    enterprise: Mapped[Enterprise] = relationship()
    ticket = relationship("Ticket")
    linked_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("uq_enterprise_ticket", "enterprise_id", "ticket_id", unique=True),)
