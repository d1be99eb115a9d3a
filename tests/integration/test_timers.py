"""BPMN timers under a moved clock: reminder, escalation, response alert, each exactly once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.engine import instances, specs
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, Notification, ProcessInstance, User, WorkItem
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import (
    DISPATCH,
    RESPOND,
    SIGN,
    complete,
    new_ticket,
    open_item,
    retire_report_cycle,
    run_to,
)


def alerts(kind):
    return db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == kind))


def instance_of(ticket):
    return db.session.scalar(select(ProcessInstance).where(ProcessInstance.ticket_id == ticket.id))


def test_deadlines_count_working_days_across_national_day(app):
    # Mon 2026-09-28 10:00; 1-7 Oct are holidays, Sat 10 Oct is a make-up working day.
    clock.freeze(shanghai(2026, 9, 28, 10, 0))
    ticket = new_ticket()
    assert ticket.reply_deadline == shanghai(2026, 10, 13, 10, 0)
    assert ticket.urge_at == shanghai(2026, 10, 9, 10, 0), "3 working days before, counting Sat 10 Oct"
    assert ticket.response_deadline == shanghai(2026, 9, 29, 10, 0)


def test_reminder_and_escalation_fire_once_at_the_shown_instants(app):
    clock.freeze(shanghai(2026, 9, 28, 10, 0))
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    instance = instance_of(ticket)
    # the instant the ticket page shows is the instant the timer waits for
    assert instance.next_timer_at == ticket.urge_at
    assert open_item(ticket, "handle").due_at == ticket.reply_deadline

    clock.freeze(ticket.urge_at - timedelta(seconds=1))
    sweep()
    assert alerts("催办") == 0

    clock.freeze(ticket.urge_at + timedelta(seconds=1))
    sweep()
    sweep()
    assert alerts("催办") == 1
    assert instance_of(ticket).next_timer_at == ticket.reply_deadline

    # a "restart": the parsed-spec cache is gone, state comes from the database only
    specs._cache.clear()
    db.session.remove()
    clock.freeze(ticket.reply_deadline + timedelta(seconds=1))
    sweep()
    sweep()
    assert alerts("催办") == 1
    assert alerts("超期") == 1
    ticket = db.session.merge(ticket)
    supervision = open_item(ticket, "overdue_supervision")
    assert supervision is not None and ",supervisor," in supervision.candidate_groups
    assert open_item(ticket, "handle") is not None, "handling goes on while the supervisor is told"
    assert instance_of(ticket).next_timer_at is None


def test_timers_that_fall_due_while_nobody_sweeps_still_fire_once(app):
    clock.freeze(shanghai(2026, 9, 28, 10, 0))
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    clock.freeze(shanghai(2026, 10, 20, 9, 0))  # past both instants at once
    first = sweep()
    assert first.fired >= 2
    assert (alerts("催办"), alerts("超期")) == (1, 1)
    assert sweep().fired == 0


def test_response_alert_when_caller_not_contacted_in_time(app):
    ticket = new_ticket(urgency="特急")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    clock.freeze(ticket.response_deadline + timedelta(minutes=1))
    sweep()
    sweep()
    assert alerts("响应超时") == 1
    assert open_item(ticket, "respond") is not None


def test_response_in_time_cancels_the_response_timer(app):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    clock.freeze(ticket.response_deadline + timedelta(hours=1))
    sweep()
    assert alerts("响应超时") == 0


def test_sweep_loads_only_due_instances(app):
    clock.freeze(shanghai(2026, 9, 28, 10, 0))
    tickets = []
    for n in range(3):
        ticket = new_ticket(no=f"T-{n}", caller_phone=f"1380000000{n}", enterprise=f"企业{n}", address=f"路{n}号")
        complete(ticket, "sign", "paidan", **SIGN)
        complete(ticket, "dispatch", "paidan", **DISPATCH)
        tickets.append(instance_of(ticket).id)
    assert set(instances.due_instance_ids()).isdisjoint(tickets)
    clock.freeze(shanghai(2026, 9, 29, 10, 1))
    assert set(tickets) <= set(instances.due_instance_ids())
    assert sweep().instances >= 3
    assert instances.due_instance_ids() == []


@pytest.mark.real_commits  # threads, each with its own connection
def test_two_workers_fire_each_timer_exactly_once(app):
    clock.freeze(shanghai(2026, 9, 28, 10, 0))
    tickets = []
    for n in range(6):
        ticket = new_ticket(no=f"W-{n}", caller_phone=f"1390000000{n}", enterprise=f"企业{n}", address=f"路{n}号")
        complete(ticket, "sign", "paidan", **SIGN)
        complete(ticket, "dispatch", "paidan", **DISPATCH)
        tickets.append(ticket)
    db.session.remove()
    clock.freeze(shanghai(2026, 10, 20, 9, 0))  # past the response deadline, the urge point and the 办理时限
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                sweep(batch=2)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    sweep()
    # 催办 and 超期 are raised each time their timer fires (no once=True), so they show a double firing
    for kind in ("响应超时", "催办", "超期"):
        per_ticket = db.session.execute(select(Alert.ticket_id, func.count()).where(Alert.kind == kind)
                                        .group_by(Alert.ticket_id)).all()
        assert sorted(count for _, count in per_ticket) == [1] * 6, (kind, per_ticket)


def test_a_ticket_late_before_signing_gets_one_response_alert_not_one_per_stage(app):
    """The response deadline passes at 签收 (told to the dispatchers); when handling starts the
    handling stage's response timer is already due: the fact is not raised a second time, but the
    handler is still told."""
    ticket = new_ticket(urgency="紧急")  # 2-hour response limit
    clock.advance(timedelta(hours=2, minutes=1))
    sweep()
    assert alerts("响应超时") == 1
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    sweep()
    assert alerts("响应超时") == 1
    holders = set(db.session.scalars(select(User.username).join(Notification, Notification.user_id == User.id).where(
        Notification.ticket_id == ticket.id, Notification.kind == "响应超时")))
    assert "paidan" in holders and "wenhua" in holders, holders


def test_respond_after_response_timer_fired_still_works(app):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    clock.freeze(ticket.response_deadline + timedelta(hours=2))
    sweep()
    complete(ticket, "respond", "wenhua", **RESPOND)
    assert ticket.state == "办理中"
    assert db.session.scalar(select(func.count(WorkItem.id)).where(WorkItem.state == "ready",
                                                                   WorkItem.ticket_id == ticket.id)) == 1


FAILING_AFTER_TIMER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="fails_later" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="broken_script"/>
    <bpmn:scriptTask id="broken_script" scriptFormat="python"><bpmn:script>x = undefined_name + 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="broken_script" targetRef="e"/><bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_instance_that_fails_on_a_timer_is_parked_and_shown(app, browser):
    ticket = new_ticket()
    instances.deploy(FAILING_AFTER_TIMER)
    instance, _snap = instances.start("fails_later", {}, ticket.id)
    db.session.commit()
    clock.advance(timedelta(hours=1, seconds=1))
    result = sweep()
    assert result.errors == 1
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "error" and "broken_script" in instance.error
    assert instances.due_instance_ids() == [], "a parked instance is not retried on every sweep"
    page = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert "流程出错" in page and ticket.ticket_no in page.split('id="broken-instances"')[1]


def test_move_deadlines_rearms_waiting_timers_and_due_dates(app):
    retire_report_cycle()  # the seeded cycle would fire in the same sweeps
    from pathlib import Path

    from app.engine.expressions import to_iso

    instances.deploy((Path(__file__).resolve().parents[1] / "bpmn" / "move_deadline.bpmn").read_bytes())
    start = clock.now()
    instance, snap = instances.start("move_deadline", {"deadline": to_iso(start + timedelta(hours=2))})
    assert instance.next_timer_at == start + timedelta(hours=2)
    snap = instances.send_message(instance, "extend", {})
    assert instance.next_timer_at == start + timedelta(hours=50), "the waiting timer follows the new deadline"
    assert snap.ready_tasks[0].due_at == start + timedelta(hours=50), "and so does the task's due date"
    db.session.commit()
    clock.freeze(start + timedelta(hours=3))
    assert sweep().fired == 0
    clock.freeze(start + timedelta(hours=50, seconds=1))
    assert sweep().fired == 1
    assert sweep().fired == 0
