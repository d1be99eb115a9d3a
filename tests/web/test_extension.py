"""延期申请: asked before the deadline, approved by the supervisor; the reminder and the escalation move."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, CaseRequest, WorkItem
from app.services import Conflict, InvalidInput, PermissionDenied, casework, deadline_extension, settings
from app.services.tickets import ticket_instance
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import (
    APPROVE,
    HANDLE,
    RESOLVED,
    complete,
    new_ticket,
    open_item,
    run_to,
    shown_task_page,
    user,
)

APPROVED = {"extension_decision": "批准", "approved_deadline": None, "extension_comment": ""}


def alerts(kind):
    return db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == kind))


def ticket_at_handle():
    ticket = new_ticket()  # Wed 2026-11-25 10:00: reply deadline Fri 4 Dec 10:00, 催办 Tue 1 Dec 10:00
    run_to(ticket, stop_before="handle")
    assert (ticket.reply_deadline, ticket.urge_at) == (shanghai(2026, 12, 4, 10), shanghai(2026, 12, 1, 10))
    return ticket


def test_approved_extension_moves_the_reminder_and_the_escalation(app):
    ticket = ticket_at_handle()
    req = deadline_extension.request_extension(ticket.id, user("wenhua"), "需协调消防部门联合检查", date(2026, 12, 11))
    assert req.status == "pending" and req.requested_deadline == shanghai(2026, 12, 11, 10)
    review = open_item(ticket, "extension_review")
    assert review is not None and ",supervisor," in review.candidate_groups
    assert review.due_at == shanghai(2026, 12, 4, 10), "to be decided before the current deadline"
    assert ticket.state == "办理中", "a side process never changes the ticket's state"

    complete(ticket, "extension_review", "zhuguan", **APPROVED)
    db.session.refresh(req)
    assert req.status == "approved" and req.decided_by.username == "zhuguan"
    assert ticket.reply_deadline == shanghai(2026, 12, 11, 10)
    assert ticket.urge_at == shanghai(2026, 12, 8, 10), "催办 3 working days before the new deadline"
    assert ticket.original_reply_deadline == shanghai(2026, 12, 4, 10)
    assert ticket_instance(ticket).next_timer_at == shanghai(2026, 12, 8, 10)
    assert open_item(ticket, "handle").due_at == shanghai(2026, 12, 11, 10), "the open task's due date follows"

    # the old instants pass: nothing fires
    clock.freeze(shanghai(2026, 12, 1, 10, 0, 1))
    sweep()
    sweep()
    clock.freeze(shanghai(2026, 12, 4, 10, 0, 1))
    sweep()
    assert (alerts("催办"), alerts("超期")) == (0, 0)
    # the new 催办 fires at its instant, exactly once
    clock.freeze(shanghai(2026, 12, 8, 9, 59))
    sweep()
    assert alerts("催办") == 0
    clock.freeze(shanghai(2026, 12, 8, 10, 0, 1))
    sweep()
    sweep()
    assert alerts("催办") == 1
    # and the escalation at the new deadline, exactly once
    clock.freeze(shanghai(2026, 12, 11, 10, 0, 1))
    sweep()
    sweep()
    assert (alerts("催办"), alerts("超期")) == (1, 1)
    assert open_item(ticket, "overdue_supervision") is not None


def test_the_new_deadline_survives_the_rest_of_the_lifecycle(app):
    ticket = ticket_at_handle()
    deadline_extension.request_extension(ticket.id, user("wenhua"), "等待检测报告", date(2026, 12, 9))
    complete(ticket, "extension_review", "zhuguan", **dict(APPROVED, approved_deadline="2026-12-10T15:00:00+08:00"))
    assert ticket.reply_deadline == shanghai(2026, 12, 10, 15), "the supervisor may change the date"
    complete(ticket, "handle", "wenhua", **HANDLE)
    assert open_item(ticket, "review").due_at == shanghai(2026, 12, 10, 15)
    complete(ticket, "review", "shenhe", **APPROVE)
    complete(ticket, "callback", "huifang", **RESOLVED)
    assert ticket.state == "办结" and ticket.reply_deadline == shanghai(2026, 12, 10, 15)
    assert ticket.original_reply_deadline == shanghai(2026, 12, 4, 10)


def test_an_extension_still_pending_when_the_reply_is_approved_can_only_be_rejected(app):
    """The reply was approved (待回访) while the request waited: approving it still moved the deadline and showed
    回访 as 已延期."""
    ticket = ticket_at_handle()
    deadline_extension.request_extension(ticket.id, user("wenhua"), "等待检测报告", date(2026, 12, 9))
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", **APPROVE)
    assert ticket.state == "待回访"
    with pytest.raises(InvalidInput) as refused:
        complete(ticket, "extension_review", "zhuguan", **APPROVED)
    assert "工单已过办理阶段（当前为“待回访”），延期已无必要，只能驳回" in str(refused.value.errors)
    assert ticket.reply_deadline == shanghai(2026, 12, 4, 10) and ticket.original_reply_deadline is None
    complete(ticket, "extension_review", "zhuguan", extension_decision="驳回", approved_deadline=None,
             extension_comment="回复已上报")
    [req] = casework.requests_for(ticket, "extension")
    assert req.status == "rejected"


def test_rejected_extension_changes_nothing(app):
    ticket = ticket_at_handle()
    deadline_extension.request_extension(ticket.id, user("wenhua"), "人手不足", date(2026, 12, 9))
    complete(ticket, "extension_review", "zhuguan", extension_decision="驳回", approved_deadline=None,
             extension_comment="理由不充分")
    [req] = casework.requests_for(ticket, "extension")
    assert req.status == "rejected" and req.decision_note == "理由不充分"
    assert ticket.reply_deadline == shanghai(2026, 12, 4, 10) and ticket.original_reply_deadline is None
    assert ticket_instance(ticket).next_timer_at == shanghai(2026, 12, 1, 10)


def test_request_is_checked_against_the_deadline_and_the_limit(app):
    ticket = ticket_at_handle()  # received Wed 25 Nov 10:00: 15 working days -> Wed 16 Dec 10:00
    wenhua = user("wenhua")
    assert deadline_extension.max_deadline(ticket) == shanghai(2026, 12, 16, 10)
    cases = [(date(2026, 12, 3), "须晚于现办理时限"), (date(2026, 12, 12), "不是工作日"),
             (date(2026, 12, 17), "不能晚于 2026-12-16 10:00"), (None, "请选择延期后的办理时限")]
    for day, message in cases:
        with pytest.raises(InvalidInput) as exc:
            deadline_extension.request_extension(ticket.id, wenhua, "理由", day)
        assert message in exc.value.errors["new_date"]
    with pytest.raises(InvalidInput) as exc:
        deadline_extension.request_extension(ticket.id, wenhua, "  ", date(2026, 12, 9))
    assert "请填写延期理由" in exc.value.errors["reason"]
    with pytest.raises(PermissionDenied):
        deadline_extension.request_extension(ticket.id, user("lvyou"), "理由", date(2026, 12, 9))
    assert db.session.scalar(select(func.count(CaseRequest.id))) == 0, "nothing half-written"

    deadline_extension.request_extension(ticket.id, wenhua, "理由", date(2026, 12, 9))
    with pytest.raises(Conflict, match="已有待审批的延期申请"):
        deadline_extension.request_extension(ticket.id, wenhua, "再来一次", date(2026, 12, 10))

    settings.put("extension_max_workdays", 10)
    db.session.commit()
    other = new_ticket(no="T-0002", caller_phone="13900000000", enterprise="别家", address="别处")
    run_to(other, stop_before="handle")
    assert deadline_extension.max_deadline(other) == shanghai(2026, 12, 9, 10), "the limit is a setting"


def test_no_extension_after_the_deadline(app):
    ticket = ticket_at_handle()
    clock.freeze(shanghai(2026, 12, 4, 10, 0, 1))
    with pytest.raises(Conflict, match="延期须在时限届满前申请"):
        deadline_extension.request_extension(ticket.id, user("wenhua"), "来不及了", date(2026, 12, 9))


def test_extension_through_the_pages(app, browser):
    ticket = ticket_at_handle()
    wenhua, zhuguan = browser("wenhua"), browser("zhuguan")
    handle_page = shown_task_page(wenhua, open_item(ticket, 'handle').id)
    assert 'id="action-extension"' in handle_page and f"/casework/tickets/{ticket.id}/extension" in handle_page

    url = f"/casework/tickets/{ticket.id}/extension"
    response = wenhua.post(url, {"reason": "需要区消防支队配合复查", "new_date": "2026-12-17"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "不能晚于 2026-12-16 10:00" in page
    assert "需要区消防支队配合复查" in page, "what was typed is kept"
    response = wenhua.post(url, {"reason": "需要区消防支队配合复查", "new_date": "2026-12-11"})
    assert response.status_code == 302

    review = open_item(ticket, "extension_review")
    task_page = zhuguan.get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "需要区消防支队配合复查" in task_page and "2026-12-11 (周五) 10:00" in task_page
    response = zhuguan.post(f"/tasks/{review.id}", {"extension_decision": "批准", "approved_deadline": "2026-12-17T10:00",
                                                    "extension_comment": ""})
    assert response.status_code == 422 and "不能晚于 2026-12-16 10:00" in response.get_data(as_text=True)
    response = zhuguan.post(f"/tasks/{review.id}", {"extension_decision": "批准", "approved_deadline": "",
                                                    "extension_comment": "同意"})
    assert response.status_code == 302
    db.session.expire_all()

    page = wenhua.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    deadlines = page.split('id="deadlines"')[1].split("</dl>")[0]
    assert "2026-12-11 (周五) 10:00" in deadlines.split('id="reply-deadline"')[1], "the extended deadline"
    assert "2026-12-04 (周五) 10:00" in deadlines.split('id="original-reply-deadline"')[1], "and the original"
    assert "2026-12-08 (周二) 10:00" in deadlines.split('id="urge-at"')[1]
    assert "已延期" in page and "延期已批准，办理时限已调整" in page
    assert db.session.scalar(select(func.count(WorkItem.id)).where(WorkItem.spec_name == "extension_review",
                                                                   WorkItem.state == "completed")) == 1


def test_only_handlers_of_the_ticket_see_the_request_page(app, browser):
    ticket = ticket_at_handle()
    assert browser("lvyou").get(f"/casework/tickets/{ticket.id}/extension").status_code == 403
    assert browser("shenhe").get(f"/casework/tickets/{ticket.id}/extension").status_code == 403
    clock.advance(timedelta(days=30))
    page = browser("wenhua").get(f"/casework/tickets/{ticket.id}/extension").get_data(as_text=True)
    assert "延期须在时限届满前申请" in page


def test_a_request_no_longer_valid_cannot_be_approved_as_asked(app, browser):
    ticket = ticket_at_handle()
    deadline_extension.request_extension(ticket.id, user("wenhua"), "等待检测报告", date(2026, 12, 14))
    settings.put("extension_max_workdays", 10)  # the limit was lowered meanwhile: now Wed 9 Dec 10:00
    db.session.commit()
    review = open_item(ticket, "extension_review")
    response = browser("zhuguan").post(f"/tasks/{review.id}", {"extension_decision": "批准", "approved_deadline": "",
                                                               "extension_comment": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "申请的时限已不可用" in page and "不能晚于 2026-12-09 10:00" in page
    db.session.expire_all()
    assert ticket_instance(ticket).next_timer_at == shanghai(2026, 12, 1, 10), "nothing moved"
