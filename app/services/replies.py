"""回复上报: the reply goes to the platform when the flow passes the 回复上报 step, wherever it is drawn.

A process owner may put steps between 回复审核 and 回复上报 (a leader's approval, say): the reply is
reported only once the flow reaches 回复上报, not when the reviewer approves. The text is the 答复口径
(``reply_draft``) in the process data after the step, in the transaction of the change that got there.
"""

from __future__ import annotations

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.services import outbox
from app.services.events import InstanceChanged


def reaches_reply(event: InstanceChanged) -> bool:
    return event.ticket is not None and lifecycle.RECORD_REPLY in event.snapshot.passed


def report_reply(event: InstanceChanged) -> None:
    """An ``InstanceChanged`` subscriber of the lifecycle: the reply kept on the ticket and queued."""
    ticket, data = event.ticket, event.snapshot.data
    now = clock.now()
    ticket.reply_text = str(data.get(lifecycle.REPLY_DRAFT) or "").strip()
    ticket.replied_at = now
    outbox.enqueue(ticket, "reply", {
        "reply_text": ticket.reply_text,
        "replied_at": to_iso(now),
        "section": data.get("section_name") or (ticket.section.name if ticket.section else ""),
        "rework": int(data.get(lifecycle.REWORK_COUNT) or 0) > 0,
    })
