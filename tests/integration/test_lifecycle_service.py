"""The ticket lifecycle through the service layer: every path of ticket.bpmn."""

import pytest

from app.extensions import db
from app.models import Alert
from app.services import Conflict, PermissionDenied
from tests.helpers import (
    APPROVE,
    DISPATCH,
    HANDLE,
    RESOLVED,
    RESPOND,
    SIGN,
    UNRESOLVED,
    complete,
    new_ticket,
    open_item,
    run_to,
)


def test_full_path_closes_with_outcome(app):
    ticket = new_ticket()
    assert ticket.state == "待签收"
    run_to(ticket, stop_before="end")
    db.session.refresh(ticket)
    assert ticket.state == "办结"
    assert ticket.closed_at is not None
    assert ticket.outcome == "解决/满意"
    assert ticket.section.code == "culture_market"


def test_return_ends_the_ticket_with_reason(app):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", sign_decision="退回", return_reason="非本单位职责", sign_note="属区市场监管局")
    assert ticket.state == "已退回"
    assert "非本单位职责" in ticket.outcome
    assert open_item(ticket, "dispatch") is None


def test_review_sends_back_then_callback_rework_once(app):
    ticket = new_ticket()
    run_to(ticket, stop_before="review")
    complete(ticket, "review", "shenhe", review_decision="退回修改", review_comment="缺少办理依据")
    assert ticket.state == "办理中"
    handle = open_item(ticket, "handle")
    assert handle.assignee.username == "wenhua", "rework returns to the handler who responded"
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", **APPROVE)
    complete(ticket, "callback", "huifang", **UNRESOLVED)
    assert ticket.state == "办理中" and ticket.rework_count == 1
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", **APPROVE)
    complete(ticket, "callback", "huifang", **UNRESOLVED)
    assert ticket.state == "办结", "a second unresolved callback closes the ticket"
    assert ticket.outcome == "未解决/不满意"


def test_only_candidates_complete_tasks(app):
    ticket = new_ticket()
    with pytest.raises(PermissionDenied):
        complete(ticket, "sign", "wenhua", **SIGN)
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    with pytest.raises(PermissionDenied):  # another section's handler
        complete(ticket, "respond", "lvyou", **RESPOND)
    complete(ticket, "respond", "wenhua2", **RESPOND)
    with pytest.raises(PermissionDenied):  # handle is assigned to whoever responded
        complete(ticket, "handle", "wenhua", **HANDLE)


def test_completed_task_cannot_be_completed_again(app):
    ticket = new_ticket()
    item = open_item(ticket, "sign")
    complete(ticket, "sign", "paidan", **SIGN)
    from app.services import completion
    from tests.helpers import user

    with pytest.raises(Conflict):
        completion.complete_task(item.id, user("zhiban"), completion.Submission(SIGN))


def test_urgent_ticket_has_two_hour_response_deadline(app):
    ticket = new_ticket(urgency="紧急")
    assert (ticket.response_deadline - ticket.received_at).total_seconds() == 2 * 3600
    normal = new_ticket(no="T-0002")
    assert (normal.response_deadline - normal.received_at).total_seconds() == 24 * 3600
    assert not db.session.scalars(db.select(Alert)).all()


UNREACHED = dict(RESOLVED, callback_contacted="否", callback_resolved=None, callback_satisfied=None,
                 callback_unreached="无人接听")


def test_caller_not_reached_is_tried_three_times_over_two_working_days(app):
    from datetime import timedelta

    from app.engine.clock import clock
    from app.services.timers import sweep

    ticket = new_ticket()  # Wed 2026-11-25 10:00
    run_to(ticket, stop_before="callback")
    complete(ticket, "callback", "huifang", **UNREACHED)
    assert open_item(ticket, "callback") is None, "the next attempt waits for the next working day"
    assert ticket.state != "办结"
    clock.advance(timedelta(days=1, seconds=1))  # Thu 10:00
    sweep()
    second = open_item(ticket, "callback")
    assert second is not None and second.due_at == clock.now() - timedelta(seconds=1)
    complete(ticket, "callback", "huifang", **UNREACHED)
    clock.advance(timedelta(days=1, seconds=1))  # Fri 10:00
    sweep()
    complete(ticket, "callback", "huifang", **dict(UNREACHED, callback_unreached="无法回访"))
    db.session.expire_all()
    assert ticket.state == "办结" and ticket.outcome == "无法回访"
    assert sweep().fired == 0


def test_caller_reached_on_the_second_attempt(app):
    from datetime import timedelta

    from app.engine.clock import clock
    from app.services.timers import sweep

    ticket = new_ticket()
    run_to(ticket, stop_before="callback")
    complete(ticket, "callback", "huifang", **UNREACHED)
    clock.advance(timedelta(days=1, seconds=1))
    sweep()
    complete(ticket, "callback", "huifang", **RESOLVED)
    assert ticket.state == "办结" and ticket.outcome == "解决/满意"


def test_unsatisfied_but_resolved_goes_back_for_second_handling(app):
    ticket = new_ticket()
    run_to(ticket, stop_before="callback")
    complete(ticket, "callback", "huifang", **dict(RESOLVED, callback_satisfied="不满意"))
    assert ticket.state == "办理中" and ticket.rework_count == 1


SIDE_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="side_note" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="note"/>
    <bpmn:userTask id="note" name="补充说明" camunda:candidateGroups="supervisor"/>
    <bpmn:sequenceFlow id="f2" sourceRef="note" targetRef="e"/><bpmn:endEvent id="e" name="说明完毕"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_a_side_process_about_a_ticket_never_closes_it(app):
    from app.engine import instances
    from app.services import tickets
    from app.services.process import apply_snapshot

    ticket = new_ticket()
    lifecycle = tickets.ticket_instance(ticket)
    instances.deploy(SIDE_PROCESS)
    side, snap = instances.start("side_note", {}, ticket.id)
    apply_snapshot(side, ticket, snap)
    db.session.commit()
    assert tickets.ticket_instance(ticket).id == lifecycle.id
    complete(ticket, "note", "zhuguan")
    assert ticket.state == "待签收" and ticket.closed_at is None
