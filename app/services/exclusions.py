"""剔除申请: a handler files an exclusion with its ground and evidence before the reply deadline.

processes/exclusion.bpmn decides: the supervisor approves (the ticket leaves the rates:
``Ticket.excluded``, which app/services/rates.py skips) or refuses; a refusal can be
appealed once (考核申诉, the handler's task in the diagram), and the supervisor's second
decision is final. A ticket whose exclusion was refused cannot be filed again: the one
appeal is the way to contest it.
"""

from __future__ import annotations

from app.diagrams import exclusion as diagram
from app.engine.clock import clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import Attachment, CaseRequest, Ticket, User
from app.services import N_, Conflict, InvalidInput, _, casework
from app.services import casework_settings as config
from app.services.uow import unit_of_work

PROCESS = "exclusion"
KIND = "exclusion"
APPROVED_ENDS = ("已剔除", "申诉后剔除")
# ready task -> status while the process runs
TASK_STATUS = {"exclusion_review": "pending", "exclusion_appeal": "appealable", "appeal_review": "appealing"}


def refusal(ticket: Ticket) -> str | None:
    """Why no exclusion can be filed now (None: it can)."""
    if ticket.excluded:
        return _("工单已剔除，不计入考核。")
    if ticket.state in casework.NOT_COUNTED_STATES:
        return _("工单已退回或转派，本来就不计入考核。")
    earlier = casework.requests_for(ticket, KIND)
    if any(r.is_open for r in earlier):
        return _("该工单已有处理中的剔除申请。")
    if any(r.status == "appeal_rejected" for r in earlier):
        return _("该工单的剔除申请已申诉过一次并被驳回，不能再次申请或申诉。")
    if any(r.status == "rejected" for r in earlier):
        return _("该工单的剔除申请已被驳回且未在期限内申诉，不能再次申请。")
    if ticket.reply_deadline is None or ticket.reply_deadline <= clock.now():
        return _("剔除申请须在办理时限（%(deadline)s）前提出，现已超过。",
                 deadline=casework.local_text(ticket.reply_deadline))
    return None


def file_exclusion(ticket_id: int, user: User, ground: str, evidence: str, stored=None) -> CaseRequest:
    """File an exclusion; ``stored`` is an evidence file already checked and stored (files.store_document)."""
    evidence = (evidence or "").strip()
    with unit_of_work():
        ticket = casework.get_ticket(ticket_id)
        casework.require_handler(user, ticket, _("申请剔除"))
        problem = refusal(ticket)
        if problem:
            raise Conflict(problem)
        errors = {}
        if ground not in config.exclusion_grounds():
            errors["ground"] = _("请选择剔除理由。")
        if not evidence:
            errors["evidence"] = _("请填写证据说明：为什么这张工单应当剔除。")
        elif len(evidence) > 2000:
            errors["evidence"] = _("证据说明不能超过 2000 个字。")
        if errors:
            raise InvalidInput(errors)
        now = clock.now()
        attachment = None
        if stored is not None:
            attachment = Attachment(ticket_id=ticket.id, kind="exclusion_evidence", original_name=stored.original_name,
                                    content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                                    stored_path=stored.stored_path, uploaded_by_id=user.id, uploaded_at=now)
            db.session.add(attachment)
            db.session.flush()
        req = CaseRequest(ticket_id=ticket.id, kind=KIND, status="pending", requested_by_id=user.id, requested_at=now,
                          ground=ground, reason=evidence, attachment_id=attachment.id if attachment else None)
        display = [[N_("剔除理由"), ground], [N_("证据说明"), evidence]]
        if attachment is not None:
            display.append([N_("证据文件"), f"{attachment.original_name}（{attachment.size // 1024} KB）"])
        casework.event(ticket, user, N_("申请剔除"), display)
        casework.start_process(PROCESS, req, ticket, {
            "requested_by": user.username, "section": ticket.section.code if ticket.section else "supervisor",
            "ground": ground, "evidence": evidence, "filed_at": to_iso(now),
            "appeal_workdays": config.exclusion_appeal_workdays()}, user)
    return req


@casework.follows_request
def follow_process(instance, snap, req: CaseRequest, ticket: Ticket) -> None:
    data = snap.data
    if snap.completed:
        if not req.is_open:
            return
        final = snap.end_event
        if final in APPROVED_ENDS:
            req.status = "approved"
            ticket.excluded = True
            by = data.get("appeal_review_by") if final == diagram.END_EXCLUDED_ON_APPEAL else data.get("exclusion_review_by")
            note = data.get(diagram.APPEAL_REVIEW_COMMENT) if final == diagram.END_EXCLUDED_ON_APPEAL \
                else data.get(diagram.REVIEW_COMMENT)
            _decided(req, by, note)
            casework.event(ticket, casework.user_by_name(by), N_("剔除申请已批准：工单不计入考核"),
                           [[N_("剔除理由"), req.ground], [N_("结论"), final]] + ([[N_("意见"), note]] if note else []))
        elif final == diagram.END_APPEAL_REJECTED:
            req.status = "appeal_rejected"
            _decided(req, data.get("appeal_review_by"), data.get("appeal_review_comment"))
            casework.event(ticket, casework.user_by_name(data.get("appeal_review_by")),
                           N_("考核申诉被驳回：剔除申请未通过（已申诉一次，不能再申诉）"),
                           [[N_("复核意见"), req.decision_note]])
        else:  # 不予剔除 (no appeal) or 申诉期满
            req.status = "rejected"
            casework.event(ticket, None, N_("剔除申请未通过（%(outcome)s）"), outcome=final)
        return
    ready = {rt.spec_name for rt in snap.ready_tasks}
    for spec, status in TASK_STATUS.items():
        if spec in ready and req.status != status:
            req.status = status
            if status == "appealable":
                _decided(req, data.get("exclusion_review_by"), data.get("exclusion_comment"))
            elif status == "appealing":
                req.appeal_reason = data.get("appeal_reason") or ""
                req.appealed_at = clock.now()


def _decided(req: CaseRequest, username: str | None, note: str | None) -> None:
    user = casework.user_by_name(username)
    req.decided_by_id = user.id if user else None
    req.decided_at = clock.now()
    req.decision_note = note or ""
