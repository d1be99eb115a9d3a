"""Tickets: entry by hand, reading, searching."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.engine import instances
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import Attachment, ProcessInstance, ProcessVersion, Ticket, TicketEvent, User, WorkItem
from app.services import NotFound, PermissionDenied, ServiceError, _, _l, ticket_numbers, ticket_rules
from app.services import timeline as timeline_entries
from app.services.events import TicketCreated, publish
from app.services.process import LIFECYCLE_PROCESS, apply_snapshot
from app.services.uow import unit_of_work

TICKET_PROCESS = LIFECYCLE_PROCESS

# Field order and labels as the city platform exports them (domain.md); labels in the user's language.
FIELD_LABELS = {
    "ticket_no": _l("工单编号"),
    "ticket_type": _l("工单类型"),
    "topic": _l("问题分类"),
    "title": _l("标题"),
    "content": _l("主要内容"),
    "caller_name": _l("来电人"),
    "caller_phone": _l("来电号码"),
    "district": _l("被反映区"),
    "street": _l("街乡镇"),
    "community": _l("社区"),
    "address": _l("地址"),
    "enterprise": _l("涉及企业"),
    "called_at": _l("来电时间"),
    "dispatched_at": _l("派单时间"),
    "platform_deadline": _l("平台办理时限"),
    "urgency": _l("紧急程度"),
    "nature": _l("工单性质"),
    "source": _l("来源"),
}
# the ticket page also shows how a hand-entered ticket came in (not a platform field: no checksum, no API)
SHOWN_LABELS = {**FIELD_LABELS, "channel": _l("反映渠道")}


def process_variables(ticket: Ticket) -> dict:
    """The variables a new ticket process starts with."""
    return {
        "ticket_id": ticket.id,
        "ticket_no": ticket.ticket_no,
        "ticket_type": ticket.ticket_type,
        "urgency": ticket.urgency,
        "source": ticket.source,
        "received_at": to_iso(ticket.received_at),
        "platform_deadline": to_iso(ticket.platform_deadline) if ticket.platform_deadline else None,
    }


class DuplicateTicket(ServiceError):
    """A ticket with this 工单编号 exists already."""


AUTO_NUMBER_ATTEMPTS = 20


def create_ticket(fields: dict, actor: User | None) -> Ticket:
    """Store a ticket and start its process, in one transaction.

    Without a 工单编号 (a walk-in visitor, a letter) the ticket gets the day's next number of its
    channel (``ticket_numbers``); a number taken meanwhile by a concurrent entry is retried."""
    if actor is not None and not actor.has_role("dispatcher", "duty"):
        raise PermissionDenied(_("只有派单员或值班员可以录入工单。"))
    ticket_rules.require_valid(fields)
    if not (fields.get("ticket_no") or "").strip():
        if actor is not None:
            _refuse_same_entry(fields, actor)
        return _create_numbered(fields, actor)
    duplicate = DuplicateTicket(_("工单编号 %(no)s 已存在。", no=fields["ticket_no"]))
    try:
        return _create(fields, actor, duplicate)
    except IntegrityError as exc:  # a concurrent request stored the same number first
        if db.session.scalar(select(Ticket.id).where(Ticket.ticket_no == fields["ticket_no"])):
            raise duplicate from exc
        raise


SAME_ENTRY_MINUTES = 10


def _refuse_same_entry(fields: dict, actor: User) -> None:
    """The same person entering the same call again within minutes (the browser's Back then 提交 brings the
    filled form back, and a numberless entry got a second number): refused, naming the ticket entered."""
    now = clock.now()
    earlier = db.session.scalar(
        select(Ticket.ticket_no).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(Ticket.received_at >= now - timedelta(days=2),  # (the index's range; 派单时间 may be typed earlier)
               Ticket.created_by_id == actor.id, Ticket.title == (fields.get("title") or ""),
               Ticket.content == (fields.get("content") or ""),
               Ticket.caller_phone == (fields.get("caller_phone") or ""),
               TicketEvent.kind == "created", TicketEvent.at >= now - timedelta(minutes=SAME_ENTRY_MINUTES))
        .order_by(Ticket.id.desc()).limit(1))
    if earlier:
        raise DuplicateTicket(_("您在 %(minutes)s 分钟内已录入过标题、内容和来电号码都相同的工单 %(no)s，本次未重复录入；"
                                "若确是另一件，请在内容中写明区别后再提交。", minutes=SAME_ENTRY_MINUTES, no=earlier))


def _create_numbered(fields: dict, actor: User | None) -> Ticket:
    for _attempt in range(AUTO_NUMBER_ATTEMPTS):
        number = ticket_numbers.next_number(fields.get("channel") or "")
        try:
            return _create({**fields, "ticket_no": number}, actor, _NumberTaken())
        except (IntegrityError, _NumberTaken):  # a concurrent entry took the number: the next one
            db.session.rollback()
    raise ServiceError(_("暂时无法生成工单编号，请稍后再试。"))


class _NumberTaken(ServiceError):
    pass


def _create(fields: dict, actor: User | None, duplicate: ServiceError) -> Ticket:
    with unit_of_work():
        if db.session.scalar(select(Ticket.id).where(Ticket.ticket_no == fields["ticket_no"])):
            raise duplicate
        now = clock.now()
        ticket = Ticket(**fields, received_at=fields.get("dispatched_at") or now,
                        created_by_id=actor.id if actor else None)
        db.session.add(ticket)
        db.session.flush()
        created = timeline_entries.TICKET_CREATED
        timeline_entries.add(ticket, "created", created.get(ticket.intake_channel, created["manual"]), actor, at=now)
        instance, snap = instances.start(TICKET_PROCESS, process_variables(ticket), ticket.id)
        apply_snapshot(instance, ticket, snap, actor)
        publish(TicketCreated(ticket, actor))
    return ticket


def get_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("工单不存在。"))
    return ticket


def ticket_instance(ticket: Ticket) -> ProcessInstance | None:
    """The ticket's lifecycle instance (side processes about the ticket have their own)."""
    return db.session.scalar(
        select(ProcessInstance).join(ProcessVersion, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessInstance.ticket_id == ticket.id, ProcessVersion.process_key == TICKET_PROCESS)
        .order_by(ProcessInstance.id.desc()).limit(1)
    )


@functools.cache
def _timeline_statement():
    return (select(TicketEvent).where(TicketEvent.ticket_id == bindparam("ticket_id"))
            .order_by(TicketEvent.at, TicketEvent.id).options(joinedload(TicketEvent.actor)))


def timeline(ticket: Ticket) -> list[TicketEvent]:
    """办理记录, oldest first, each entry with its actor (one statement, built once)."""
    return list(db.session.scalars(_timeline_statement(), {"ticket_id": ticket.id}))


def attachments(ticket: Ticket) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.uploaded_at, Attachment.id)
    ))


def work_items(ticket: Ticket) -> list[WorkItem]:
    return list(db.session.scalars(
        select(WorkItem).where(WorkItem.ticket_id == ticket.id).order_by(WorkItem.created_at, WorkItem.id)
    ))
