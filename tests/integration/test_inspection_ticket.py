"""现场核实 from a ticket: the handler asks for it, the findings land in the ticket's timeline and reply
draft, and a ticket process that waits for ``inspection_result`` (docs/field-inspection.md) gets it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from app.engine import instances
from app.extensions import db
from app.models import Inspection, TicketEvent
from app.services import inspections, tickets
from app.services.process import apply_snapshot
from tests.field_helpers import (
    JPEG,
    Upload,
    add_second_inspector,
    assign,
    check_input,
    make_enterprise,
    ready,
)
from tests.helpers import HANDLE, complete, new_ticket, open_item, run_to, shown_task_page, user

ROOT = Path(__file__).resolve().parents[2]


def _events(ticket):
    return [e.title for e in tickets.timeline(ticket)]


def test_a_handler_asks_for_verification_and_the_findings_reach_the_ticket(app, browser):
    add_second_inspector()
    cafe = make_enterprise(1, "极速网咖")
    ticket = new_ticket(enterprise="极速网咖")
    run_to(ticket, "handle")
    handle = open_item(ticket, "handle")
    wenhua = browser("wenhua")
    page = shown_task_page(wenhua, handle.id)
    assert "申请现场核实" in page and "极速网咖（网吧）" in page, "the ledger enterprise of 涉及企业 is offered"
    token = re.search(r'name="submit_token" type="hidden" value="([0-9a-f]+)"', page).group(1)
    form = {"enterprise_id": str(cafe.id), "reason": "核实是否接纳未成年人", "kind": "other", "submit_token": token,
            "next": f"/tasks/{handle.id}"}

    assert browser("lvyou").post(f"/inspections/from-ticket/{ticket.id}", form,
                                 form_url="/inspections/").status_code == 403, "another section's handler"
    browser("huifang").post(f"/inspections/from-ticket/{ticket.id}", dict(form, submit_token="x" * 32),
                            form_url="/inspections/")
    assert db.session.scalar(select(func.count(Inspection.id))) == 0, "a callback agent cannot ask for it"
    empty = wenhua.post(f"/inspections/from-ticket/{ticket.id}", dict(form, reason=""), form_url=f"/tasks/{handle.id}")
    assert empty.status_code == 302
    assert "请填写核实事项" in wenhua.get(empty.headers["Location"]).get_data(as_text=True)

    response = wenhua.post(f"/inspections/from-ticket/{ticket.id}", form, form_url=f"/tasks/{handle.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{handle.id}")
    again = wenhua.post(f"/inspections/from-ticket/{ticket.id}", form, form_url=f"/tasks/{handle.id}")
    assert again.status_code == 302
    insp = db.session.scalar(select(Inspection))
    assert db.session.scalar(select(func.count(Inspection.id))) == 1, "a double click asks once"
    assert (insp.ticket_id, insp.enterprise_id, insp.source, insp.section_code) == (
        ticket.id, cafe.id, "ticket", "culture_market")
    assert any(t.startswith("申请现场核实：极速网咖") for t in _events(ticket))
    assert ready(insp, "assign_inspectors").due_at is not None

    assign(insp)
    assert ready(insp, "onsite_check").due_at.day == 30, "现场核实: 3 working days (Wed 25 -> Mon 30)"
    photo = inspections.add_evidence(insp, user("jiancha"), Upload(JPEG, "a.jpg"))
    inspections.submit_check(insp, ready(insp, "onsite_check").id, user("jiancha"), check_input(
        insp, {"id_check": "未核验身份证件"}, [photo.id], days=10), "t-ticket-1")
    db.session.expire_all()
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                        TicketEvent.title.like("现场核实结果%")))
    assert event.title == "现场核实结果：不合格（极速网咖）"
    data = dict(event.data)
    assert data["结论"] == "不合格" and "未核验身份证件" in data["不合格项"] and data["检查人员"] == "冯刚、韩冰"
    assert "责令其于2026年12月9日前整改完毕" in data["答复口径参考"]
    assert "核查结果已送达办理流程" not in _events(ticket), "today's ticket.bpmn does not wait for it"

    page = shown_task_page(wenhua, handle.id)
    assert "插入核查结果到答复口径" in page and 'data-insert-target="reply_draft"' in page
    assert "我局检查人员冯刚、韩冰到极速网咖进行现场核实" in page
    assert "现场核实结果：不合格（极速网咖）" in wenhua.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    # the handler may open the inspection and its evidence, being the ticket's handler
    assert wenhua.get(f"/inspections/{insp.id}").status_code == 200
    assert wenhua.get(f"/inspections/evidence/{photo.id}").status_code == 200
    complete(ticket, "handle", "wenhua", **HANDLE)


# -- ticket.bpmn waits for the verification result (docs/field-inspection.md) ------------------------------

def test_the_ticket_diagram_waits_for_verification_and_is_drawn(app):
    xml = (ROOT / "processes" / "ticket.bpmn").read_text(encoding="utf-8")
    for element in ("verification_gateway", "verification_wait", "inspection_result_event", "verification_timeout",
                    "flow_handle_to_verification", "flow_to_review", "flow_result_to_handle"):
        assert f'bpmnElement="{element}"' in xml, f"{element} is drawn"
    assert 'bpmnElement="flow_handle_to_review"' not in xml


def test_a_ticket_process_that_waits_gets_the_result(app):
    add_second_inspector()
    cafe = make_enterprise(1, "极速网咖")
    ticket = new_ticket(enterprise="极速网咖")
    run_to(ticket, "handle")
    insp = inspections.request_from_ticket(ticket, user("wenhua"), cafe.id, "核实是否接纳未成年人", "wait-00001")
    complete(ticket, "handle", "wenhua", **dict(HANDLE, handle_decision="等待现场核实结果",
                                                handling_result="待现场核实"))
    ticket_instance = tickets.ticket_instance(ticket)
    assert "inspection_result" in instances.waiting_messages(ticket_instance)
    assert open_item(ticket, "handle") is None and open_item(ticket, "review") is None
    assert ticket_instance.next_timer_at is not None, "the 5-working-day safety net is armed"

    assign(insp)
    inspections.submit_check(insp, ready(insp, "onsite_check").id, user("jiancha"), check_input(insp), "wait-00002")
    db.session.expire_all()
    assert "核查结果已送达办理流程" in _events(ticket)
    handle = open_item(ticket, "handle")
    assert handle is not None, "back to 办理 with the findings"
    data = instances.task_data(handle.instance, handle.task_guid)
    assert data["inspection_result"]["result"] == "合格"
    assert "未发现违规问题" in data["inspection_result"]["summary"]
    # 提交审核 now goes on to review as before
    complete(ticket, "handle", "wenhua", **dict(HANDLE, handle_decision="提交审核"))
    assert open_item(ticket, "review") is not None


def test_the_wait_times_out_after_five_working_days(app):
    from datetime import timedelta

    from app.engine.clock import clock
    from app.services.timers import sweep

    add_second_inspector()
    cafe = make_enterprise(1, "极速网咖")
    ticket = new_ticket(enterprise="极速网咖")
    run_to(ticket, "handle")
    inspections.request_from_ticket(ticket, user("wenhua"), cafe.id, "核实是否接纳未成年人", "wait-00002")
    complete(ticket, "handle", "wenhua", **dict(HANDLE, handle_decision="等待现场核实结果"))
    clock.advance(timedelta(days=7, hours=1))
    sweep()
    db.session.expire_all()
    assert open_item(ticket, "handle") is not None
    instance = tickets.ticket_instance(ticket)
    snap = instances.snapshot(instance)
    apply_snapshot(instance, ticket, snap)
    assert "inspection_result" not in instances.waiting_messages(instance)
