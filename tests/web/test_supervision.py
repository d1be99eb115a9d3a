"""督办件: flagged everywhere, asked for a progress report every N working days until it is closed."""

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import ProcessInstance, TicketEvent, WorkItem
from app.services import Conflict, PermissionDenied, casework, supervised_cases
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import APPROVE, HANDLE, RESOLVED, complete, new_ticket, open_item, run_to, user


def reports(ticket, state=None):
    query = select(func.count(WorkItem.id)).where(WorkItem.ticket_id == ticket.id,
                                                  WorkItem.spec_name == "progress_report")
    if state:
        query = query.where(WorkItem.state == state)
    return db.session.scalar(query)


def supervised_ticket(interval=2):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    req = supervised_cases.supervise(ticket.id, user("zhuguan"), interval, "请每两个工作日报告进展")
    return ticket, req


def test_reports_at_the_interval_until_the_ticket_is_closed(app):
    ticket, req = supervised_ticket()  # Wed 25 Nov 10:00, every 2 working days: Fri 27 Nov, Tue 1 Dec ...
    assert ticket.supervised and req.status == "active" and ticket.state == "办理中"
    instance = db.session.get(ProcessInstance, req.instance_id)
    assert instance.next_timer_at == shanghai(2026, 11, 27, 10)

    clock.freeze(shanghai(2026, 11, 27, 9, 59))
    sweep()
    assert reports(ticket) == 0
    clock.freeze(shanghai(2026, 11, 27, 10, 0, 1))
    sweep()
    sweep()
    assert reports(ticket) == 1, "one report per interval, exactly once"
    item = open_item(ticket, "progress_report")
    assert ",culture_market," in item.candidate_groups and item.due_at == shanghai(2026, 11, 30, 10)
    complete(ticket, "progress_report", "wenhua", progress="已约谈网吧负责人，正在整改", next_steps="周五复查",
             expected_finish=None)
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                        TicketEvent.title == "完成：督办进展报告"))
    assert ["progress", "已约谈网吧负责人，正在整改"] in event.data, "the report is in the timeline"

    clock.freeze(shanghai(2026, 12, 1, 10, 0, 1))
    sweep()
    assert reports(ticket, "ready") == 1 and reports(ticket) == 2
    # the ticket is closed; the next tick ends the supervision and withdraws the open report
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", **APPROVE)
    complete(ticket, "callback", "huifang", **RESOLVED)
    assert ticket.closed_at is not None
    clock.freeze(shanghai(2026, 12, 3, 10, 0, 1))
    sweep()
    sweep()
    db.session.refresh(req)
    assert req.status == "ended" and req.decision_note == "工单已办结"
    assert reports(ticket, "ready") == 0 and reports(ticket) == 2, "no report after closure"
    assert db.session.get(ProcessInstance, req.instance_id).status == "completed"
    assert ticket.supervised, "it stays a 督办件 in the ledger"
    clock.freeze(shanghai(2026, 12, 31, 10))
    sweep()
    assert reports(ticket) == 2


def test_supervised_flag_shows_everywhere(app, browser):
    ticket, _req = supervised_ticket()
    other = new_ticket(no="T-0002", caller_phone="13900000002", enterprise="别家", address="别处")
    run_to(other, stop_before="handle")
    wenhua = browser("wenhua")
    inbox = wenhua.get("/").get_data(as_text=True)
    row = [r for r in inbox.split("<tr") if ticket.ticket_no in r][0]
    assert "flag-supervised" in row
    assert "flag-supervised" not in [r for r in inbox.split("<tr") if "T-0002" in r][0]
    page = wenhua.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "flag-supervised" in page.split('id="ticket-flags"')[1][:400]
    assert "每 2 个工作日报告一次进展" in page
    ledger = wenhua.get("/tickets/?supervised=yes").get_data(as_text=True)
    assert ticket.ticket_no in ledger and "T-0002" not in ledger
    ledger = wenhua.get("/tickets/?supervised=no").get_data(as_text=True)
    assert ticket.ticket_no not in ledger and "T-0002" in ledger


def test_supervisor_button_and_its_checks(app, browser):
    ticket = new_ticket()
    zhuguan = browser("zhuguan")
    url = f"/casework/tickets/{ticket.id}/supervise"
    page = zhuguan.get(url).get_data(as_text=True)
    assert "分派后才能督办" in page, "not before a section handles it"
    run_to(ticket, stop_before="handle")
    page = zhuguan.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="action-supervise"' in page
    response = zhuguan.post(url, {"interval_days": "每周", "note": "领导批示：抓紧办理"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "进展报告间隔应为 1 到 30 之间的整数" in page and "领导批示：抓紧办理" in page
    assert not ticket.supervised
    response = zhuguan.post(url, {"interval_days": "3", "note": "领导批示：抓紧办理"})
    assert response.status_code == 302
    db.session.expire_all()
    [req] = casework.requests_for(ticket, "supervision")
    assert req.interval_days == 3 and req.reason == "领导批示：抓紧办理"
    assert browser("wenhua").get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        supervised_cases.supervise(ticket.id, user("wenhua"), 3, "")


def test_supervising_again_keeps_one_process_and_lifting_ends_it(app, browser):
    ticket, req = supervised_ticket()
    again = supervised_cases.supervise(ticket.id, user("zhuguan"), 5, "再次督办")
    assert again.id == req.id
    assert db.session.scalar(select(func.count(ProcessInstance.id)).where(
        ProcessInstance.id == req.instance_id)) == 1
    clock.freeze(shanghai(2026, 11, 27, 10, 0, 1))
    sweep()
    assert reports(ticket, "ready") == 1
    response = browser("zhuguan").post(f"/casework/tickets/{ticket.id}/supervise/lift", {"note": "已基本解决"},
                                       form_url=f"/tickets/{ticket.id}")
    assert response.status_code == 302
    db.session.expire_all()
    req = casework.requests_for(ticket, "supervision")[0]
    assert req.status == "ended" and req.decision_note == "已解除督办"
    assert reports(ticket, "ready") == 0 and not ticket.supervised
    with pytest.raises(Conflict, match="没有进行中的督办"):
        supervised_cases.lift(ticket.id, user("zhuguan"))


def test_platform_code_can_start_supervision_inside_its_transaction(app):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    supervised_cases.start_supervision(ticket, None, note="市级平台督办：请于三日内反馈", source="市级平台")
    db.session.commit()
    [req] = casework.requests_for(ticket, "supervision")
    assert req.ground == "市级平台" and req.interval_days == 3 and ticket.supervised


def test_a_refused_lift_keeps_the_typed_note(app, browser):
    """解除说明 past 200 characters: the ticket page again with all of it in the field and the message naming it
    (it was lost with a message naming no field); the ticket stays supervised."""
    import re

    ticket, _req = supervised_ticket()
    zhuguan = browser("zhuguan")
    typed = "已基本解决，" * 35  # 210 characters
    response = zhuguan.post(f"/casework/tickets/{ticket.id}/supervise/lift", {"note": typed},
                            form_url=f"/tickets/{ticket.id}", follow_redirects=True)
    page = response.get_data(as_text=True)
    field = re.search(r'<input name="note" id="lift-note"[^>]*>', page).group(0)
    assert "is-invalid" in field and f'value="{typed}"' in field and 'data-maxlength="200"' in field
    assert 'id="lift-note-error">解除说明不能超过 200 个字' in page and "未解除督办" in page
    db.session.expire_all()
    assert ticket.supervised
    assert 'value="' + typed not in zhuguan.get(f"/tickets/{ticket.id}").get_data(as_text=True), "shown once"
