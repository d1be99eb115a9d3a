"""Migrating running tickets to another version: a safe preview per instance, timers re-armed,
deadlines recomputed, each instance on its own, audited on the timeline; unsafe cases refused."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, InstanceMigration, TicketEvent
from app.services import PermissionDenied, migration
from app.services.tickets import ticket_instance
from app.services.timers import sweep
from app.services.uow import unit_of_work
from tests.conftest import shanghai
from tests.helpers import HANDLE, complete, new_ticket, open_item, run_to, user

TICKET_BPMN = (Path(__file__).resolve().parents[2] / "processes" / "ticket.bpmn").read_text(encoding="utf-8")
LONGER_REPLY = ("add_workdays(received_at, rule('reply_workdays'))", "add_workdays(received_at, rule('reply_workdays') + 3)")
NEW_LABEL = ('<camunda:formField id="handling_result" label="办理结果" type="string">',
             '<camunda:formField id="handling_result" label="办理结果（写明整改情况）" type="string">')


def deploy(*replacements) -> object:
    xml = TICKET_BPMN
    for old, new in replacements:
        assert old in xml
        xml = xml.replace(old, new)
    with unit_of_work():
        return instances.deploy(xml, user("liucheng"), "测试")


def alerts(kind):
    return db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == kind))


def test_safe_migration_moves_deadlines_timers_and_labels(app):
    ticket = new_ticket()  # reply deadline Fri 4 Dec 10:00, 催办 Tue 1 Dec 10:00
    run_to(ticket, stop_before="handle")
    lifecycle = ticket_instance(ticket)
    old = lifecycle.version
    target = deploy(LONGER_REPLY, NEW_LABEL)

    [preview] = migration.preview([lifecycle.id], target.id, user("liucheng"))
    assert preview.result.safe, preview.result.reasons
    assert set(preview.result.deadlines) == {"reply_deadline", "urge_at"}
    assert [t["due"] for t in preview.result.timers_after if t["element_id"] == "overdue_timer"] == \
        ["2026-12-09T10:00:00+08:00"], "the escalation re-armed 3 working days later"
    db.session.refresh(lifecycle)
    assert lifecycle.version_id == old.id, "a preview writes nothing"

    [outcome] = migration.migrate([lifecycle.id], target.id, user("liucheng"))
    assert outcome.done, outcome.error
    db.session.refresh(ticket)
    db.session.refresh(lifecycle)
    assert lifecycle.version_id == target.id
    assert ticket.reply_deadline == shanghai(2026, 12, 9, 10)
    assert ticket.urge_at == shanghai(2026, 12, 4, 10)
    assert lifecycle.next_timer_at == shanghai(2026, 12, 4, 10)
    assert open_item(ticket, "handle").due_at == shanghai(2026, 12, 9, 10)
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                        TicketEvent.kind == "migration"))
    assert event.title == f"流程实例由第 {old.version} 版迁移到第 {target.version} 版"
    assert ["办理时限", "2026-12-04 10:00 → 2026-12-09 10:00"] in event.data
    assert db.session.scalar(select(func.count(InstanceMigration.id))) == 1

    # the migrated instance runs on: the old 催办 instant passes silently, the new one fires once
    clock.freeze(shanghai(2026, 12, 1, 10, 0, 1))
    sweep()
    assert alerts("催办") == 0
    clock.freeze(shanghai(2026, 12, 4, 10, 0, 1))
    sweep()
    sweep()
    assert alerts("催办") == 1
    complete(ticket, "handle", "wenhua", **HANDLE)
    assert open_item(ticket, "review") is not None


def test_waiting_task_gone_is_unsafe_and_nothing_moves(app):
    bpmn = Path(__file__).resolve().parents[1] / "bpmn"
    with unit_of_work():
        instances.deploy((bpmn / "migrate_v1.bpmn").read_bytes(), user("liucheng"), "v1")
        instance, _snap = instances.start("migrate_test", {}, business_key="test:1")
        target = instances.deploy((bpmn / "migrate_v2.bpmn").read_bytes(), user("liucheng"), "v2: 初审 removed")
    before = (instance.version_id, instance.state_json)
    [preview] = migration.preview([instance.id], target.id, user("liucheng"))
    assert not preview.result.safe
    assert preview.result.reasons == ["正在等待的步骤 初审（task_a）在新版本中已不存在"]
    [outcome] = migration.migrate([instance.id], target.id, user("liucheng"))
    assert not outcome.done and "在新版本中已不存在" in outcome.error
    db.session.refresh(instance)
    assert (instance.version_id, instance.state_json) == before
    assert db.session.scalar(select(func.count(InstanceMigration.id))) == 0


def test_a_renamed_waiting_task_is_aligned_and_migrates(app):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    lifecycle = ticket_instance(ticket)
    target = deploy(('id="handle"', 'id="handle_v2"'), ('targetRef="handle"', 'targetRef="handle_v2"'),
                    ('sourceRef="handle"', 'sourceRef="handle_v2"'), ('bpmnElement="handle"', 'bpmnElement="handle_v2"'))
    [outcome] = migration.migrate([lifecycle.id], target.id, user("liucheng"))
    assert outcome.done, outcome.error
    assert open_item(ticket, "handle_v2") is not None and open_item(ticket, "handle") is None
    complete(ticket, "handle_v2", "wenhua", **HANDLE)
    assert open_item(ticket, "review") is not None


def test_changed_routing_already_passed_is_unsafe(app):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    lifecycle = ticket_instance(ticket)
    target = deploy(("sign_decision == '签收'</bpmn:conditionExpression>",
                     "sign_decision in ('签收',)</bpmn:conditionExpression>"))
    [preview] = migration.preview([lifecycle.id], target.id, user("liucheng"))
    assert not preview.result.safe
    assert any("签收" in r and "迁移无法补做" in r for r in preview.result.reasons), preview.result.reasons
    assert any("（网关条件）" in r for r in preview.result.reasons), "the changed attribute in the owner's words"
    assert not any("cond_task_specs" in r for r in preview.result.reasons)


def test_a_ticket_not_yet_at_the_changed_step_migrates_safely(app):
    ticket = new_ticket()  # waiting at 签收: the changed routing comes later for it
    lifecycle = ticket_instance(ticket)
    target = deploy(("sign_decision == '签收'</bpmn:conditionExpression>",
                     "sign_decision in ('签收',)</bpmn:conditionExpression>"))
    [outcome] = migration.migrate([lifecycle.id], target.id, user("liucheng"))
    assert outcome.done, outcome.error
    complete(ticket, "sign", "paidan", sign_decision="签收", return_reason=None, sign_note="")
    assert open_item(ticket, "dispatch") is not None


def test_group_migration_of_version_waiting_at_a_task(app):
    at_handle = new_ticket("T-1")
    run_to(at_handle, stop_before="handle")
    at_sign = new_ticket("T-2")
    old = ticket_instance(at_handle).version
    target = deploy(NEW_LABEL)
    group = migration.running_instances(old, "handle")
    assert [i.ticket_id for i in group] == [at_handle.id]
    outcomes = migration.migrate([i.id for i in group], target.id, user("liucheng"))
    assert [o.done for o in outcomes] == [True]
    assert ticket_instance(at_sign).version_id == old.id
    with pytest.raises(PermissionDenied):
        migration.migrate([ticket_instance(at_sign).id], target.id, user("zhuguan"))
