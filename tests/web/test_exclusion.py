"""剔除申请: an approved exclusion takes the ticket out of the rates; a refusal can be appealed once."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import Attachment, CaseRequest
from app.services import Conflict, InvalidInput, PermissionDenied, casework, exclusions, rates
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import HANDLE, RESOLVED, complete, new_ticket, open_item, run_to, user

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AGREE = {"exclusion_decision": "同意剔除", "exclusion_comment": ""}
REFUSE = {"exclusion_decision": "不同意", "exclusion_comment": "证据不足：未见法院受理通知书"}


def closed_ticket(no, resolved, satisfied, **fields):
    ticket = new_ticket(no=no, caller_phone=f"1390000{no[-4:]}", enterprise=f"企业{no}", address=f"{no}号", **fields)
    run_to(ticket, stop_before="callback")
    outcome = dict(RESOLVED, callback_resolved=resolved, callback_satisfied=satisfied)
    complete(ticket, "callback", "huifang", **outcome)
    if ticket.closed_at is None:  # unresolved or unsatisfied: one second handling (二次办理), same answer
        complete(ticket, "handle", "wenhua", **HANDLE)
        complete(ticket, "review", "shenhe", review_decision="通过", review_comment="")
        complete(ticket, "callback", "huifang", **outcome)
    assert ticket.closed_at is not None
    return ticket


def handled_ticket(no="T-0001"):
    ticket = new_ticket(no=no)
    run_to(ticket, stop_before="handle")
    return ticket


def test_an_approved_exclusion_changes_the_rates(app, browser):
    closed_ticket("R-0001", "解决", "满意")
    unhappy = closed_ticket("R-0002", "基本解决", "不满意")
    before = rates.compute("2026-11")
    assert (before["resolution"].value, before["satisfaction"].value) == (Decimal("90.00"), Decimal("50.00"))
    assert before["satisfaction"].denominator == 2

    req = exclusions.file_exclusion(unhappy.id, user("wenhua"), "不合理诉求",
                                    "来电人要求对企业罚款十万元并公开道歉，超出法定职权。")
    assert req.status == "pending" and unhappy.state == "办结", "the side process leaves the state alone"
    complete(unhappy, "exclusion_review", "zhuguan", **AGREE)
    db.session.refresh(req)
    assert req.status == "approved" and unhappy.excluded is True

    after = rates.compute("2026-11")
    assert (after["resolution"].value, after["satisfaction"].value) == (Decimal("100.00"), Decimal("100.00"))
    assert after["satisfaction"].denominator == 1 and after["response"].denominator == 1
    page = browser("zhuguan").get("/supervisor/rates?period=2026-11").get_data(as_text=True)
    assert "100.00%" in page
    ticket_page = browser("wenhua").get(f"/tickets/{unhappy.id}").get_data(as_text=True)
    assert "剔除申请已批准：工单不计入考核" in ticket_page and "已剔除" in ticket_page


def test_a_refusal_can_be_appealed_once_and_no_more(app, browser):
    ticket = handled_ticket()
    wenhua, zhuguan = browser("wenhua"), browser("zhuguan")
    exclusions.file_exclusion(ticket.id, user("wenhua"), "诉讼或仲裁中", "双方已向区法院起诉。")
    complete(ticket, "exclusion_review", "zhuguan", **REFUSE)
    [req] = casework.requests_for(ticket, "exclusion")
    assert req.status == "appealable" and req.decision_note.startswith("证据不足")
    appeal = open_item(ticket, "exclusion_appeal")
    assert appeal.assignee.username == "wenhua", "the appeal goes back to whoever filed"

    # the appeal, with the court's notice attached, through the task page
    response = wenhua.post(f"/tasks/{appeal.id}", {"appeal_decision": "申诉", "appeal_reason": "补充法院受理通知书。",
                                                   "appeal_file": (io.BytesIO(PDF), "受理通知书.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    req = db.session.get(CaseRequest, req.id)
    assert req.status == "appealing" and req.appeal_reason == "补充法院受理通知书。"
    evidence = db.session.scalar(select(Attachment).where(Attachment.kind == "exclusion_appeal:appeal_file"))
    assert evidence.content_type == "application/pdf" and evidence.original_name == "受理通知书.pdf"

    review = open_item(ticket, "appeal_review")
    response = zhuguan.post(f"/tasks/{review.id}", {"appeal_review_decision": "维持不予剔除",
                                                    "appeal_review_comment": "通知书与本工单诉求无关。"})
    assert response.status_code == 302
    db.session.expire_all()
    req = db.session.get(CaseRequest, req.id)
    assert req.status == "appeal_rejected" and not db.session.get(type(ticket), ticket.id).excluded
    assert open_item(ticket, "exclusion_appeal") is None, "no second appeal is offered"

    # a second appeal (a new filing) is refused, on the page and in the service
    with pytest.raises(Conflict, match="已申诉过一次"):
        exclusions.file_exclusion(ticket.id, user("wenhua"), "其他", "再试一次")
    page = wenhua.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "考核申诉被驳回" in page and "已申诉过一次并被驳回，不能再次申请或申诉" in page
    response = wenhua.post(f"/casework/tickets/{ticket.id}/exclusion", {"ground": "其他", "evidence": "再试一次"})
    assert response.status_code == 409 and "已申诉过一次" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CaseRequest.id))) == 1


def test_an_appeal_upheld_excludes_the_ticket(app):
    ticket = handled_ticket()
    exclusions.file_exclusion(ticket.id, user("wenhua"), "重复恶意来电", "同一号码一天内来电 12 次辱骂。")
    complete(ticket, "exclusion_review", "zhuguan", **REFUSE)
    complete(ticket, "exclusion_appeal", "wenhua", appeal_decision="申诉", appeal_reason="附通话记录", appeal_file=None)
    complete(ticket, "appeal_review", "zhuguan", appeal_review_decision="同意剔除", appeal_review_comment="属实")
    [req] = casework.requests_for(ticket, "exclusion")
    assert req.status == "approved" and ticket.excluded


def test_the_appeal_window_closes_by_timer(app, browser):
    ticket = handled_ticket()  # refusal on Wed 25 Nov 10:00: 3 working days to appeal -> Mon 30 Nov 10:00
    exclusions.file_exclusion(ticket.id, user("wenhua"), "其他", "说明")
    complete(ticket, "exclusion_review", "zhuguan", **REFUSE)
    assert open_item(ticket, "exclusion_appeal").due_at == shanghai(2026, 11, 30, 10)
    clock.freeze(shanghai(2026, 11, 30, 10, 0, 1))
    sweep()
    sweep()
    [req] = casework.requests_for(ticket, "exclusion")
    assert req.status == "rejected" and open_item(ticket, "exclusion_appeal") is None
    page = browser("zhuguan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "剔除申请未通过（申诉期满）" in page, "the interrupting 申诉期限 timer's end is the outcome"
    with pytest.raises(Conflict, match="未在期限内申诉"):
        exclusions.file_exclusion(ticket.id, user("wenhua"), "其他", "再来")


def test_filing_is_checked(app):
    ticket = handled_ticket()
    with pytest.raises(InvalidInput) as exc:
        exclusions.file_exclusion(ticket.id, user("wenhua"), "我觉得不合理", "")
    assert set(exc.value.errors) == {"ground", "evidence"}
    with pytest.raises(PermissionDenied):
        exclusions.file_exclusion(ticket.id, user("lvyou"), "其他", "说明")
    clock.freeze(ticket.reply_deadline)
    with pytest.raises(Conflict, match="须在办理时限"):
        exclusions.file_exclusion(ticket.id, user("wenhua"), "其他", "说明")
    assert db.session.scalar(select(func.count(CaseRequest.id))) == 0


def test_evidence_file_on_the_filing_page(app, browser):
    ticket = handled_ticket()
    wenhua = browser("wenhua")
    url = f"/casework/tickets/{ticket.id}/exclusion"
    form = wenhua.get(url).get_data(as_text=True)
    assert all(g in form for g in ("不合理诉求", "非本单位职责", "诉讼或仲裁中", "重复恶意来电", "其他"))
    response = wenhua.post(url, {"ground": "非本单位职责", "evidence": "属区市场监管局职责（三定方案第五条）。",
                                 "evidence_file": (io.BytesIO(b"just text"), "说明.txt")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "不是支持的文件格式（PDF、JPG、PNG、DOCX）" in page
    assert "属区市场监管局职责（三定方案第五条）。" in page
    assert db.session.scalar(select(func.count(CaseRequest.id))) == 0
    response = wenhua.post(url, {"ground": "非本单位职责", "evidence": "属区市场监管局职责（三定方案第五条）。",
                                 "evidence_file": (io.BytesIO(PDF), "三定方案.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    [req] = casework.requests_for(ticket, "exclusion")
    assert req.attachment.original_name == "三定方案.pdf" and req.attachment.kind == "exclusion_evidence"
    review = open_item(ticket, "exclusion_review")
    page = browser("zhuguan").get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "三定方案.pdf" in page and "非本单位职责" in page
