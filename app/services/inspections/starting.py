"""Starting inspections: 现场核实 asked from a ticket, 临时检查 by hand (plans and draws: plans.py)."""

from __future__ import annotations

from sqlalchemy import select

from app.diagrams import inspection as diagram
from app.engine import instances
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import (
    INSPECTION_SOURCES,
    Enterprise,
    Inspection,
    InspectionCampaign,
    SubmitToken,
    Ticket,
    User,
)
from app.services import (
    N_,
    PermissionDenied,
    ServiceError,
    _,
    submissions,
    timeline,
)
from app.services.inspections import history
from app.services.inspections.access import can_request_for, can_start
from app.services.inspections.reading import get
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

CREATED = N_("生成检查任务（%(source)s）")
REQUESTED = N_("申请现场核实：%(subject)s（%(number)s）")


def start(*, source: str, actor: User | None, enterprise: Enterprise | None = None, subject_name: str = "",
           subject_address: str = "", kind: str = "other", ticket: Ticket | None = None, reason: str = "",
           section_code: str = "", period: str = "", dedupe_key: str | None = None,
           campaign: InspectionCampaign | None = None, pair: tuple[User, User] | None = None) -> Inspection:
    """Create the inspection and start its process (inside the caller's unit of work)."""
    if enterprise is not None:
        subject_name, subject_address, kind = enterprise.name, enterprise.address, enterprise.kind
        section_code = section_code or enterprise.section_code
    now = clock.now()
    insp = Inspection(enterprise_id=enterprise.id if enterprise else None, subject_name=subject_name[:120],
                      subject_address=subject_address[:200], kind=kind, source=source,
                      ticket_id=ticket.id if ticket else None, campaign_id=campaign.id if campaign else None,
                      period=period, dedupe_key=dedupe_key, reason=reason, section_code=section_code or "",
                      requested_by_id=actor.id if actor else None, created_at=now, status="待指派",
                      inspector1_id=pair[0].id if pair else None, inspector2_id=pair[1].id if pair else None)
    db.session.add(insp)
    db.session.flush()
    data = {
        "inspection_id": insp.id,
        "inspection_no": insp.number,
        "subject": insp.subject_name,
        "enterprise_kind": kind,
        "source": INSPECTION_SOURCES[source],
        "section": section_code or None,
        "requested_at": to_iso(now),
        "ticket_no": ticket.ticket_no if ticket else None,
        "inspector_1": pair[0].username if pair else None,
        "inspector_2": pair[1].username if pair else None,
    }
    history.add(insp, "created", CREATED, actor, [[N_("检查事由"), reason]] if reason else None,
                source=insp.source_label)
    instance, snap = instances.start(diagram.PROCESS, data, business_key=insp.business_key)
    apply_snapshot(instance, None, snap, actor)
    return insp


def request_from_ticket(ticket: Ticket, user: User, enterprise_id: int | None, reason: str, token: str,
                        subject_name: str = "", subject_address: str = "", kind: str = "other") -> Inspection:
    """申请现场核实 from a ticket: one inspection, linked to the ticket, findings reported back to it."""
    token = submissions.check_token(token)
    earlier = submissions.earlier(token, user)
    if earlier is not None:
        return get(int(earlier.ref.split(":")[1]))
    if not can_request_for(user, ticket):
        raise PermissionDenied(_("只有该工单的承办人或主管可以申请现场核实（已办结的工单不能申请）。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写核实事项。"))
    if len(reason) > 1000:
        raise ServiceError(_("核实事项不能超过 1000 个字。"))
    enterprise = db.session.get(Enterprise, enterprise_id) if enterprise_id else None
    if enterprise_id and enterprise is None:
        raise ServiceError(_("所选企业不在台账中。"))
    if enterprise is None:
        subject_name = (subject_name or ticket.enterprise or "").strip()
        subject_address = (subject_address or ticket.address or "").strip()
        if not subject_name:
            raise ServiceError(_("请选择台账中的企业，或填写被核实的单位或地点。"))
    open_same = db.session.scalar(select(Inspection).where(
        Inspection.ticket_id == ticket.id, Inspection.closed_at.is_(None),
        Inspection.enterprise_id == (enterprise.id if enterprise else None),
        Inspection.subject_name == (enterprise.name if enterprise else subject_name)))
    if open_same is not None and open_same.status in ("待指派", "待检查"):
        raise ServiceError(_("该工单已有一项尚未完成的现场核实（%(no)s），无需重复申请。", no=open_same.number))

    def run():
        with unit_of_work():
            section = ticket.section.code if ticket.section else ""
            insp = start(source="ticket", actor=user, enterprise=enterprise, subject_name=subject_name,
                          subject_address=subject_address, kind=kind, ticket=ticket, reason=reason,
                          section_code=section)
            timeline.add(ticket, "inspection", REQUESTED, user, [[N_("核实事项"), reason]],
                         subject=insp.subject_name, number=insp.number)
            submissions.remember(token, user, "inspection_request", insp.business_key)
        return insp

    result = submissions.once(token, user, run)
    return get(int(result.ref.split(":")[1])) if isinstance(result, SubmitToken) else result


def create_adhoc(enterprise: Enterprise, user: User, reason: str, token: str) -> Inspection:
    """临时检查 of a ledger enterprise, by a supervisor or an inspector."""
    token = submissions.check_token(token)
    earlier = submissions.earlier(token, user)
    if earlier is not None:
        return get(int(earlier.ref.split(":")[1]))
    if not can_start(user):
        raise PermissionDenied(_("只有检查员或主管可以发起检查。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写检查事由。"))

    def run():
        with unit_of_work():
            insp = start(source="adhoc", actor=user, enterprise=enterprise, reason=reason[:1000])
            submissions.remember(token, user, "inspection_adhoc", insp.business_key)
        return insp

    result = submissions.once(token, user, run)
    return get(int(result.ref.split(":")[1])) if isinstance(result, SubmitToken) else result

