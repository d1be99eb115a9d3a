"""Tickets running on the ticket.bpmn before the merging gateways (467dd53) move to the current diagram
at every stage of the lifecycle: the preview says safe, the migration keeps the deadlines and the waiting
timers (and the alerts already raised are not raised again), and the ticket then runs to 办结 on the new
version. A ticket that has already ended has nothing to migrate."""

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.engine import instances, progress
from app.engine.clock import clock
from app.engine.expressions import to_datetime
from app.extensions import db
from app.models import Alert, Inspection, TicketEvent
from app.services import deadline_extension, exclusions, inspections, migration, platform_messages
from app.services.tickets import ticket_instance
from app.services.timers import sweep
from app.services.uow import unit_of_work
from tests.conftest import shanghai
from tests.field_helpers import add_second_inspector, assign, check_input, make_enterprise, ready
from tests.helpers import (
    APPROVE,
    DISPATCH,
    HANDLE,
    RESOLVED,
    RESPOND,
    SIGN,
    complete,
    new_ticket,
    open_item,
    user,
)

ROOT = Path(__file__).resolve().parents[2]
NEW_XML = (ROOT / "processes" / "ticket.bpmn").read_text(encoding="utf-8")
BEFORE_MERGES = "467dd53~1"  # the ticket.bpmn running tickets were started on before the merging gateways


def old_xml() -> str:
    return subprocess.run(["git", "show", f"{BEFORE_MERGES}:processes/ticket.bpmn"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


# ticket.bpmn before 467dd53, kept here so the test does not depend on the git history being there
OLD_XML_PATH = Path(__file__).resolve().parents[1] / "bpmn" / "ticket_before_merges.bpmn"
OLD_XML = OLD_XML_PATH.read_text(encoding="utf-8")

WAIT_FOR_CHECK = dict(HANDLE, handle_decision="等待现场核实结果")
RETURN_FOR_CHANGES = {"review_decision": "退回修改", "review_comment": "答复未写明整改期限"}
UNREACHED = {"callback_contacted": "否", "callback_resolved": None, "callback_satisfied": None,
             "callback_unreached": "无人接听", "callback_note": ""}
UNRESOLVED = dict(RESOLVED, callback_resolved="未解决", callback_satisfied="不满意")
EXTENSION_APPROVED = {"extension_decision": "批准", "approved_deadline": None, "extension_comment": ""}
EXCLUSION_AGREED = {"exclusion_decision": "同意剔除", "exclusion_comment": ""}

# 签收 Wed 25 Nov 10:00: 响应时限 Thu 26 Nov 10:00, 催办 Tue 1 Dec 10:00, 办理时限 Fri 4 Dec 10:00


class At:
    """A step of a stage: the clock moves on (once for both tickets) and the timers due fire."""

    def __init__(self, *when):
        self.when = shanghai(*when)


S = ("sign", "paidan", SIGN)
D = ("dispatch", "paidan", DISPATCH)
R = ("respond", "wenhua", RESPOND)
H = ("handle", "wenhua", HANDLE)
A = ("review", "shenhe", APPROVE)
RESPONSE_PASSED = At(2026, 11, 26, 10, 0, 1)
URGE_PASSED = At(2026, 12, 1, 10, 0, 1)
DEADLINE_PASSED = At(2026, 12, 4, 10, 0, 1)


def platform(kind, text):
    def receive(t, _n):
        platform_messages.receive(t.ticket_no, kind, text, None, "市级平台")
    return receive


def ask_for_extension(t, _n):
    deadline_extension.request_extension(t.id, user("wenhua"), "需协调消防部门联合检查", date(2026, 12, 11))


def file_exclusion(t, _n):
    exclusions.file_exclusion(t.id, user("wenhua"), "不合理诉求", "来电人要求对企业罚款十万元，超出法定职权。")


def ask_for_onsite_check(t, n):
    add_second_inspector()
    cafe = make_enterprise(n, "极速网咖")
    inspections.request_from_ticket(t, user("wenhua"), cafe.id, "核实是否接纳未成年人", f"wait-{n}0001")


def result_after_migration(t, n):
    """The findings reach the ticket's process after the migration: back to 办理."""
    def after_migration():
        inspection = db.session.scalar(select(Inspection).where(Inspection.ticket_id == t.id))
        assign(inspection)
        inspections.submit_check(inspection, ready(inspection, "onsite_check").id, user("jiancha"),
                                 check_input(inspection), f"wait-{n}0002")
        db.session.expire_all()
        assert open_item(t, "handle") is not None
    return after_migration


WAITING_FOR_CHECK = (S, D, R, ask_for_onsite_check, ("handle", "wenhua", WAIT_FOR_CHECK))
CALLBACK = (S, D, R, H, A)
REWORK = (*CALLBACK, ("callback", "huifang", UNRESOLVED))
STAGES = {
    "sign": (),
    "sign, 响应超时 fired": (RESPONSE_PASSED,),
    "sign, urged by the platform": (platform("催办", "请尽快签收"),),
    "sign, 响应超时 and 催办 fired": (URGE_PASSED,),
    "dispatch": (S,),
    "dispatch, 响应超时 and 催办 fired": (S, URGE_PASSED),
    "dispatch, urged by the platform": (S, platform("催办", "请尽快分派")),
    "respond": (S, D),
    "respond, 响应超时 fired": (S, D, RESPONSE_PASSED),
    "handle": (S, D, R),
    "handle, 催办 fired": (S, D, R, URGE_PASSED),
    "handle, 超期 fired (超期督办 open)": (S, D, R, DEADLINE_PASSED),
    "handle, platform 催办 and 督办": (S, D, R, platform("催办", "请抓紧办理"), platform("督办", "请于周五前反馈")),
    "waiting for the onsite check, result comes": (*WAITING_FOR_CHECK, result_after_migration),
    "waiting for the onsite check, times out": WAITING_FOR_CHECK,
    "review": (S, D, R, H),
    "returned by review": (S, D, R, H, ("review", "shenhe", RETURN_FOR_CHANGES)),
    "callback": CALLBACK,
    "callback retry waiting": (*CALLBACK, ("callback", "huifang", UNREACHED)),
    "callback retried": (*CALLBACK, ("callback", "huifang", UNREACHED), RESPONSE_PASSED),
    "rework, handle": REWORK,
    "rework, review": (*REWORK, H),
    "rework, callback": (*REWORK, H, A),
    "rework, 催办 fired": (*REWORK, URGE_PASSED),
    "extension pending": (S, D, R, ask_for_extension),
    "extension approved": (S, D, R, ask_for_extension, ("extension_review", "zhuguan", EXTENSION_APPROVED)),
    "extension pending, deadline passed": (S, D, R, ask_for_extension, DEADLINE_PASSED),
    "exclusion pending": (S, D, R, file_exclusion),
}


def run_stage(steps, *tickets) -> list:
    """Each step for every ticket in turn (a clock step once): what is to happen after the migration."""
    afters = []
    for step in steps:
        if isinstance(step, At):
            clock.freeze(step.when)
            sweep()
            sweep()
            continue
        for n, ticket in enumerate(tickets, 1):
            if isinstance(step, tuple):
                spec_name, username, data = step
                complete(ticket, spec_name, username, **data)
            elif (after := step(ticket, n)) is not None:
                afters.append(after)
    return afters


def deploy(xml: str, comment: str):
    with unit_of_work():
        return instances.deploy(xml, user("liucheng"), comment)


def lifecycle_timers(instance) -> list[tuple[str, str]]:
    return sorted((t["element_id"], t["due"]) for t in progress.instance_progress(instance)["timers"])


FINISH = [("extension_review", "zhuguan", EXTENSION_APPROVED), ("exclusion_review", "zhuguan", EXCLUSION_AGREED),
          ("overdue_supervision", "zhuguan", {"supervision_action": "已电话督促承办科室"}),
          ("sign", "paidan", SIGN), ("dispatch", "paidan", DISPATCH), ("respond", "wenhua", RESPOND),
          ("handle", "wenhua", HANDLE), ("review", "shenhe", APPROVE), ("callback", "huifang", RESOLVED)]


def open_tasks(ticket) -> list[tuple]:
    items = [open_item(ticket, s) for s, _u, _d in FINISH]
    return sorted((i.spec_name, i.due_at, i.id, i.assignee_id) for i in items if i is not None)


def seen(ticket) -> dict:
    """What people see of a ticket: its state and deadlines, its open tasks, its alerts and its timeline
    (the migration's own entry left out)."""
    db.session.refresh(ticket)
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                          TicketEvent.kind != "migration"))
    return {"state": ticket.state, "outcome": ticket.outcome, "excluded": ticket.excluded,
            "deadlines": (ticket.response_deadline, ticket.reply_deadline, ticket.urge_at, ticket.supervised),
            "open": [(spec, due) for spec, due, _id, _who in open_tasks(ticket)],
            "alerts": sorted((kind, text.replace(ticket.ticket_no, "T-n")) for kind, text in
                             db.session.execute(select(Alert.kind, Alert.message).where(Alert.ticket_id == ticket.id))),
            "timeline": sorted((e.kind, re.sub(r"JC\d+", "JC…", e.title.replace(ticket.ticket_no, "T-n")))
                               for e in events)}


def finish(*tickets) -> None:
    """In step: complete whatever is open on each ticket (the side processes' tasks first); when nothing is
    open, let the earliest waiting timer pass; until every ticket is 办结."""
    for _round in range(60):
        moved = False
        for ticket in tickets:
            for spec_name, username, data in FINISH:
                if open_item(ticket, spec_name) is not None:
                    complete(ticket, spec_name, username, **data)
                    moved = True
                    break
        for ticket in tickets:
            db.session.refresh(ticket)
        if all(t.state == "办结" and not open_tasks(t) for t in tickets):
            return
        if not moved:
            dues = [i.next_timer_at for i in map(ticket_instance, tickets) if i.next_timer_at is not None]
            assert dues, f"stuck: {[progress.instance_progress(ticket_instance(t)) for t in tickets]}"
            clock.freeze(min(dues) + timedelta(seconds=1))
            sweep()
            sweep()
    raise AssertionError(f"not closed: {[(t.ticket_no, t.state, open_tasks(t)) for t in tickets]}")


@pytest.mark.parametrize("timers_fire", [False, True], ids=["completed at once", "timers fire first"])
@pytest.mark.parametrize("stage", STAGES)
def test_a_ticket_on_the_diagram_before_the_merging_gateways_migrates_at(app, stage, timers_fire):
    """T-1 is migrated, its twin T-2 (the same stage, the same instants) stays on the old version: both
    then go on in step (the pending timers passing first, or the tasks completed at once) and end alike."""
    old = deploy(OLD_XML, "合并网关之前的版本")
    ticket = new_ticket("T-1")
    twin = new_ticket("T-2", caller_name="王女士", caller_phone="13966667777", address="西城路6号", enterprise="飞扬网吧",
                      title="网吧未登记身份证", content="来电人反映网吧未登记上网人员身份证。")  # no repeat of T-1
    lifecycle = ticket_instance(ticket)
    assert lifecycle.version_id == ticket_instance(twin).version_id == old.id
    afters = run_stage(STAGES[stage], ticket, twin)
    before = seen(ticket)
    items = open_tasks(ticket)
    timers = lifecycle_timers(lifecycle)
    assert seen(twin) == before
    target = deploy(NEW_XML, "合并网关")

    [preview] = migration.preview([lifecycle.id], target.id, user("liucheng"))
    assert preview.result.safe, preview.result.reasons
    assert preview.result.deadlines == {}, "nothing moves: the rules are the same"
    assert sorted((t["element_id"], t["due"]) for t in preview.result.timers_after) == timers

    [outcome] = migration.migrate([lifecycle.id], target.id, user("liucheng"))
    assert outcome.done, outcome.error
    db.session.refresh(lifecycle)
    assert lifecycle.version_id == target.id and ticket_instance(twin).version_id == old.id
    assert seen(ticket) == before, "migrating changes nothing a person sees (no alert raised again)"
    assert open_tasks(ticket) == items, "the same tasks stay open (a form open in a browser still submits)"
    assert lifecycle_timers(lifecycle) == timers, "the same timers wait, for the same instants"

    for after in afters:
        if after is not None:
            after()
    if timers_fire:
        for due in sorted({due for _element, due in timers}):
            clock.freeze(to_datetime(due) + timedelta(seconds=1))
            sweep()
            sweep()
    assert seen(ticket) == seen(twin)
    finish(ticket, twin)
    assert seen(ticket) == seen(twin)
    assert ticket_instance(ticket).version_id == target.id


def test_a_ticket_that_has_ended_has_nothing_to_migrate(app):
    old = deploy(OLD_XML, "合并网关之前的版本")
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", sign_decision="退回", return_reason="非本单位职责", sign_note="")
    lifecycle = ticket_instance(ticket)
    assert lifecycle.status != "running" and lifecycle.version_id == old.id
    target = deploy(NEW_XML, "合并网关")
    assert migration.running_instances(old) == []
    assert migration.preview([lifecycle.id], target.id, user("liucheng")) == []
    assert migration.migrate([lifecycle.id], target.id, user("liucheng")) == []
    db.session.refresh(lifecycle)
    assert lifecycle.version_id == old.id


def test_the_kept_copy_is_the_diagram_before_the_merging_gateways():
    try:
        before = old_xml()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no git history here")
    assert before == OLD_XML


def test_a_joining_gateway_in_front_of_a_passed_step_is_no_pass_through(app):
    """Only an exclusive gateway that merges (one way out, no condition) passes the flow on as before: a
    parallel join in front of 办理 waits for all its flows, so a ticket past 是否二次办理 is refused, in Chinese."""
    old = deploy(OLD_XML, "合并网关之前的版本")
    ticket = new_ticket()
    run_stage((S, D, R), ticket)
    joined = NEW_XML.replace('<bpmn:exclusiveGateway id="merge_handle">', '<bpmn:parallelGateway id="merge_handle">')
    joined = joined.replace("</bpmn:exclusiveGateway>\n      <bpmn:sequenceFlow id=\"flow_to_handle\"",
                            "</bpmn:parallelGateway>\n      <bpmn:sequenceFlow id=\"flow_to_handle\"")
    assert joined.count("parallelGateway") >= 2
    target = deploy(joined, "并行合并")
    lifecycle = ticket_instance(ticket)
    [preview] = migration.preview([lifecycle.id], target.id, user("liucheng"))
    assert not preview.result.safe
    assert preview.result.reasons == ["已执行的步骤 是否二次办理（rework_gateway）已修改（网关条件），迁移无法补做"]
    db.session.refresh(lifecycle)
    assert lifecycle.version_id == old.id


def test_the_report_cycle_on_its_diagram_before_the_merging_gateway_migrates_and_runs_on(app):
    """报表周期 runs in every installation: its instance, which has looped through 继续计时？ to 计算下一个工作日
    08:00, moves to the diagram with the merging gateway in front of that step and goes on making the reports."""
    from app.models import ReportRecord
    from app.services.reports import archive
    from tests.helpers import retire_report_cycle

    retire_report_cycle()
    clock.freeze(shanghai(2026, 11, 24, 7, 0))  # Tue
    old = deploy((OLD_XML_PATH.parent / "report_cycle_before_merge.bpmn").read_text(encoding="utf-8"), "合并网关之前")
    cycle = archive.ensure_cycle()
    assert cycle.version_id == old.id
    clock.freeze(shanghai(2026, 11, 24, 8, 0, 1))
    sweep()  # 08:00 Tue: reports made, round again through 继续计时？
    made = db.session.scalar(select(func.count(ReportRecord.id)))
    assert made > 0 and cycle.next_timer_at == shanghai(2026, 11, 25, 8)
    target = deploy((ROOT / "processes" / "report_cycle.bpmn").read_text(encoding="utf-8"), "合并网关")

    [outcome] = migration.migrate([cycle.id], target.id, user("liucheng"))
    assert outcome.done, outcome.error
    db.session.refresh(cycle)
    assert cycle.version_id == target.id and cycle.next_timer_at == shanghai(2026, 11, 25, 8)
    clock.freeze(shanghai(2026, 11, 25, 8, 0, 1))
    sweep()
    assert db.session.scalar(select(func.count(ReportRecord.id))) > made, "Wednesday's report is made"
    assert cycle.next_timer_at == shanghai(2026, 11, 26, 8)
