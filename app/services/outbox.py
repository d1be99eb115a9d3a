"""The outbound queue the platforms pull: replies, returns (退回) and transfers (转派).

``enqueue`` is called by task hooks inside the transaction of the state change, so an
item exists exactly when its change was saved. A platform pulls the unacknowledged items
of its own tickets in id order and acknowledges each; an item is delivered on every pull
until acknowledged, so nothing is lost when a pull's answer goes astray.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import ApiKey, OutboxItem, Ticket
from app.models.platform import SOURCE_PLATFORM
from app.services import NotFound, _
from app.services.uow import unit_of_work


def platform_of(ticket: Ticket) -> str:
    """The platform that answers for a ticket: the one that pushed it, else the one its source names."""
    return ticket.intake_platform or SOURCE_PLATFORM.get(ticket.source, "")


def enqueue(ticket: Ticket, kind: str, payload: dict) -> OutboxItem | None:
    """Queue an item for the ticket's platform (in the caller's transaction).

    Tickets that no platform sent (entered by hand with source 其他) have nobody to tell: None.
    """
    platform = platform_of(ticket)
    if not platform:
        return None
    item = OutboxItem(ticket_id=ticket.id, ticket_no=ticket.ticket_no, platform=platform, kind=kind,
                      payload=payload, created_at=clock.now())
    db.session.add(item)
    return item


def pending(platform: str, cursor: int = 0, limit: int = 100) -> tuple[list[OutboxItem], bool]:
    """Unacknowledged items of ``platform`` with id > cursor, oldest first, and whether more follow."""
    rows = list(db.session.scalars(
        select(OutboxItem)
        .where(OutboxItem.platform == platform, OutboxItem.acked_at.is_(None), OutboxItem.id > cursor)
        .order_by(OutboxItem.id)
        .limit(limit + 1)
    ))
    return rows[:limit], len(rows) > limit


def pending_count(platform: str) -> int:
    return db.session.scalar(select(func.count(OutboxItem.id)).where(
        OutboxItem.platform == platform, OutboxItem.acked_at.is_(None)))


def acknowledge(item_id: int, key: ApiKey) -> OutboxItem:
    """Mark an item delivered; acknowledging it again changes nothing (same answer)."""
    with unit_of_work():
        item = db.session.get(OutboxItem, item_id)
        if item is None or item.platform != key.platform:
            raise NotFound(_("出站消息 %(id)s 不存在。", id=item_id))
        if item.acked_at is None:
            # conditional update: of two simultaneous acknowledgements one sets the time
            db.session.execute(
                db.update(OutboxItem).where(OutboxItem.id == item.id, OutboxItem.acked_at.is_(None))
                .values(acked_at=clock.now(), acked_by_key_id=key.id)
                .execution_options(synchronize_session=False)
            )
    db.session.refresh(item)
    return item


def item_dict(item: OutboxItem) -> dict:
    return {
        "id": item.id,
        "ticket_no": item.ticket_no,
        "kind": item.kind,
        "created_at": to_iso(item.created_at),
        "payload": item.payload,
    }
