"""Intake (签收派件 upstream): tickets arriving from the city / district platforms or a file.

``receive_ticket`` is idempotent on the platform's 工单编号: the same content again returns
the same ticket; the same number with different content is a conflict; concurrent
retries store one ticket (the unique index decides, the loser reads the winner's row).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from app.services import Conflict, _, tickets

# The fields that make a ticket's content; a repeated push must carry the same values.
CONTENT_FIELDS = tuple(tickets.FIELD_LABELS)


@dataclass
class IntakeResult:
    ticket: Ticket
    created: bool


def content_checksum(fields: dict) -> str:
    def norm(value):
        if isinstance(value, datetime):  # one instant, whatever offset it was written with
            return value.astimezone(UTC).isoformat()
        return "" if value is None else str(value).strip()

    canonical = {name: norm(fields.get(name)) for name in CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_LOOK_UP = object()


def receive_ticket(fields: dict, actor=None, channel: str = "api", existing=_LOOK_UP) -> IntakeResult:
    """Store a pushed or imported ticket once and start its process (one transaction). ``existing``:
    the ticket of this number as the caller just read it (None: there is none), to not read it again."""
    checksum = content_checksum(fields)
    if existing is _LOOK_UP:
        existing = _existing(fields["ticket_no"])
    if existing is not None:
        return _same_or_conflict(existing, checksum)
    try:
        ticket = tickets.create_ticket(dict(fields, intake_checksum=checksum, intake_channel=channel), actor)
    except tickets.DuplicateTicket:  # a concurrent retry stored it first
        return _same_or_conflict(_existing(fields["ticket_no"]), checksum)
    return IntakeResult(ticket, True)


def _existing(ticket_no: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no))


def _same_or_conflict(ticket: Ticket, checksum: str) -> IntakeResult:
    if ticket.intake_checksum and ticket.intake_checksum != checksum:
        raise Conflict(_("工单编号 %(no)s 已存在且内容不同。", no=ticket.ticket_no))
    return IntakeResult(ticket, False)
