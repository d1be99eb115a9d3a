"""An inspection's history (检查记录), entries stored as catalogue messages with parameters (like timeline)."""

from __future__ import annotations

from app.engine.clock import clock
from app.extensions import db
from app.models import Inspection, InspectionEvent, User
from app.services import timeline


def add(insp: Inspection, kind: str, message: str, actor: User | None = None, data: list | None = None,
        **params) -> InspectionEvent:
    event = InspectionEvent(inspection_id=insp.id, at=clock.now(), actor_id=actor.id if actor else None,
                            kind=kind, title=timeline.render(message, params)[:200], message=message,
                            params=params or None, data=data)
    db.session.add(event)
    return event
