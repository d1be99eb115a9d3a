"""回访数据表: every callback of a period (by its callback time) with its outcome, how many callback
attempts the ticket took, who called and the recording, as the contract's Excel sheet.

Personal data is masked unless the reader may see it (app/services/masking.py); the export is
written to the access log like the ledger's.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, or_, select

from app.diagrams import ticket_lifecycle as lifecycle
from app.extensions import db
from app.models import Attachment, Section, Ticket, User, WorkItem
from app.services import _, access, export_limits, masking
from app.services.reports.periods import Period
from app.services.spreadsheets import Sheet, workbook

LIMIT = 50_000
HEADER = ["工单编号", "标题", "来电人", "来电号码", "问题分类", "承办科室", "回复时间", "回访时间", "回访员", "回访次数",
          "是否联系上", "未联系上原因", "是否解决", "是否满意", "录音"]


def rows(period: Period, user: User, recording_url: Callable[[int], str]) -> tuple[list[list], int, int]:
    """The sheet's rows, how many tickets, how many of them unmasked; more than LIMIT is refused."""
    called = select(Ticket.id).where(Ticket.callback_at >= period.start, Ticket.callback_at < period.end)
    export_limits.refuse_beyond(called, LIMIT, _("回访记录"))
    tickets = list(db.session.scalars(select(Ticket).where(
        Ticket.callback_at >= period.start, Ticket.callback_at < period.end).order_by(Ticket.callback_at)))
    ids = [t.id for t in tickets]
    attempts, callers = {}, {}
    if ids:
        for ticket_id, n, last in db.session.execute(
                select(WorkItem.ticket_id, func.count(), func.max(WorkItem.completed_by_id))
                .where(WorkItem.ticket_id.in_(ids), WorkItem.spec_name == str(lifecycle.CALLBACK),
                       WorkItem.state == "completed").group_by(WorkItem.ticket_id)):
            attempts[ticket_id], callers[ticket_id] = int(n), last
    names = dict(db.session.execute(select(User.id, User.name)).all())
    sections = dict(db.session.execute(select(Section.id, Section.name)).all())
    recordings: dict[int, list[int]] = {}
    if ids:
        for ticket_id, attachment_id in db.session.execute(
                select(Attachment.ticket_id, Attachment.id).where(Attachment.ticket_id.in_(ids), recorded_at_callback())
                .order_by(Attachment.id)):
            recordings.setdefault(ticket_id, []).append(attachment_id)
    out, unmasked = [], 0
    for t in tickets:
        mask = masking.for_viewer(user, t)
        unmasked += mask.full
        contacted = {True: "是", False: "否"}.get(t.callback_contacted, "")
        out.append([t.ticket_no, mask.field("title", t.title), mask.field("caller_name", t.caller_name),
                    mask.field("caller_phone", t.caller_phone), t.topic, sections.get(t.section_id, ""), t.replied_at,
                    t.callback_at, names.get(callers.get(t.id), ""), attempts.get(t.id, 1 if t.callback_at else 0),
                    contacted, "" if t.callback_contacted else t.outcome, t.callback_resolved, t.callback_satisfied,
                    " ".join(recording_url(a) for a in recordings.get(t.id, []))])
    return out, len(tickets), unmasked


def recorded_at_callback():
    """Files kept by the 回访 task's form (kind ``callback:<field>``, see completion._attach), and the
    kind the recordings had before forms named their field."""
    return or_(Attachment.kind.like(f"{lifecycle.CALLBACK}:%"), Attachment.kind == "callback_recording")


def xlsx(period: Period, user: User, recording_url: Callable[[int], str]) -> bytes:
    lines, total, unmasked = rows(period, user, recording_url)
    content = workbook(Sheet(f"回访数据表 {period.key}"[:31], HEADER, lines,
                             widths=[18, 28, 10, 14, 22, 14, 16, 16, 10, 8, 8, 12, 8, 8, 40]))
    access.record(user, "export", f"回访数据表 {period.title} {total} 件，含未脱敏 {unmasked} 件",
                  masked=unmasked < total)
    return content
