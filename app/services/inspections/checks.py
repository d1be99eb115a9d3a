"""The on-site check and the re-inspection: the checklist record, its evidence and the order to correct.

A check is a user task (``onsite_check`` / ``reinspect``) completed through the one completion
pipeline; its handler (``app/tasks/inspection.CheckHandler``) calls the functions here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.diagrams import inspection as diagram
from app.engine.clock import clock
from app.engine.expressions import to_datetime, to_iso
from app.extensions import db
from app.models import Evidence, Inspection, InspectionRecord, RectificationOrder, User, WorkItem
from app.services import NotFound, _, completion
from app.services.inspections.findings import bases, findings_text
from app.services.inspections.reading import checklist


@dataclass
class CheckInput:
    """What the on-site form collected (already validated by the form)."""

    answers: dict[str, tuple[str, str]]  # item id -> (合格/不合格/不适用, note)
    checked_at: datetime
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    location_note: str
    findings: str
    rectify_days: int | None
    legal_basis: str
    requirements: str
    evidence_ids: list[int]

    @property
    def failed(self) -> list[str]:
        return [k for k, (result, _note) in self.answers.items() if result == diagram.FAILED]


def check_item_for(insp: Inspection, item_id: int) -> WorkItem:
    item = db.session.get(WorkItem, item_id)
    if item is None or item.business_key != insp.business_key:
        raise NotFound(_("任务不存在。"))
    return item


def validate_check(insp: Inspection, item: WorkItem, data: CheckInput) -> dict[str, str]:
    """Checks beyond the form's own: {field: message}."""
    problems = {}
    now = clock.now()
    if data.checked_at > now + timedelta(minutes=5):
        problems["checked_at"] = _("检查时间不能晚于现在")
    elif data.checked_at < insp.created_at - timedelta(minutes=5):
        problems["checked_at"] = _("检查时间不能早于检查任务生成时间")
    has_gps = data.latitude is not None and data.longitude is not None
    if not has_gps and not data.location_note.strip():
        problems["location_note"] = _("未取得定位：请手工填写检查地点")
    failed = data.failed
    if failed and not data.findings.strip():
        problems["findings"] = _("有不合格项时请填写检查情况")
    if failed and not data.evidence_ids:
        problems["photos"] = _("有不合格项时请至少上传一张照片或一份文件作为证据")
    if failed and item.spec_name == diagram.CHECK:
        if data.rectify_days is None:
            problems["rectify_days"] = _("有不合格项时请填写整改期限")
        elif not 1 <= data.rectify_days <= 60:
            problems["rectify_days"] = _("整改期限应为 1 至 60 个工作日")
        if not data.requirements.strip():
            problems["requirements"] = _("有不合格项时请填写整改要求")
    if data.evidence_ids:
        ok = set(db.session.scalars(select(Evidence.id).where(
            Evidence.id.in_(data.evidence_ids), Evidence.inspection_id == insp.id, Evidence.record_id.is_(None))))
        if set(data.evidence_ids) - ok:
            problems["photos"] = _("有证据文件不属于本次检查或已提交过，请刷新页面")
    return problems


def submit_check(insp: Inspection, item_id: int, user: User, data: CheckInput, token: str) -> InspectionRecord:
    """Record an on-site check (or re-inspection) and move the process; one transaction.

    A retried submission with the same token returns the first one's record and changes nothing;
    refused data raises ``InvalidInput`` with a message per field.
    """
    check_item_for(insp, item_id)
    done = completion.complete_task(item_id, user, completion.Submission(data={}, input=data, token=token))
    return db.session.get(InspectionRecord, int(done.ref.split(":")[1]))


def record_check(insp: Inspection, item: WorkItem, user: User, data: CheckInput) -> InspectionRecord:
    """The checklist answers as a record (its evidence attached), before the process moves."""
    answers = []
    for entry in checklist(insp):
        result, note = data.answers.get(entry["id"], ("", ""))
        answers.append({"id": entry["id"], "text": entry["text"], "basis": entry.get("basis", ""),
                        "result": result, "note": note.strip()[:500]})
    failed = any(a["result"] == diagram.FAILED for a in answers)
    record = InspectionRecord(
        inspection_id=insp.id, round=2 if item.spec_name == diagram.REINSPECT else 1, checked_at=data.checked_at,
        latitude=data.latitude, longitude=data.longitude, accuracy=data.accuracy,
        location_note=data.location_note.strip()[:200], answers=answers,
        result=diagram.FAILED if failed else diagram.PASSED,
        findings=data.findings.strip(), submitted_by_id=user.id, submitted_at=clock.now())
    db.session.add(record)
    db.session.flush()
    if data.evidence_ids:
        db.session.execute(db.update(Evidence).where(Evidence.id.in_(data.evidence_ids),
                                                     Evidence.inspection_id == insp.id,
                                                     Evidence.record_id.is_(None)).values(record_id=record.id)
                           .execution_options(synchronize_session=False))
    return record


def process_variables(item: WorkItem, record: InspectionRecord, data: CheckInput) -> dict:
    """What the process learns of a check: the result decides the diagram's gateway."""
    variables = {diagram.CHECK_RESULT: record.result, "checked_at": to_iso(data.checked_at),
                 "findings": data.findings.strip(), "failed_items": [a["text"] for a in record.failed]}
    if item.spec_name == diagram.CHECK:
        variables[diagram.RECTIFY_DAYS] = data.rectify_days if record.result == diagram.FAILED else None
    return variables


def issue_order(insp: Inspection, item: WorkItem, record: InspectionRecord, data: CheckInput, user: User,
                process_data: dict) -> RectificationOrder | None:
    """责令改正: a failed first check orders the enterprise to correct by the deadline the diagram computed."""
    if record.result != diagram.FAILED or item.spec_name != diagram.CHECK:
        return None
    order = RectificationOrder(
        inspection_id=insp.id, record_id=record.id, issued_at=clock.now(),
        deadline=to_datetime(process_data[diagram.RECTIFY_DEADLINE]), workdays=data.rectify_days,
        findings=findings_text(record), legal_basis=data.legal_basis.strip() or bases(record),
        requirements=data.requirements.strip(), issued_by_id=user.id)
    db.session.add(order)
    db.session.flush()
    return order
