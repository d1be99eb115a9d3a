"""What a check found, in words: the record's texts, the reply-draft sentence, the report to the ticket."""

from __future__ import annotations

from datetime import datetime

from app.diagrams import inspection as diagram
from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import instances
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_iso
from app.engine.runtime import NotWaiting
from app.models import Inspection, InspectionRecord, RectificationOrder, User
from app.services import N_, tickets, timeline
from app.services.inspections import history
from app.services.inspections.reading import open_orders
from app.services.process import apply_snapshot

CHECKED = N_("%(what)s：%(result)s")
REPORTED = N_("%(what)s：%(result)s（%(subject)s）")
DELIVERED = N_("核查结果已送达办理流程")
ONSITE, REINSPECTION = N_("现场检查"), N_("整改复查")
ONSITE_RESULT, REINSPECTION_RESULT = N_("现场核实结果"), N_("整改复查结果")


def failed_text(record: InspectionRecord) -> str:
    return "；".join(a["text"] + (f"（{a['note']}）" if a.get("note") else "") for a in record.failed)


def bases(record: InspectionRecord) -> str:
    """The legal bases of the failed items, each once, in checklist order."""
    found = []
    for answer in record.failed:
        if answer.get("basis") and answer["basis"] not in found:
            found.append(answer["basis"])
    return "、".join(found)


def findings_text(record: InspectionRecord) -> str:
    lines = [f"{n}. {a['text']}：不合格" + (f"（{a['note']}）" if a["note"] else "")
             for n, a in enumerate(record.failed, start=1)]
    if record.findings:
        lines.append(record.findings)
    return "\n".join(lines)


def _names(insp: Inspection) -> str:
    return "、".join(u.name for u in insp.inspectors)


def _local_date(dt: datetime) -> str:
    local = dt.astimezone(LOCAL_TZ)
    return f"{local.year}年{local.month}月{local.day}日"


def summary_text(insp: Inspection, record: InspectionRecord, order: RectificationOrder | None) -> str:
    """The findings as a sentence for the ticket's reply draft (答复口径, always Chinese: it goes to the citizen)."""
    who = _names(insp)
    when = _local_date(record.checked_at)
    what = "复查" if record.round == 2 else "现场核实"
    if record.result == diagram.PASSED:
        text = f"{when}，我局检查人员{who}到{insp.subject_name}进行{what}，检查{len(record.answers)}项，未发现违规问题。"
        if record.findings:
            text += record.findings.rstrip("。") + "。"
        return text
    text = f"{when}，我局检查人员{who}到{insp.subject_name}进行{what}，发现以下事项不符合要求：{failed_text(record)}。"
    if record.findings:
        text += record.findings.rstrip("。") + "。"
    if order is not None:
        text += (f"我局已下达责令改正通知书（{order.notice_no}），责令其于{_local_date(order.deadline)}前整改完毕，"
                 f"并将按期复查。")
    elif record.round == 2:
        text += "该单位逾期未整改到位，我局已依法移交立案查处。"
    return text


def _outcome_rows(record: InspectionRecord, order: RectificationOrder | None) -> list[list[str]]:
    rows = []
    if record.failed:
        rows.append([N_("不合格项"), failed_text(record)])
    if record.findings:
        rows.append([N_("检查情况"), record.findings])
    if order is not None:
        rows.append([N_("整改期限"), _fmt(order.deadline)])
    return rows


def after_check(insp: Inspection, record: InspectionRecord, order: RectificationOrder | None, user: User) -> None:
    """The history line, the orders a re-inspection closes, the summary, and the report to the ticket."""
    data = [[N_("检查时间"), _fmt(record.checked_at)], [N_("检查地点"), _place(record)],
            *_outcome_rows(record, order)]
    if order is not None:
        data.append([N_("责令改正通知书"), order.notice_no])
    history.add(insp, "check", CHECKED, user, data, what=REINSPECTION if record.round == 2 else ONSITE,
                result=record.result)
    if record.round == 2:
        for o in open_orders(insp):
            o.status = "整改合格" if record.result == diagram.PASSED else "逾期未改正"
            o.closed_at = clock.now()
    insp.summary = summary_text(insp, record, order)
    if insp.ticket is not None:
        report_to_ticket(insp, record, order, user)


def _fmt(dt: datetime) -> str:
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _place(record: InspectionRecord) -> str:
    parts = []
    if record.latitude is not None and record.longitude is not None:
        gps = f"GPS {record.latitude:.6f}, {record.longitude:.6f}"
        if record.accuracy is not None:
            gps += f"（精度约 {record.accuracy:.0f} 米）"
        parts.append(gps)
    if record.location_note:
        parts.append(record.location_note)
    return "；".join(parts)


def report_to_ticket(insp: Inspection, record: InspectionRecord, order: RectificationOrder | None,
                     user: User | None) -> bool:
    """Findings into the ticket's timeline; the ticket's process gets ``inspection_result`` if it waits.

    Returns True when the message was delivered to the ticket's process.
    """
    ticket = insp.ticket
    data = [[N_("检查编号"), insp.number], [N_("被检查单位"), insp.subject_name], [N_("检查人员"), _names(insp)],
            [N_("检查时间"), _fmt(record.checked_at)], [N_("结论"), record.result], *_outcome_rows(record, order),
            [N_("答复口径参考"), insp.summary]]
    timeline.add(ticket, "inspection", REPORTED, user, data,
                 what=REINSPECTION_RESULT if record.round == 2 else ONSITE_RESULT, result=record.result,
                 subject=insp.subject_name)
    instance = tickets.ticket_instance(ticket)
    if instance is None or instance.status != "running":
        return False
    if lifecycle.INSPECTION_RESULT not in instances.waiting_messages(instance):
        return False
    payload = {"inspection_id": insp.id, "inspection_no": insp.number, "result": record.result,
               "round": record.round, "failed_items": [a["text"] for a in record.failed],
               "findings": record.findings, "summary": insp.summary,
               "rectify_deadline": to_iso(order.deadline) if order else None}
    try:
        snap = instances.send_message(instance, lifecycle.INSPECTION_RESULT, payload,
                                      result_var=lifecycle.INSPECTION_RESULT)
    except NotWaiting:
        return False
    apply_snapshot(instance, ticket, snap, user)
    timeline.add(ticket, "inspection", DELIVERED)
    return True
