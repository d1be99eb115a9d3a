"""挂账、销账: carried with a plan and a review date; every month boundary lists them for review exactly once."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import CaseRequest, ProcessInstance, ProcessVersion, TicketEvent, WorkItem
from app.services import Conflict, InvalidInput, PermissionDenied, carried, casework
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import complete, new_ticket, open_item, run_to, user

CARRY = {"carry_decision": "同意挂账", "carry_review_date": None, "carry_comment": ""}


def review_items(state=None):
    query = select(WorkItem).where(WorkItem.spec_name == "carried_review")
    if state:
        query = query.where(WorkItem.state == state)
    return list(db.session.scalars(query.order_by(WorkItem.id)))


def carried_ticket(no="T-0001", **fields):
    ticket = new_ticket(no=no, **fields)
    run_to(ticket, stop_before="handle")
    carried.request_carry(ticket.id, user("wenhua"), "需区财政安排专项资金改造消防通道",
                          "2027年一季度完成改造；期间每月检查一次", date(2027, 3, 31))
    complete(ticket, "carry_review", "zhuguan", **CARRY)
    return ticket


def test_carried_with_plan_and_review_date(app, browser):
    ticket = carried_ticket()
    [req] = casework.requests_for(ticket, "carry")
    assert req.status == "approved" and ticket.carried
    assert ticket.carry_plan.startswith("2027年一季度") and ticket.carry_review_date == date(2027, 3, 31)
    page = browser("wenhua").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "flag-carried" in page and "计划复核日期 2027-03-31" in page
    ledger = browser("wenhua").get("/tickets/?carried=yes").get_data(as_text=True)
    assert ticket.ticket_no in ledger


def test_the_carry_plan_is_masked_for_readers_who_see_callers_masked(app, browser):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    carried.request_carry(ticket.id, user("wenhua"), "需区财政安排专项资金", "改造后回电来电人13811112222告知结果",
                          date(2027, 3, 31))
    complete(ticket, "carry_review", "zhuguan", **CARRY)
    page = browser("shenhe").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "改造后回电来电人138****2222告知结果" in page and "13811112222" not in page
    assert "13811112222" in browser("wenhua").get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_a_month_boundary_moves_carried_cases_into_a_review_task_exactly_once(app, browser):
    cycle = carried.review_instance()
    assert cycle is not None and cycle.next_timer_at == shanghai(2026, 12, 1, 9), "started by seed_base"
    first = carried_ticket()
    second = carried_ticket(no="T-0002", caller_phone="13900000002", enterprise="别家", address="别处")

    # first boundary: 1 Dec 09:00, two sweeps
    clock.freeze(shanghai(2026, 12, 1, 8, 59))
    sweep()
    assert review_items() == []
    clock.freeze(shanghai(2026, 12, 1, 9, 0, 1))
    sweep()
    sweep()
    [december] = review_items()
    assert december.business_key == "carried_review" and ",supervisor," in december.candidate_groups
    assert [c["ticket_no"] for c in carried.review_cases(december)] == ["T-0001", "T-0002"]
    assert carried.review_month(december) == "2026-12"

    # the supervisor writes off the second one on the review page
    zhuguan = browser("zhuguan")
    assert zhuguan.get(f"/tasks/{december.id}").headers["Location"].endswith(f"/casework/carried-review/{december.id}")
    page = zhuguan.get(f"/casework/carried-review/{december.id}").get_data(as_text=True)
    assert "T-0001" in page and "2027年一季度完成改造" in page
    response = zhuguan.post(f"/casework/carried-review/{december.id}", {"written_off": [str(second.id)],
                                                                        "review_note": "消防通道已改造完成"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    first, second = db.session.merge(first), db.session.merge(second)
    assert first.carried and not second.carried and second.written_off_at == shanghai(2026, 12, 1, 9, 0, 1)
    assert db.session.scalar(select(TicketEvent.title).where(TicketEvent.ticket_id == second.id,
                                                             TicketEvent.title.like("销账%"))) \
        == "销账（挂账案件月度复核 2026-12）"

    # second boundary: 1 Jan 09:00, two sweeps; only the case still carried
    clock.freeze(shanghai(2027, 1, 1, 9, 0, 1))
    sweep()
    sweep()
    assert len(review_items()) == 2
    [january] = review_items("ready")
    assert [c["ticket_no"] for c in carried.review_cases(january)] == ["T-0001"]
    carried.complete_review(january.id, user("zhuguan"), [first.id], "")
    assert not db.session.merge(first).carried

    # a month with nothing carried: no task
    clock.freeze(shanghai(2027, 2, 1, 9, 0, 1))
    sweep()
    sweep()
    assert len(review_items()) == 2
    assert carried.review_instance().next_timer_at == shanghai(2027, 3, 1, 9)
    ledger = zhuguan.get("/tickets/?carried=written_off").get_data(as_text=True)
    assert "T-0001" in ledger and "T-0002" in ledger


def test_the_cycle_is_started_once(app):
    from app.seed import seed_base

    seed_base()
    carried.ensure_review_cycle()
    running = db.session.scalar(
        select(func.count(ProcessInstance.id)).join(ProcessVersion, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessVersion.process_key == "carried_review_cycle", ProcessInstance.status == "running"))
    assert running == 1


def test_carry_request_is_checked(app, browser):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    with pytest.raises(InvalidInput) as exc:
        carried.request_carry(ticket.id, user("wenhua"), "", "计划", date(2026, 11, 25))
    assert set(exc.value.errors) == {"reason", "review_date"}
    assert "复核日期须晚于今天" in exc.value.errors["review_date"]
    with pytest.raises(PermissionDenied):
        carried.request_carry(ticket.id, user("gonggong"), "原因", "计划", date(2027, 1, 31))
    assert db.session.scalar(select(func.count(CaseRequest.id))) == 0
    wenhua = browser("wenhua")
    response = wenhua.post(f"/casework/tickets/{ticket.id}/carry", {"reason": "需政策支持", "plan": "",
                                                                    "review_date": "2027-01-31"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写解决计划" in page and "需政策支持" in page
    response = wenhua.post(f"/casework/tickets/{ticket.id}/carry", {"reason": "需政策支持", "plan": "等待新规出台",
                                                                    "review_date": "2027-01-31"})
    assert response.status_code == 302
    with pytest.raises(Conflict, match="已有待审批的挂账申请"):
        carried.request_carry(ticket.id, user("wenhua"), "原因", "计划", date(2027, 1, 31))
    # the supervisor refuses a review date in the past on the approval form
    item = open_item(ticket, "carry_review")
    response = browser("zhuguan").post(f"/tasks/{item.id}", {"carry_decision": "同意挂账",
                                                             "carry_review_date": "2026-11-01T09:00",
                                                             "carry_comment": ""})
    assert response.status_code == 422 and "复核日期须晚于今天" in response.get_data(as_text=True)
