"""Supervision orders (督办) and urges (催办) from the platforms, delivered to the running process.

The ticket diagram catches them as BPMN messages: ``platform_supervision`` and
``platform_urge`` on the 办理与回复 subprocess, and ``platform_urge`` also on 签收 and 分派
(a platform urges a ticket that has not been signed for). The diagram's script tasks raise
the alert (``notify('督办', ...)``); this service stores the message, writes the timeline
entry and, for a 督办, makes the ticket a 督办件 with its progress reports
(``supervised_cases.start_supervision``), in one transaction with the process change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import instances
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_iso
from app.engine.runtime import EngineError, NotWaiting
from app.extensions import db
from app.models import PlatformMessage, Ticket
from app.services import (
    N_,
    Conflict,
    InvalidInput,
    NotFound,
    ServiceError,
    StaleState,
    _,
    supervised_cases,
    timeline,
)
from app.services.process import apply_snapshot
from app.services.ticket_rules import one_year_after
from app.services.tickets import ticket_instance
from app.services.uow import unit_of_work

# message kind -> BPMN message name (bpmn:message/@name in processes/ticket.bpmn)
MESSAGE_NAMES = {"督办": "platform_supervision", "催办": "platform_urge"}
KIND_BY_MESSAGE = {name: kind for kind, name in MESSAGE_NAMES.items()}
SUMMARY_LENGTH = 120  # alerts and timeline titles have room for this much of the text


@dataclass
class MessageResult:
    message: PlatformMessage
    ticket: Ticket
    created: bool

RECEIVED = N_("收到平台%(what)s")


def deadline_text(deadline: datetime | None) -> str:
    return deadline.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if deadline else ""


def summary(text: str, deadline: datetime | None, now: datetime | None = None) -> str:
    """What the alert says: the text (shortened) and the deadline the platform set (said when it has passed)."""
    short = text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"
    if not deadline:
        return short
    passed = "，已过" if now is not None and deadline <= now else ""
    return short + f"（要求 {deadline_text(deadline)} 前反馈{passed}）"


def accepted_kinds(ticket: Ticket) -> list[str]:
    """The message kinds the ticket's process would take now (督办, 催办), in that order."""
    instance = ticket_instance(ticket)
    if instance is None or instance.status != "running" or ticket.closed_at is not None:
        return []
    waiting = set(instances.waiting_messages(instance))
    return [kind for kind, name in MESSAGE_NAMES.items() if name in waiting]


def receive(ticket_no: str, kind: str, text: str, deadline: datetime | None, platform: str,
            message_id: str | None = None) -> MessageResult:
    """Deliver a 督办/催办 to the ticket's process; a retry with the same message_id is answered again."""
    try:
        return _receive(ticket_no, kind, text, deadline, platform, message_id)
    except (StaleState, IntegrityError):  # the instance moved meanwhile, or a retry raced us: once more
        db.session.rollback()
        db.session.expire_all()
        return _receive(ticket_no, kind, text, deadline, platform, message_id)


def deadline_problems(deadline: datetime | None, now: datetime, received_at: datetime | None = None) -> dict[str, str]:
    """What is wrong with the deadline a platform set on a message (none: fine). One before the ticket
    was received, or more than a year away, is a typing error on the platform's side; one passed since
    is taken (a 催办 of an overdue ticket cites the deadline it missed; a message delayed in transit),
    and the alert says it has passed."""
    if deadline is not None and received_at is not None and deadline < received_at:
        return {"deadline": _("%(value)s 早于工单接收时间 %(received)s，请核对时限后重发。",
                              value=deadline_text(deadline), received=deadline_text(received_at))}
    if deadline is not None and deadline > one_year_after(now):
        return {"deadline": _("%(value)s 距现在超过一年，不是合理的时限。", value=deadline_text(deadline))}
    return {}


def _same(message: PlatformMessage, kind: str, text: str, deadline: datetime | None) -> bool:
    return message.kind == kind and message.text == text and message.deadline == deadline


def _refusal(ticket: Ticket, kind: str) -> str:
    if ticket.closed_at is not None:
        return _("工单 %(no)s 已结束（%(state)s），不再接收%(kind)s。", no=ticket.ticket_no, state=ticket.state,
                 kind=kind)
    if kind == "督办" and ticket.state in (lifecycle.STATE_SIGNING, lifecycle.STATE_DISPATCHING):
        return _("工单 %(no)s 尚未签收分派（%(state)s），督办在办理阶段接收；签收前可发催办。",
                 no=ticket.ticket_no, state=ticket.state)
    return _("工单 %(no)s 当前为“%(state)s”，流程此时不接收%(kind)s。", no=ticket.ticket_no, state=ticket.state,
             kind=kind)


def _receive(ticket_no, kind, text, deadline, platform, message_id) -> MessageResult:
    if kind not in MESSAGE_NAMES:
        raise ServiceError(_("消息类型应为 督办 或 催办。"))
    with unit_of_work():
        ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no))
        if ticket is None:
            raise NotFound(_("工单 %(no)s 不存在。", no=ticket_no))
        if message_id:
            earlier = db.session.scalar(select(PlatformMessage).where(
                PlatformMessage.ticket_id == ticket.id, PlatformMessage.message_id == message_id))
            if earlier is not None:
                if not _same(earlier, kind, text, deadline):
                    raise Conflict(_("消息编号 %(id)s 已用于另一条内容不同的消息。", id=message_id))
                return MessageResult(earlier, ticket, False)
        instance = ticket_instance(ticket)
        if instance is None or instance.status != "running" or ticket.closed_at is not None:
            raise Conflict(_refusal(ticket, kind))
        now = clock.now()
        problems = deadline_problems(deadline, now, ticket.received_at)
        if problems:
            raise InvalidInput(problems)
        payload = {"text": text, "summary": summary(text, deadline, now), "platform": platform,
                   "deadline": to_iso(deadline) if deadline else None}
        try:
            snap = instances.send_message(instance, MESSAGE_NAMES[kind], payload, "message")
        except NotWaiting as exc:
            raise Conflict(_refusal(ticket, kind)) from exc
        except EngineError as exc:
            raise ServiceError(str(exc)) from exc
        message = PlatformMessage(ticket_id=ticket.id, platform=platform, kind=kind, text=text, deadline=deadline,
                                  message_id=message_id or None, received_at=now)
        db.session.add(message)
        display = [["来源平台", platform], ["内容", text]]
        if deadline:
            display.append(["要求时限", deadline_text(deadline)])
        timeline.add(ticket, "platform", RECEIVED, at=now, data=display, what=kind)
        apply_snapshot(instance, ticket, snap, None)
        if kind == "督办":
            note = text + (f"（要求 {deadline_text(deadline)} 前反馈）" if deadline else "")
            supervised_cases.start_supervision(ticket, None, note=note[:500], source=platform)
    return MessageResult(message, ticket, True)
