"""Incidents: one broken instance never stops the desk, appears once, and can be retried."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, Incident, ProcessInstance, TicketEvent, WorkItem
from app.services import incidents
from app.services.process import apply_snapshot
from app.services.timers import sweep
from tests.helpers import new_ticket

SAFETY = Path(__file__).resolve().parents[1] / "bpmn" / "safety"


def _start(key: str, data: dict, ticket=None) -> ProcessInstance:
    instance, snap = instances.start(key, data, ticket.id if ticket else None)
    apply_snapshot(instance, ticket, snap)
    db.session.commit()
    return instance


def _poisoned_desk(healthy: int = 3):
    instances.deploy((SAFETY / "poisoned_timer.bpmn").read_bytes())
    good = [_start("poisoned_timer", {"poisoned": False}, new_ticket(f"T-{i:04d}")) for i in range(healthy)]
    poisoned_ticket = new_ticket("T-POISON")
    bad = _start("poisoned_timer", {"poisoned": True}, poisoned_ticket)
    return good, bad, poisoned_ticket


def test_one_poisoned_instance_among_healthy_ones(app):
    good, bad, ticket = _poisoned_desk()
    clock.advance(timedelta(hours=1, seconds=1))
    result = sweep()
    assert result.errors == 1 and result.fired == len(good), "every healthy timer fired"
    db.session.expire_all()
    for instance in good:
        assert db.session.get(ProcessInstance, instance.id).status == "running"
        assert db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance.id,
                                                        WorkItem.spec_name == "next_step")) is not None
    incident = db.session.scalars(select(Incident)).one()
    assert incident.instance_id == bad.id and incident.ticket_id == ticket.id
    assert incident.element_id == "after_timer" and incident.element_name == "定时器之后"
    assert "除数为零" in incident.message and "ZeroDivisionError" in incident.detail
    assert incident.version_id == bad.version_id and incident.raised_at == clock.now()
    assert db.session.get(ProcessInstance, bad.id).status == "error"
    alert = db.session.scalars(select(Alert).where(Alert.kind == incidents.ALERT_KIND)).one()
    assert alert.ticket_id == ticket.id and "定时器之后" in alert.message
    # later sweeps neither fire it again nor add incidents: exactly one
    clock.advance(timedelta(hours=2))
    assert sweep().errors == 0
    assert db.session.query(Incident).count() == 1 and db.session.query(Incident).one().occurrences == 1


def test_an_instance_whose_state_cannot_be_loaded_is_an_incident_too(app):
    good, bad, _ticket = _poisoned_desk(healthy=1)
    db.session.get(ProcessInstance, bad.id).state_json = '{"tasks": "garbage"'
    db.session.commit()
    clock.advance(timedelta(hours=1, seconds=1))
    result = sweep()
    assert result.fired == 1 and result.errors == 1
    incident = db.session.scalars(select(Incident)).one()
    assert incident.instance_id == bad.id and incident.message.startswith("流程出错")


def test_an_instance_whose_rows_cannot_be_read_is_an_incident_and_the_others_fire(app):
    """The sweep's load of the due instance (with its version and ticket) fails for that instance only."""
    good, _bad, _ticket = _poisoned_desk(healthy=2)
    other_diagram = (SAFETY / "poisoned_timer.bpmn").read_text(encoding="utf-8").replace(
        'id="poisoned_timer"', 'id="unreadable_timer"')
    instances.deploy(other_diagram.encode("utf-8"))
    unreadable = _start("unreadable_timer", {"poisoned": False}, new_ticket("T-UNREADABLE"))
    unreadable_id, unreadable_ticket = unreadable.id, unreadable.ticket_id
    db.session.execute(text("UPDATE process_version SET task_meta = :garbage WHERE id = :id"),
                       {"garbage": '{"not json', "id": unreadable.version_id})
    db.session.commit()
    db.session.expunge_all()
    clock.advance(timedelta(hours=1, seconds=1))
    result = sweep(batch=2)
    assert result.fired == len(good), "the healthy timers fired although one instance cannot be read"
    assert result.errors == 2  # the poisoned script and the unreadable version
    db.session.expire_all()
    assert db.session.get(ProcessInstance, unreadable_id).status == "error"
    incident = db.session.scalars(select(Incident).where(Incident.instance_id == unreadable_id)).one()
    assert incident.message.startswith("流程出错")
    alert = db.session.scalars(select(Alert).where(Alert.ticket_id == unreadable_ticket)).one()
    assert "unreadable_timer" in alert.message
    assert sweep().errors == 0, "parked: not tried again on every sweep"


def test_retry_after_the_cause_is_fixed(app, browser):
    _good, bad, ticket = _poisoned_desk(healthy=1)
    clock.advance(timedelta(hours=1, seconds=1))
    sweep()
    incident = db.session.scalars(select(Incident)).one()
    owner = browser("liucheng")
    page = owner.get("/incidents/").get_data(as_text=True)
    assert "T-POISON" in page and "after_timer" in page and "除数为零" in page
    assert browser("wenhua").get("/incidents/").status_code == 403
    assert "T-POISON" in browser("zhuguan").get("/incidents/").get_data(as_text=True), "supervisors see them"
    # the ticket page shows the open incident
    ticket_page = owner.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="ticket-incident"' in ticket_page and "定时器之后" in ticket_page
    # retrying while the cause is still there: stays open, counted again, a clear refusal
    response = owner.post(f"/incidents/{incident.id}/retry", form_url="/incidents/", follow_redirects=True)
    assert "重试失败" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "open"
    assert db.session.get(Incident, incident.id).occurrences == 2
    # a supervisor may look but not retry
    assert browser("zhuguan").post(f"/incidents/{incident.id}/retry", form_url="/incidents/").status_code == 403
    # the cause is fixed (here: the data; after a fix of the diagram, by moving the instance): retry
    instance = db.session.get(ProcessInstance, bad.id)
    instance.state_json = instance.state_json.replace('"poisoned":true', '"poisoned":false')
    db.session.commit()
    response = owner.post(f"/incidents/{incident.id}/retry", form_url="/incidents/", follow_redirects=True)
    assert "重试成功" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "resolved"
    assert db.session.get(ProcessInstance, bad.id).status == "running"
    assert db.session.scalar(select(WorkItem).where(WorkItem.instance_id == bad.id,
                                                    WorkItem.spec_name == "next_step")) is not None
    assert 'id="ticket-incident"' not in owner.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "T-POISON" in owner.get("/incidents/?status=resolved").get_data(as_text=True)


def test_a_request_that_meets_a_failing_instance_gets_a_chinese_message(app, browser):
    instances.deploy((SAFETY / "failing_after_task.bpmn").read_bytes())
    ticket = new_ticket("T-FAIL")
    instance = _start("failing_after_task", {}, ticket)
    item = db.session.scalars(select(WorkItem).where(WorkItem.instance_id == instance.id)).one()
    boss = browser("zhuguan")
    response = boss.post(f"/tasks/{item.id}", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "流程在步骤「记账」出错，本次操作未保存，已通知流程管理员。" in page
    assert "NameError" not in page and "Traceback" not in page
    db.session.expire_all()
    assert db.session.get(WorkItem, item.id).state == "ready", "nothing of the submission was saved"
    incident = db.session.scalars(select(Incident)).one()
    assert incident.element_id == "book" and incident.source == "task" and "amount" in incident.message
    assert db.session.get(ProcessInstance, instance.id).status == "running", "its timers go on"
    titles = [e.title for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
    assert any("已通知流程管理员" in t for t in titles)
    # the same failure again is the same incident, counted
    boss.post(f"/tasks/{item.id}", {})
    assert db.session.query(Incident).count() == 1
    assert db.session.scalars(select(Incident)).one().occurrences == 2


def test_an_instance_that_nothing_can_move_on_is_an_incident(app, browser):
    """A parallel join after an exclusive gateway deploys, then waits forever for the path not taken:
    the submission that led there is kept, the stall is an incident, and moving the instance to a fixed
    version resolves it."""
    from app.services import migration
    from tests.helpers import user

    diagram = (SAFETY / "join_never_complete.bpmn").read_bytes()
    instances.deploy(diagram)
    ticket = new_ticket("T-STALL")
    instance = _start("join_never_complete", {"need_call": False}, ticket)
    item = db.session.scalars(select(WorkItem).where(WorkItem.instance_id == instance.id)).one()
    response = browser("zhuguan").post(f"/tasks/{item.id}", {})
    assert response.status_code == 302, "the submission itself is valid and saved"
    db.session.expire_all()
    assert db.session.get(WorkItem, item.id).state == "completed"
    assert not db.session.scalars(select(WorkItem).where(WorkItem.instance_id == instance.id,
                                                         WorkItem.state == "ready")).all()
    incident = db.session.scalars(select(Incident)).one()
    assert incident.source == "stall" and incident.element_id == "join" and incident.element_name == "汇合"
    assert "流程停在步骤「汇合」" in incident.message and "迁移到新版本" in incident.message
    alert = db.session.scalars(select(Alert).where(Alert.kind == incidents.ALERT_KIND)).one()
    assert alert.ticket_id == ticket.id and "汇合" in alert.message
    titles = [e.title for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
    assert any("流程停滞" in t and "汇合" in t for t in titles)
    owner = browser("liucheng")
    assert "T-STALL" in owner.get("/incidents/").get_data(as_text=True)
    # retrying changes nothing: still stalled, still open, the refusal says why
    page = owner.post(f"/incidents/{incident.id}/retry", form_url="/incidents/",
                      follow_redirects=True).get_data(as_text=True)
    assert "重试失败" in page and "汇合" in page
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "open"
    # the fix: the join becomes an exclusive gateway; the instance moved to it goes on to 办结
    fixed = instances.deploy(diagram.replace(b'<bpmn:parallelGateway id="join"', b'<bpmn:exclusiveGateway id="join"'))
    [outcome] = migration.migrate([instance.id], fixed.id, user("liucheng"))
    assert outcome.done, outcome.error
    db.session.expire_all()
    assert db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance.id, WorkItem.state == "ready",
                                                    WorkItem.spec_name == "close")) is not None
    assert db.session.get(Incident, incident.id).status == "resolved"


def test_instances_that_wait_for_a_person_or_a_timer_are_not_stalled(app):
    """The desk's own lifecycle through its main line never counts as stalled."""
    from tests.helpers import run_to

    ticket = new_ticket("T-MOVING")
    run_to(ticket, "callback")
    assert db.session.query(Incident).count() == 0
