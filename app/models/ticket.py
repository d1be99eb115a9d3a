"""工单 tickets, their timeline and the alerts raised on them."""

from datetime import date, datetime

from sqlalchemy import Computed, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.diagrams import ticket_lifecycle as lifecycle
from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import Section, User

TICKET_TYPES = ["咨询", "求助", "投诉", "举报", "建议", "表扬"]
URGENCIES = ["一般", "紧急", "特急"]
NATURES = ["主办", "协办", "转办"]
SOURCES = ["市级直派", "区级转派", "其他"]
CHANNELS = ["电话", "来访", "信件", "网络"]  # 反映渠道 of a ticket entered at the desk (empty: a platform's)
RETURN_REASONS = ["非本单位职责", "属地不符", "权属不清", "职能交叉", "信息不全"]

# Ticket states shown when no user task names one (the running ones come from the
# BPMN's ticket_state task property).
STATE_NEW = "新建"
STATE_CLOSED = "已办结"
STATE_RETURNED = "已退回"
BEFORE_RESPONSE = (lifecycle.STATE_SIGNING, lifecycle.STATE_DISPATCHING, lifecycle.STATE_RESPONDING)  # judged by 响应时限

# The deadline an open ticket can miss next (督办看板): 响应时限 until the caller was contacted, else 办理时限;
# none for a 待回访 ticket whose reply was reported within the 办理时限 (nothing left to miss: the callback
# step carries its own due date). A column the database computes (PostgreSQL: stored; SQLite: virtual), so
# the board counts and orders the open tickets by an index alone, and no code path can leave it stale.
_BEFORE_RESPONSE_SQL = ", ".join(f"'{s}'" for s in BEFORE_RESPONSE)
FIRST_DUE_SQL = (f"CASE WHEN state = '{lifecycle.STATE_CALLBACK}' AND replied_at IS NOT NULL "
                 "AND reply_deadline IS NOT NULL AND replied_at <= reply_deadline THEN NULL "
                 f"WHEN first_contact_at IS NULL AND state IN ({_BEFORE_RESPONSE_SQL}) AND response_deadline IS NOT NULL "
                 "THEN response_deadline ELSE reply_deadline END")
# what 三率 reads of a month of tickets (app/services/rates.py), so PostgreSQL answers from the index alone
RATE_COLUMNS = ("excluded", "state", "first_contact_at", "response_deadline", "callback_contacted",
                "callback_resolved", "callback_satisfied", "closed_at", "reply_deadline", "replied_at")


class Ticket(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_no: Mapped[str] = mapped_column(String(40), unique=True)  # 工单编号
    ticket_type: Mapped[str] = mapped_column(String(10))  # 工单类型
    topic: Mapped[str] = mapped_column(String(120), default="")  # 问题分类, e.g. 文化->文化市场->网吧
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # 主要内容
    caller_name: Mapped[str] = mapped_column(String(60), default="")  # 来电人
    caller_phone: Mapped[str] = mapped_column(String(30), default="")  # 来电号码
    district: Mapped[str] = mapped_column(String(60), default="")  # 被反映区
    street: Mapped[str] = mapped_column(String(60), default="")  # 街乡镇
    community: Mapped[str] = mapped_column(String(60), default="")  # 社区
    address: Mapped[str] = mapped_column(String(200), default="")
    enterprise: Mapped[str] = mapped_column(String(120), default="")  # 涉及企业
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 来电时间
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 派单时间
    platform_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 办理时限 from the platform
    urgency: Mapped[str] = mapped_column(String(10), default="一般")  # 紧急程度
    nature: Mapped[str] = mapped_column(String(10), default="主办")  # 工单性质
    source: Mapped[str] = mapped_column(String(10), default="其他")  # 来源
    channel: Mapped[str] = mapped_column(String(10), default="")  # 反映渠道 (CHANNELS) of hand entry

    received_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the desk got it
    intake_channel: Mapped[str] = mapped_column(String(20), default="manual")  # manual, api, import
    intake_checksum: Mapped[str] = mapped_column(String(64), default="")  # content of the first push
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    # Kept in step with the running process by the service layer.
    state: Mapped[str] = mapped_column(String(20), default=STATE_NEW, index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    response_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    urge_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 响应: caller first contacted
    outcome: Mapped[str] = mapped_column(String(40), default="")
    rework_count: Mapped[int] = mapped_column(default=0)
    # Platform API: the approved reply as sent back, and who pushed the ticket.
    reply_text: Mapped[str] = mapped_column(Text, default="")  # 回复内容 (审核通过的答复口径)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 审核通过、回复上报的时间
    intake_platform: Mapped[str] = mapped_column(String(20), default="")  # 推送平台 (市级平台/区级平台)
    # 回访: the last VALID callback (an unreached later attempt does not erase it, app/tasks/callback.py);
    # the resolution and satisfaction rates are computed from these
    callback_contacted: Mapped[bool | None] = mapped_column()
    callback_resolved: Mapped[str] = mapped_column(String(10), default="")  # 解决 / 基本解决 / 未解决
    callback_satisfied: Mapped[str] = mapped_column(String(10), default="")  # 满意 / 基本满意 / 不满意
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    excluded: Mapped[bool] = mapped_column(default=False)  # 剔除 approved: not counted in the rates
    # 延期、督办、挂账: kept in step by app/services/casework.py and its side processes
    original_reply_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 延期前的办理时限 (first extension)
    supervised: Mapped[bool] = mapped_column(default=False, index=True)  # 督办件
    carried: Mapped[bool] = mapped_column(default=False, index=True)  # 挂账
    carry_plan: Mapped[str] = mapped_column(Text, default="")  # 挂账: 解决计划
    carry_review_date: Mapped[date | None] = mapped_column(Date())  # 挂账: 计划复核日期
    carried_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    written_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 销账
    # the ledger's text search: jieba-segmented words of number, title, content, enterprise, address and
    # notes, filled on save (app/services/search_index.py); indexed as in app/models/search.py
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    first_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), Computed(FIRST_DUE_SQL, persisted=True))  # see FIRST_DUE_SQL

    section: Mapped[Section | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # the ledger's order and keyset, months; on PostgreSQL it also carries what 三率 reads (RATE_COLUMNS)
        Index("ix_ticket_received", "received_at", "id", postgresql_include=list(RATE_COLUMNS)),
        # the open tickets (a few per cent): the board's counts and lists
        Index("ix_ticket_open", "reply_deadline", "state", "section_id",
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
        # the board: open tickets by their first deadline (counts overdue / due soon, the lists' order)
        Index("ix_ticket_open_due", "first_due", "id",
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
        # dates of open tickets in a year whose calendar is not confirmed (the board's calendar alert)
        Index("ix_ticket_open_urge", "urge_at",
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
        Index("ix_ticket_open_response", "response_deadline",
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class TicketEvent(db.Model):
    """One line of a ticket's timeline: who did what, when, with what data."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(30))  # created, task, claim, unclaim, timer, alert, closed
    title: Mapped[str] = mapped_column(String(200))  # the Chinese text (exports, search; old rows have only it)
    message: Mapped[str | None] = mapped_column(String(200))  # its catalogue msgid, rendered per reader
    params: Mapped[dict | None] = mapped_column(JSONText())  # the message's parameters
    data: Mapped[list | dict | None] = mapped_column(JSONText())  # [[label msgid, value], ...] for display

    actor: Mapped[User | None] = relationship()


class Alert(db.Model):
    """An alert raised by a BPMN timer or rule (响应超时, 催办, 超期 ...), shown to supervisors."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(80), index=True)  # a non-ticket subject
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(300))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    ticket: Mapped[Ticket | None] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_alert_open", "acknowledged_at", "raised_at"),)


class AccessLog(db.Model):
    """数据访问记录: each view, playback, download or export of citizens' data, and each refused attempt."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    action: Mapped[str] = mapped_column(String(20))  # view, export, play, download
    where: Mapped[str] = mapped_column(String(120), default="")
    outcome: Mapped[str] = mapped_column(String(10), default="allowed")  # allowed, denied
    masked: Mapped[bool] = mapped_column(default=False)  # shown with personal data masked
    detail: Mapped[str] = mapped_column(String(200), default="")  # e.g. the file
    address: Mapped[str] = mapped_column(String(64), default="")  # the client's address

    user: Mapped[User] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


class TicketNote(db.Model):
    """备注: a note on a ticket in the case ledger."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()


class Attachment(db.Model):
    """A file kept with a ticket (回访录音 call recording, ...), stored by checksum."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # callback_recording
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User | None] = relationship()
