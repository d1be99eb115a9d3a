"""Reading inspections: one, a subject's, a ticket's, an inspector's open tasks, the list."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, func, select

from app.extensions import db
from app.models import (
    Evidence,
    Inspection,
    InspectionEvent,
    InspectionRecord,
    ProcessInstance,
    RectificationOrder,
    Ticket,
    User,
    WorkItem,
)
from app.services import NotFound, _, settings
from app.services import checklists as checklist_store
from app.services.completion import is_candidate

BUREAU_SETTING = "bureau_name"
DEFAULT_BUREAU = "××区文化和旅游局"


def get(inspection_id: int) -> Inspection:
    insp = db.session.get(Inspection, inspection_id)
    if insp is None:
        raise NotFound(_("检查任务不存在。"))
    return insp


def for_key(business_key: str | None) -> Inspection | None:
    if not business_key or not business_key.startswith("inspection:"):
        return None
    return db.session.get(Inspection, int(business_key.split(":", 1)[1]))


def instance_of(insp: Inspection) -> ProcessInstance | None:
    return db.session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == insp.business_key)
                             .order_by(ProcessInstance.id.desc()).limit(1))


def _rows(model, condition, *order) -> list:
    return list(db.session.scalars(select(model).where(condition).order_by(*order)))


def open_items(insp: Inspection) -> list[WorkItem]:
    return _rows(WorkItem, (WorkItem.business_key == insp.business_key) & (WorkItem.state == "ready"), WorkItem.id)


def all_items(insp: Inspection) -> list[WorkItem]:
    return _rows(WorkItem, WorkItem.business_key == insp.business_key, WorkItem.id)


def records(insp: Inspection) -> list[InspectionRecord]:
    return _rows(InspectionRecord, InspectionRecord.inspection_id == insp.id, InspectionRecord.round,
                 InspectionRecord.id)


def evidence_of(insp: Inspection) -> list[Evidence]:
    return _rows(Evidence, Evidence.inspection_id == insp.id, Evidence.id)


def open_orders(insp: Inspection) -> list[RectificationOrder]:
    return [o for o in orders_of(insp) if o.status == "整改中"]


def orders_of(insp: Inspection) -> list[RectificationOrder]:
    return _rows(RectificationOrder, RectificationOrder.inspection_id == insp.id, RectificationOrder.id)


def events_of(insp: Inspection) -> list[InspectionEvent]:
    return _rows(InspectionEvent, InspectionEvent.inspection_id == insp.id, InspectionEvent.at, InspectionEvent.id)


@functools.cache
def _for_ticket_statement():
    return select(Inspection).where(Inspection.ticket_id == bindparam("ticket_id")).order_by(Inspection.id)


def for_ticket(ticket: Ticket) -> list[Inspection]:
    """The ticket's on-site inspections (each task page's panel: a statement built once)."""
    return list(db.session.scalars(_for_ticket_statement(), {"ticket_id": ticket.id}))


def my_items(user: User) -> list[WorkItem]:
    """Open inspection and licence tasks this user may do (assigned to them or claimable)."""
    query = select(WorkItem).where(WorkItem.state == "ready", WorkItem.business_key.is_not(None),
                                   WorkItem.business_key.like("inspection:%") | WorkItem.business_key.like(
                                       "enterprise:%"))
    items = db.session.scalars(query.order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id))
    return [w for w in items if w.assignee_id == user.id or (w.assignee_id is None and is_candidate(user, w))]


def search(status: str = "", source: str = "", q: str = "", page: int = 1, per_page: int = 50):
    query = select(Inspection)
    if status:
        query = query.where(Inspection.status == status)
    if source:
        query = query.where(Inspection.source == source)
    if q:
        query = query.where(Inspection.subject_name.icontains(q.strip(), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Inspection.created_at.desc(), Inspection.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def checklist(insp: Inspection) -> list[dict]:
    return checklist_store.items_for(insp.kind)


def previous_failures(insp: Inspection) -> set[str]:
    done = records(insp)
    return {a["id"] for a in done[-1].failed} if done else set()


def bureau_name() -> str:
    return settings.get(BUREAU_SETTING) or DEFAULT_BUREAU

