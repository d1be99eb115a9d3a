"""The deploy check, the dry run and deploy hygiene, one small diagram per behaviour (tests/bpmn/safety)."""

import json
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest

from app.engine import instances
from app.engine.clock import clock
from app.engine.runtime import EngineError
from app.extensions import db
from app.models import Alert, ProcessVersion
from app.services import deployment
from app.services.process import apply_snapshot
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import retire_report_cycle

SAFETY = Path(__file__).resolve().parents[1] / "bpmn" / "safety"
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def diagram(name: str) -> bytes:
    return (SAFETY / f"{name}.bpmn").read_bytes()


def errors(name: str) -> list[tuple[str, str, str]]:
    return [(p.element_id, p.element_name, p.message) for p in deployment.lint(diagram(name)).errors]


@pytest.mark.parametrize(("name", "element", "reason"), [
    ("script_import", "run_os", "不允许导入模块"),
    ("script_dunder", "escape", "以下划线开头的名称 __import__"),
    ("condition_dunder", "to_a", "以下划线开头的属性"),
    ("timer_unknown_function", "wait", "未知的函数 add_workdayz()，是不是 add_workdays()"),
    ("timer_banana", "wait", "既不是 ISO 8601 日期、时长或重复周期"),
    ("timer_cron", "wait", "不支持 cron 表达式"),
    ("gateway_no_way_out", "route", "出口 to_b"),
    ("juel_method_calls", "to_a", "Camunda 的 execution 对象在这里不存在"),
    ("juel_method_calls", "to_b", "Camunda 的 dateTime() 在这里不存在"),
    ("plain_task", "call_back", "没有任何人能看到"),
    ("unknown_candidates", "approve", "候选组 management 不是任何角色、科室或用户"),
    ("unknown_candidates", "sign", "办理人 demo 不是系统中的用户。请填写“用户管理”中的用户名，或改用候选组"),
    ("unknown_candidates", "check", "候选人 wenhau 不是系统中的用户：是不是 wenhua？"),
    ("service_java", "by_class", 'camunda:class="org.example.SendMail"'),
    ("service_java", "by_delegate", "camunda:delegateExpression"),
    ("service_java", "by_topic", 'camunda:topic="send-sms"'),
    ("business_rule", "decide", "DMN"),
    ("script_groovy", "greet", "不支持 groovy 脚本"),
    ("reserved_ids", "End", "与引擎内部的名称冲突"),
    ("path_without_end", "record_reply", "元素没有出口，流程走到这里会停住而不办结"),
    ("unreachable_gateway", "callback_gateway", "元素没有入口，永远不会执行"),
    ("start_without_way_out", "start", "开始事件没有出口，流程一启动就结束"),
    ("boundary_without_way_out", "overdue", "边界事件没有出口，它触发后这条路径就停住了"),
])
def test_refused_with_element_name_and_chinese_reason(app, name, element, reason):
    found = errors(name)
    matching = [f for f in found if f[0] == element and reason in f[2]]
    assert matching, found
    assert matching[0][1], "the element's name is given too"
    with pytest.raises(deployment.DeployRefused):
        deployment.deploy(diagram(name))
    assert db.session.query(ProcessVersion).filter_by(process_key=name).count() == 0


def test_an_interrupting_event_subprocess_is_said_not_to_interrupt(app):
    """SpiffWorkflow 3.2 runs it without stopping the main flow: a warning names the start event; the diagram
    deploys, and an instance shows what the warning says (its task stays open after the timer)."""
    report = deployment.lint(diagram("interrupting_event_subprocess"))
    assert not report.errors, report.errors
    [warning] = [w for w in report.warnings if w.element_id == "ls"]
    assert "不会中断主流程" in warning.message and "isInterrupting" in warning.message
    deployment.deploy(diagram("interrupting_event_subprocess"))
    instance, snap = instances.start("evs", {}, business_key="evs")
    clock.freeze(clock.now() + timedelta(hours=2))
    snap = instances.fire_timers(instance)
    assert [r.spec_name for r in snap.ready_tasks] == ["work"] and not snap.completed


def test_elements_that_start_or_end_by_themselves_need_no_flow(app):
    problems = deployment.lint(diagram("flows_that_start_or_end_by_themselves")).problems
    assert not [p for p in problems if "没有入口" in p.message or "没有出口" in p.message], problems


def test_deleting_callback_from_the_ticket_diagram_is_refused_naming_what_it_leaves_hanging(app):
    """The modeler deletes a task with its flows: the path before it (its merging gateway) stops, the gateway after it is cut off."""
    from lxml import etree

    root = etree.fromstring(PROCESSES.joinpath("ticket.bpmn").read_bytes())
    bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    for node in list(root.iter(f"{bpmn}userTask", f"{bpmn}sequenceFlow")):
        if "callback" in (node.get("id"), node.get("sourceRef"), node.get("targetRef")):
            node.getparent().remove(node)
    found = {(p.element_id, p.message) for p in deployment.lint(etree.tostring(root)).errors}
    assert ("merge_callback", "元素没有出口，流程走到这里会停住而不办结：请连到下一步或结束事件") in found
    assert ("callback_gateway", "元素没有入口，永远不会执行：请从开始事件（或上一步）连一条顺序流到它") in found
    with pytest.raises(deployment.DeployRefused):
        deployment.deploy(etree.tostring(root))


def test_reserved_ids_no_longer_hide_behind_not_connected(app):
    messages = [m for _id, _name, m in errors("reserved_ids")]
    assert not any("没有连接到流程中" in m for m in messages)


def test_the_products_diagrams_pass_the_check_and_the_dry_run(app):
    for path in sorted(Path(app.config["JIESU_PROCESS_DIR"]).glob("*.bpmn")):
        report = deployment.lint(path.read_bytes())
        assert report.problems == [], (path.name, [str(p) for p in report.problems])
        run = deployment.dry_run(path.read_bytes())
        assert run.ok, (path.name, [str(p) for p in run.problems])
        assert run.completed or run.timers_repeat or run.problems, path.name


def test_dry_run_reports_path_timers_and_tasks_on_a_virtual_clock(app):
    xml = (Path(app.config["JIESU_PROCESS_DIR"]) / "ticket.bpmn").read_bytes()
    before = clock.now()
    run = deployment.dry_run(xml, {"received_at": "2026-11-25T10:00:00+08:00"})
    assert clock.now() == before, "the app's clock did not move"
    assert run.completed and run.end_event
    assert run.path[:2] == ["start", "compute_deadlines"] and "sign" in run.path  # (签收's response timer may fire first)
    # the dry run lets every timer fire before a user task completes: 催办 meets the ticket still at 签收
    urge = next(t for t in run.timers if t["element_id"] == "sign_urge_timer")
    assert urge["fired"] and urge["due"] == "2026-12-01T10:00:00+08:00"  # 7 working days less 3
    assert {"sign", "dispatch", "respond", "handle", "review", "callback"} <= {t["element_id"] for t in run.user_tasks}


def test_dry_run_finds_what_only_running_shows(app):
    assert deployment.lint(diagram("dry_run_bad_due")).ok
    run = deployment.dry_run(diagram("dry_run_bad_due"))
    assert not run.ok
    problem = run.problems[-1]
    assert problem.element_id == "work" and "到期时间" in problem.message and "下周一" in problem.message


def test_dry_run_stops_an_endless_script(app):
    run = deployment.dry_run(diagram("script_endless_loop"))
    assert not run.ok and run.problems[-1].element_id == "spin" and "死循环" in run.problems[-1].message


def test_a_script_building_data_deeper_than_the_engine_stores_fails_in_the_dry_run_as_at_start(app):
    """600 nested lists are small, but deeper than SpiffWorkflow's serializer recurses: the dry run
    answered 500 (a RecursionError outside the engine's errors) while starting an instance said why."""
    run = deployment.dry_run(diagram("script_deep_nesting"))
    assert not run.ok
    problem = run.problems[-1]
    assert problem.element_id == "nest" and "变量 x" in problem.message and "嵌套超过 100 层" in problem.message
    instances.deploy(diagram("script_deep_nesting"))
    with pytest.raises(EngineError) as err:
        instances.start("script_deep_nesting", {})
    assert err.value.element_id == "nest" and "嵌套" in str(err.value)


def test_a_script_leaving_a_value_no_process_data_can_hold_is_stopped_there_naming_the_variable(app):
    """x = {1, 2} passed the check and the dry run, deployed, and starting the process was a 500 (the work
    item's variables could not be written as JSON)."""
    run = deployment.dry_run(diagram("script_unstorable"))
    assert not run.ok
    problem = run.problems[-1]
    assert problem.element_id == "nest" and "变量 x 的值是集合（set）" in problem.message
    assert "请改用列表" in problem.message
    instances.deploy(diagram("script_unstorable"))
    with pytest.raises(EngineError) as err:
        instances.start("script_unstorable", {})
    assert err.value.element_id == "nest" and "汇总" in str(err.value) and "集合" in str(err.value)


def test_an_endless_script_deployed_anyway_stops_with_the_element_named(app):
    instances.deploy(diagram("script_endless_loop"))
    with pytest.raises(EngineError) as err:
        instances.start("script_endless_loop", {})
    assert err.value.element_id == "spin" and "死循环" in str(err.value)


def test_service_task_expression_calls_a_product_function(app):
    deployment.deploy(diagram("service_expression"))
    instance, snap = instances.start("service_expression", {"ticket_no": "T-9"})
    apply_snapshot(instance, None, snap)
    db.session.commit()
    assert snap.completed and snap.data["sent_at"].startswith("2026-11-25T10:00")
    assert db.session.query(Alert).filter_by(kind="提醒").one().message == "服务任务 T-9"


def test_due_dates_as_duration_date_and_expression(app):
    instances.deploy(diagram("due_dates"))
    instance, snap = instances.start("due_dates", {})
    assert snap.ready_tasks[0].due_at == clock.now() + timedelta(days=1)
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {})
    assert snap.ready_tasks[0].due_at == shanghai(2026, 12, 1, 17, 0)
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {})
    assert snap.ready_tasks[0].due_at == shanghai(2026, 11, 27, 10, 0)  # two working days after Wednesday


def test_a_due_date_counts_from_when_the_task_became_ready_not_from_each_later_save(app):
    """A save while the task waits (a reminder firing, a message) used to move P1D and add_workdays(now(), 2)
    on with the clock: the due time shown drifted away from the timer that counts the same."""
    instances.deploy(diagram("due_dates"))
    instance, snap = instances.start("due_dates", {})
    ready_at = clock.now()
    clock.freeze(ready_at + timedelta(hours=3))
    snap = instances.fire_timers(instance)  # a save with nothing due
    assert snap.ready_tasks[0].due_at == ready_at + timedelta(days=1)
    assert snap.ready_tasks[0].follow_up_at == ready_at + timedelta(hours=4)
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {})
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {})  # 两个工作日, ready at Wed 13:00
    assert snap.ready_tasks[0].due_at == shanghai(2026, 11, 27, 13, 0)
    clock.freeze(clock.now() + timedelta(days=1))
    assert instances.fire_timers(instance).ready_tasks[0].due_at == shanghai(2026, 11, 27, 13, 0)


def test_a_task_ready_before_the_instant_was_kept_counts_from_when_spiffworkflow_made_it_ready(app):
    """An instance saved by an earlier release has no kept instant: its open task's P1D counts from the
    task's own state change, not from the first save after the upgrade."""
    import json
    import time

    from app.models import ProcessInstance

    instances.deploy(diagram("due_dates"))
    instance, snap = instances.start("due_dates", {})
    ready_at = clock.now()
    db.session.add(instance)
    db.session.flush()
    state = json.loads(instance.state_json)
    five_hours_ago = time.time() - 5 * 3600  # (SpiffWorkflow's own stamp is real time)
    for each in state["tasks"].values():
        each["internal_data"].pop("jiesu_ready_at", None)  # as an earlier release saved it
        each["last_state_change"] = min(each["last_state_change"], five_hours_ago)
    instance.state_json = json.dumps(state)
    from app.engine import cache

    cache.clear()
    db.session.flush()
    clock.freeze(ready_at + timedelta(hours=5))
    due = instances.fire_timers(db.session.get(ProcessInstance, instance.id)).ready_tasks[0].due_at
    assert abs(due - (ready_at + timedelta(days=1))) < timedelta(seconds=5), due


def test_follow_up_dates_are_kept_on_the_work_item_and_shown_in_the_inbox(app, browser):
    """camunda:followUpDate (跟进时间 in the properties panel): 跟进 before it, 待跟进 once it has come."""
    from sqlalchemy import select

    from app.models import WorkItem

    instances.deploy(diagram("due_dates"))
    instance, snap = instances.start("due_dates", {})
    assert snap.ready_tasks[0].follow_up_at == clock.now() + timedelta(hours=4)
    apply_snapshot(instance, None, snap)
    db.session.commit()
    item = db.session.scalar(select(WorkItem).where(WorkItem.spec_name == "by_duration"))
    assert item.follow_up_at == clock.now() + timedelta(hours=4)
    page = browser("zhuguan").get("/?tab=claimable").get_data(as_text=True)
    assert "跟进 2026-11-25 (周三) 14:00" in page and "待跟进" not in page
    clock.freeze(clock.now() + timedelta(hours=5))
    page = browser("zhuguan").get("/?tab=claimable").get_data(as_text=True)
    assert "待跟进 2026-11-25 (周三) 14:00" in page
    # the next step sets none: nothing shown
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {})
    assert snap.ready_tasks[0].follow_up_at is None


def test_time_date_without_offset_is_beijing_time(app):
    retire_report_cycle()  # the seeded cycle would fire in the same sweeps
    instances.deploy(diagram("timer_date_without_offset"))
    instance, snap = instances.start("timer_date_without_offset", {})
    assert snap.next_timer_at == shanghai(2026, 11, 26, 9, 0)
    apply_snapshot(instance, None, snap)
    db.session.commit()
    clock.freeze(shanghai(2026, 11, 26, 8, 59))
    assert sweep().fired == 0
    clock.freeze(shanghai(2026, 11, 26, 9, 0, 1))
    assert sweep().fired == 1


def test_juel_string_literals_route_as_written(app):
    instances.deploy(diagram("juel_string_literals"))
    for data, end in [({"decision": "true", "label": "", "note": "", "code": ""}, "甲"),
                      ({"decision": "True", "label": "", "note": "", "code": ""}, "乙"),
                      ({"decision": "", "label": "gt", "note": "", "code": ""}, "甲"),
                      ({"decision": "", "label": "", "note": "empty box", "code": ""}, "甲"),
                      ({"decision": "", "label": "", "note": "", "code": "null"}, "甲")]:
        _instance, snap = instances.start("juel_string_literals", data)
        assert snap.end_event == end, data


def test_form_default_expression_and_juel_required_if(app, browser):
    from app.models import WorkItem

    instances.deploy(diagram("form_expressions"))
    instance, snap = instances.start("form_expressions", {})
    apply_snapshot(instance, None, snap)
    db.session.commit()
    item = db.session.query(WorkItem).filter_by(spec_name="review").one()
    boss = browser("zhuguan")
    page = boss.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert 'value="2026-11-30T10:00:00+08:00"' in page  # three working days after Wednesday
    response = boss.post(f"/tasks/{item.id}", {"decision": "退回", "reason": "", "follow_up": "x"})
    assert response.status_code == 422 and "请填写退回原因" in response.get_data(as_text=True)
    response = boss.post(f"/tasks/{item.id}", {"decision": "通过", "reason": "", "follow_up": "x"})
    assert response.status_code == 302


def test_lint_command_prints_one_line_per_problem_and_exits_1(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lint", str(SAFETY / "service_java.bpmn"), str(SAFETY / "due_dates.bpmn")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "service_java.bpmn: 错误" in line]
    assert len(lines) == 3 and all(line.split(": ", 1)[1].startswith("错误 by_") for line in lines)
    result = runner.invoke(args=["lint", str(SAFETY / "due_dates.bpmn")])  # drawn by hand: no layout, not startable
    assert result.exit_code == 0 and [line.split(": ", 1)[1][:20] for line in result.output.splitlines()] == [
        "提醒 文件没有图形布局（BPMN DI）", "提醒 due_dates（到期时间的三种"]


def test_lint_and_deploy_refuse_a_missing_file_or_a_folder_in_chinese(app, tmp_path):
    runner = app.test_cli_runner()
    for command in ("lint", "deploy"):
        result = runner.invoke(args=[command, str(tmp_path / "没有这个文件.bpmn")])
        assert result.exit_code == 2 and f"错误：文件 {tmp_path / '没有这个文件.bpmn'} 不存在" in result.output
        assert "Invalid value" not in result.output and "Error" not in result.output
    result = runner.invoke(args=["lint", str(tmp_path)])
    assert result.exit_code == 2 and "是文件夹，不是文件" in result.output


def test_lint_dry_run_prints_json(app):
    result = app.test_cli_runner().invoke(args=["lint", "--dry-run", str(SAFETY / "due_dates.bpmn")])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["ok"] and report["completed"]
    assert report["path"] == ["start", "by_duration", "by_date", "by_expression", "end"]
    assert [t["due"] for t in report["user_tasks"]][:2] == ["2026-11-26T10:00:00+08:00", "2026-12-01T17:00:00+08:00"]


def test_upload_page_gives_the_same_answers_as_lint(app, browser):
    owner = browser("liucheng")
    xml = diagram("unknown_candidates")
    response = owner.post("/admin/processes", {"bpmn": (BytesIO(xml), "x.bpmn"), "action": "lint"},
                          form_url="/admin/processes", content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    for problem in deployment.lint(xml).problems:
        assert problem.element_id in page and problem.message in page
    response = owner.post("/admin/processes", {"bpmn": (BytesIO(diagram("service_java")), "x.bpmn")},
                          form_url="/admin/processes", content_type="multipart/form-data")
    assert response.status_code == 422 and "camunda:class" in response.get_data(as_text=True)
    response = owner.post("/admin/processes", {"bpmn": (BytesIO(diagram("due_dates")), "x.bpmn"),
                                               "action": "dry_run"},
                          form_url="/admin/processes", content_type="multipart/form-data")
    assert "by_expression" in response.get_data(as_text=True) and 'id="dry-run"' in response.get_data(as_text=True)


def test_identical_file_is_not_a_new_version_and_download_returns_the_upload(app, browser):
    xml = diagram("due_dates").replace(b"<bpmn:definitions", b"<!-- as uploaded, with   spacing -->\n<bpmn:definitions")
    version = deployment.deploy(xml, comment="第一次")
    with pytest.raises(deployment.Unchanged, match="与当前版本相同，未部署"):
        deployment.deploy(xml)
    assert db.session.query(ProcessVersion).filter_by(process_key="due_dates").count() == 1
    response = browser("liucheng").get(f"/admin/processes/{version.id}.bpmn")
    assert response.data == xml
    assert browser("wenhua").get(f"/admin/processes/{version.id}.bpmn").status_code == 403


def test_uploads_over_5_mb_are_refused_before_parsing(app, browser):
    big = b"<?xml version='1.0'?>" + b" " * (deployment.MAX_UPLOAD_BYTES + 10)
    report = deployment.lint(big)
    assert not report.ok and "文件过大" in report.errors[0].message
    response = browser("liucheng").post("/admin/processes", {"bpmn": (BytesIO(big), "big.bpmn")},
                                        form_url="/admin/processes", content_type="multipart/form-data")
    assert response.status_code == 400 and "文件过大" in response.get_data(as_text=True)


def test_xml_external_entities_and_entity_bombs_are_not_expanded(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d">
  <bpmn:process id="xxe" name="&x;" isExecutable="true"><bpmn:startEvent id="s" name="&x;"/></bpmn:process>
</bpmn:definitions>""".encode()
    report = deployment.lint(xxe)
    assert "TOP-SECRET" not in json.dumps(report.as_dict(), ensure_ascii=False)
    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
            + ']><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
              '<bpmn:process id="bomb" name="&i;" isExecutable="true"/></bpmn:definitions>').encode()
    report = deployment.lint(bomb)  # returns at once, without expanding 10^9 characters
    assert len(json.dumps(report.as_dict())) < 10_000


def test_receive_task_waits_for_its_message(app):
    deployment.deploy(diagram("receive_task"))
    instance, _snap = instances.start("recv", {})
    assert instances.waiting_messages(instance) == ["done"]
    assert instances.send_message(instance, "done", {"ok": True}).completed
    no_message = diagram("receive_task").replace(b' messageRef="msg_done"', b"")
    assert any(p.element_id == "wait_done" and "messageRef" in p.message for p in deployment.lint(no_message).errors)


def test_typed_text_gets_a_maxlength_at_deploy_shown_and_computed_text_does_not(app):
    version = deployment.deploy(diagram("text_bounds"))
    limits = {f["id"]: f["validation"].get("maxlength") for f in version.task_meta["note"]["fields"]}
    assert limits == {"line": "200", "notes": "2000", "own_limit": "30", "shown": None, "computed": None}


def test_a_diagram_without_layout_deploys_with_a_warning_that_no_page_can_draw_it(app):
    report = deployment.lint(diagram("without_layout"))
    assert report.errors == []
    assert any("没有图形布局（BPMN DI）" in p.message for p in report.warnings), report.warnings
    assert not any("图形布局" in p.message for p in deployment.lint(
        PROCESSES.joinpath("ticket.bpmn").read_bytes()).problems)


CAMUNDA_8 = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler="http://camunda.org/schema/modeler/1.0"
  id="d" targetNamespace="http://bpmn.io/schema/bpmn" modeler:executionPlatform="Camunda Cloud">
  <bpmn:process id="c8" name="八版" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="dispatch" name="派单"><bpmn:extensionElements>
      <zeebe:assignmentDefinition candidateGroups="dispatcher"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:exclusiveGateway id="g" default="f3"/>
    <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="dispatch"/>
    <bpmn:sequenceFlow id="f2" sourceRef="dispatch" targetRef="g"/>
    <bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="e1"><bpmn:conditionExpression>=urgency = "紧急"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e2"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_camunda_8_file_is_named_as_such_and_feel_is_explained(app):
    report = deployment.lint(CAMUNDA_8.encode())
    messages = [p.message for p in report.errors]
    assert any("Camunda 8（Zeebe）格式" in m and "zeebe:assignmentDefinition" in m for m in messages), messages
    assert any("FEEL 写法（以 = 开头）" in m for m in messages), messages
    assert not any("invalid syntax" in m for m in messages)


def test_a_dtd_is_refused_as_such(app):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + diagram("without_layout").split(b"?>", 1)[1])
    with pytest.raises(deployment.DeployRefused) as refused:
        deployment.deploy(xxe)
    assert "DTD 或实体声明" in str(refused.value.report.errors[0].message)


@pytest.mark.parametrize(("script", "reason"), [
    ("x = ('a'", "括号没有闭合"),
    ("x = '工单", "字符串缺少结束引号"),
    ("if a = 1:\n    b = 2", "比较请用 =="),
    ("x = 1，2", "含有无效字符（中文标点请换成英文标点）"),
])
def test_script_syntax_errors_are_explained_in_chinese(app, script, reason):
    from app.engine import evaluator

    [message] = evaluator.problems(script, "exec")
    assert reason in message and not any(c.isascii() and c.isalpha() for c in message), message


def test_a_timer_of_ten_thousand_years_is_refused_at_once(app):
    """SpiffWorkflow adds a duration month by month: P99999999Y held a thread for minutes."""
    xml = diagram("poisoned_timer")
    found = [p.message for p in deployment.lint(xml.replace(b"PT1H", b"P99999999Y")).errors]
    assert found == ["定时器时长 P99999999Y 超过 100 年，不像有效的时限"]
    # computed at run time, the same refusal, said as the step's failure
    computed = xml.replace(b"<bpmn:timeDuration>PT1H</bpmn:timeDuration>",
                           b"<bpmn:timeDuration>'P' + '9' * 8 + 'Y'</bpmn:timeDuration>")
    run = deployment.dry_run(computed, {"poisoned": False})
    assert not run.ok and any("超过 100 年" in p.message for p in run.problems), [str(p) for p in run.problems]


def test_a_dry_run_failure_is_said_in_chinese_without_the_engines_english(app):
    run = deployment.dry_run(diagram("poisoned_timer"), {"poisoned": True})
    [problem] = [p for p in run.problems if p.element_id == "after_timer" and p.severity == "error"]
    assert "除数为零" in problem.message
    assert "ZeroDivisionError" not in problem.message and "division" not in problem.message



@pytest.mark.parametrize(("script", "reason"), [
    ("ratio = [1][5 if poisoned else 0]", "列表中没有这个位置（索引越界）"),
    ("assert not poisoned", "脚本中的 assert 条件不成立"),
])
def test_a_failure_of_any_kind_is_said_in_chinese_never_by_its_class_name(app, script, reason):
    xml = diagram("poisoned_timer").replace(
        b"ratio = 1 / (0 if poisoned else 1)", script.encode())
    run = deployment.dry_run(xml, {"poisoned": True})
    [problem] = [p for p in run.problems if p.element_id == "after_timer" and p.severity == "error"]
    assert problem.message.startswith(f"流程在步骤「定时器之后」出错：{reason}"), problem.message
    assert "Error" not in problem.message, problem.message

# -- what an earlier walk-through found: each refused with the element (or id) named, in Chinese -------------

@pytest.mark.parametrize(("name", "element", "reason"), [
    ("call_itself", "again", "调用活动会无限递归：它调用的就是自己所在的流程 call_itself"),
    ("call_each_other", "to_review", "它调用的流程 review_part 又经 review_part → call_each_other 调回了它所在的流程"),
    ("call_each_other", "back_to_main", "调用活动会无限递归"),
    ("multi_instance_too_many", "notify_all", "多实例的循环次数 5000 超过 1000 次的上限"),
    ("timer_dates_out_of_range", "too_early", "定时器日期 1926-12-01T09:00:00+08:00 早于 2000 年"),
    ("timer_dates_out_of_range", "too_late", "定时器日期 2226-12-01T09:00:00+08:00 在 100 年以后"),
    ("timer_negative_and_zero", "minus", "定时器时长 -PT1H 是负数"),
    ("timer_negative_and_zero", "zero", "定时器时长 PT0S 为零"),
    ("timer_negative_and_zero", "zero_cycle", "重复周期 R3/PT0M 的间隔为零"),
    ("timer_cycles", "every_second", "重复周期 R/PT1S 的间隔短于 1 分钟"),
    ("timer_cycles", "every_second_counted", "重复周期 R100000000/PT1S 的间隔短于 1 分钟"),
    ("timer_cycles", "every_ms_until", "重复周期 R/PT0.001S/2027-01-01T00:00:00+08:00 的间隔短于 1 分钟"),
    ("enum_values", "to_next", "把选择字段 decision 与“passed”比较，但“passed”不是它的选项（可选：“pass”、“return”）"),
    ("enum_values", "review", "表单字段 reason 的必填条件 \"${decision == '退回'}\" 把选择字段 decision 与“退回”比较"),
    ("parser_mistakes", "f3", "顺序流的终点 deleted_task 不存在"),
    ("parser_mistakes", "wait_reply", "引用的消息 reply_message 不存在"),
    ("parser_mistakes", "callback", "bpmn:userTsk 不是 BPMN 2.0 的元素"),
    ("subprocess_two_starts", "part", "子流程必须有且只有一个开始事件"),
    ("compensation", "cb", "不支持补偿事件（compensation）"),
])
def test_walk_through_findings_are_refused_in_chinese_naming_the_element(app, name, element, reason):
    found = errors(name)
    assert [f for f in found if f[0] == element and reason in f[2]], found
    for _id, _name, message in found:  # no English engine message: at most element ids and attribute names
        assert "Exception" not in message and "Error" not in message and "found" not in message, message
    with pytest.raises(deployment.DeployRefused):
        deployment.deploy(diagram(name))
    assert db.session.query(ProcessVersion).filter_by(process_key=name).count() == 0


def test_a_repeating_timer_without_a_count_is_a_warning_and_a_counted_hourly_one_passes(app):
    report = deployment.lint(diagram("timer_cycles"))
    warned = {p.element_id: p.message for p in report.warnings}
    assert warned["hourly_for_ever"].startswith("重复周期 R/PT1H 没有写次数"), warned
    assert not [p for p in report.problems if p.element_id == "hourly_ten"], report.problems


def test_a_cycle_shorter_than_a_minute_computed_at_run_time_stops_the_instance_in_chinese(app):
    """The check reads literals; a cycle taken from process data is bounded where the timer is set."""
    xml = diagram("timer_cycles")
    for literal in (b"R/PT1S", b"R100000000/PT1S", b"R/PT0.001S/2027-01-01T00:00:00+08:00", b"R10/PT1H"):
        xml = xml.replace(b">" + literal + b"<", b">cycle<")
    xml = xml.replace(b'<bpmn:startEvent id="start" name="\xe5\xbc\x80\xe5\xa7\x8b"/>',  # 开始, with the field it asks
                      '<bpmn:startEvent id="start" name="开始"><bpmn:extensionElements><camunda:formData>'
                      '<camunda:formField id="cycle" label="提醒周期" type="string"/></camunda:formData>'
                      '</bpmn:extensionElements></bpmn:startEvent>'.encode())
    short = [p for p in deployment.dry_run(xml, {"cycle": "R/PT5S"}).problems if p.severity == "error"]
    assert short and "重复周期 R/PT5S 的间隔短于 1 分钟" in short[0].message, short
    assert not [p for p in deployment.dry_run(xml, {"cycle": "R2/PT1M"}).problems if p.severity == "error"]


def test_a_call_activity_passes_and_takes_back_what_its_camunda_in_and_out_name(app):
    """camunda:in / camunda:out were ignored: the called process failed on start_value (变量不存在)."""
    report = deployment.lint(diagram("call_mapped"))
    assert report.ok and not [p for p in report.warnings if "start_value" in p.message or "result" in p.message], \
        [str(p) for p in report.problems]
    assert deployment.dry_run(diagram("call_mapped"), {}).ok
    instances.deploy(diagram("call_mapped"))
    _instance, snap = instances.start("call_mapped", {})
    assert [t.spec_name for t in snap.ready_tasks] == ["check"]
    data = snap.ready_tasks[0].data
    assert data["result"] == 9 and data["base"] == 3 and data["note"] == "只在调用方"  # 3 + 3 * 2; its own kept
    assert not {"start_value", "doubled", "sub_result", "scratch"} & set(data), data  # only what camunda:out names


def test_a_call_activity_mapping_a_variable_the_caller_lacks_passes_none_as_camunda_does(app):
    xml = diagram("call_mapped").replace(b'source="base"', b'source="missing"').replace(
        b"sub_result = start_value + doubled", b"sub_result = doubled if start_value is None else -1")
    run = deployment.dry_run(xml, {})
    assert run.ok, [str(p) for p in run.problems]
    instances.deploy(xml)
    _instance, snap = instances.start("call_mapped", {})
    assert snap.ready_tasks[0].data["result"] == 6


def test_the_dry_run_fills_the_start_form_as_a_person_starting_it_would(app):
    """The dry run knew only the sample: 分流 failed on amount (变量不存在) although the start form asks it."""
    run = deployment.dry_run(diagram("start_form_gateway"), {})
    assert run.ok, [str(p) for p in run.problems]
    assert "end" in run.path  # amount 0: the default flow
    run = deployment.dry_run(diagram("start_form_gateway"), {"amount": 5000})  # what the owner typed wins
    assert run.ok and "approve" in run.path, [str(p) for p in run.problems]


def test_a_namespace_address_with_a_space_is_read_as_modelers_read_it(app):
    """IBM Process Designer declares xmlns:Process=".../Collapsed Process": libxml2 refuses the space, the modeler
    drew the file, and saving the draft said only "XML 格式错误"."""
    xml = diagram("without_layout").replace(
        b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        b'xmlns:Process="http://www.ibm.com/xmlns/prod/bpm/bpmn/ext/Collapsed Process"')
    report = deployment.lint(xml)
    assert report.ok, [str(p) for p in report.problems]


def test_a_second_pool_is_said_not_to_run_instead_of_its_tasks_unconnected(app):
    """Its 承办 was "没有连接到流程中" although its own flows connect it: the reason is the pool."""
    found = errors("two_pools")
    pool = [f for f in found if f[0] == "pool_b"]
    assert len(pool) == 1 and "流程 pool_b 不会运行" in pool[0][2] and "pool_a" in pool[0][2], found
    assert not [f for f in found if f[0] in ("do", "do_more")], found


def test_duplicate_ids_are_refused_naming_the_id_and_both_elements(app):
    [problem] = [p for p in deployment.lint(diagram("duplicate_ids")).errors if p.element_id == "handle"]
    assert problem.message.startswith("id handle 被 2 个元素使用（userTask（办理）、userTask（复核））"), problem.message


def test_a_choice_compared_with_one_of_its_options_passes(app):
    fixed = diagram("enum_values").replace(b"'passed'", b"'pass'").replace(b"'\xe9\x80\x80\xe5\x9b\x9e'", b"'return'")
    assert deployment.lint(fixed).ok, [str(p) for p in deployment.lint(fixed).errors]


def _enum_findings(xml: bytes) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in deployment.lint(xml).problems:
        if "不是它的选项" in p.message:
            found.setdefault(p.element_id, []).append(p.message)
    return found


def test_a_choice_compared_in_the_usual_forms_is_judged_in_each(app):
    found = _enum_findings(diagram("enum_condition_forms"))
    expected = {"in_tuple": "passed", "either": "retrun", "negated": "escalated", "juel_eq": "上报", "as_text": "Pass"}
    assert sorted(found) == sorted(expected)
    for flow, value in expected.items():
        [message] = found[flow]
        assert f"把选择字段 decision 与“{value}”比较，但“{value}”不是它的选项（可选：“pass”、“return”、“escalate”）" in message
    assert found["juel_eq"][0].endswith("（“上报”是选项 escalate 显示的名称，条件里要写 'escalate'）")
    right = (diagram("enum_condition_forms").replace(b"'passed'", b"'return'").replace(b'"retrun"', b'"escalate"')
             .replace(b"'escalated'", b"'escalate'").replace("'上报'".encode(), b"'escalate'").replace(b"'Pass'", b"'pass'"))
    assert _enum_findings(right) == {}
    assert deployment.lint(right).ok, [str(p) for p in deployment.lint(right).errors]


def test_a_choice_a_script_also_sets_is_not_judged(app):
    assert _enum_findings(diagram("enum_set_by_script")) == {}
    assert deployment.lint(diagram("enum_set_by_script")).ok, [str(p) for p in deployment.lint(diagram("enum_set_by_script")).errors]


def test_comparisons_the_check_cannot_judge_are_not_refused(app):
    report = deployment.lint(diagram("enum_cannot_judge"))
    assert _enum_findings(diagram("enum_cannot_judge")) == {}
    assert report.ok, [str(p) for p in report.errors]


def test_an_untranslated_parser_message_is_said_in_chinese_without_the_english(app):
    from app.engine import specs

    reason = specs._spiff_reason(ValueError("Something unexpected in element Activity_1x"))
    assert "Something" not in reason and reason.startswith("流程引擎无法解析此元素")


def test_multi_instance_script_and_service_tasks_are_stored_and_run(app):
    """Deploying one was a 500 (its spec could not be serialized); now it deploys, runs, and its state reloads."""
    version = deployment.deploy(diagram("multi_instance_tasks"))
    assert version.process_key == "multi_instance_tasks"
    instance, snap = instances.start("multi_instance_tasks", {"rounds": 2})
    assert [t.spec_name for t in snap.ready_tasks] == ["next_step"]
    assert [title for title, _text in snap.notifications] == ["提醒", "提醒"]  # the sequential service task, twice
    from app.engine import cache

    db.session.commit()
    cache.clear()  # the next operation reads the stored state
    assert instances.complete_task(instance, snap.ready_tasks[0].guid, {}).completed


def test_a_parallel_multi_instance_of_more_than_1000_from_data_stops_with_its_element_named(app):
    assert deployment.lint(diagram("multi_instance_from_data")).ok
    instances.deploy(diagram("multi_instance_from_data"))
    with pytest.raises(EngineError) as err:
        instances.start("multi_instance_from_data", {"copies": 200_000})
    assert err.value.element_id == "fan_out" and "分发" in str(err.value)
    assert "多实例要创建 200000 个实例，超过 1000 个的上限" in str(err.value)
    _instance, snap = instances.start("multi_instance_from_data", {"copies": 3})
    assert [t.spec_name for t in snap.ready_tasks] == ["next_step"]


@pytest.mark.parametrize(("name", "variables", "tasks"), [
    ("multi_instance_cardinality_once", {"signers": 3}, ["countersign"] * 3),  # parallel user task
    ("multi_instance_sequential_cardinality_once", {"rounds": 3}, ["next_step"]),  # sequential script task
])
def test_a_loop_cardinality_is_evaluated_once_its_side_effects_happen_once(app, name, variables, tasks):
    """It was evaluated twice (the bound on instances, then the engine): notify() in it raised two alerts."""
    run = deployment.dry_run(diagram(name), variables)
    assert run.ok, [str(p) for p in run.problems]
    instances.deploy(diagram(name))
    for _each in range(2):  # the second instance reads the same stored spec
        _instance, snap = instances.start(name, variables)
        assert [t.spec_name for t in snap.ready_tasks] == tasks
        assert len(snap.notifications) == 1, snap.notifications


def test_a_completion_condition_reads_camundas_counters_and_ends_the_activity_early(app):
    """``${nrOfCompletedInstances >= 2}`` is how Camunda users end a multi-instance early: it passed the check with
    a warning, then every completion failed (变量 nrOfCompletedInstances 不存在) and the instance was stuck."""
    name = "multi_instance_completion"
    report = deployment.lint(diagram(name))
    assert not [p for p in report.problems if "nrOf" in p.message or "loopCounter" in p.message], report.problems
    assert deployment.dry_run(diagram(name), {}).ok
    instances.deploy(diagram(name))
    instance, snap = instances.start(name, {})
    for _round in range(2):  # in turn: the second of three ends it
        [task] = snap.ready_tasks
        assert task.spec_name == "in_turn"
        snap = instances.complete_task(instance, task.guid, {})
    assert [t.spec_name for t in snap.ready_tasks] == ["at_once"] * 3
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {})  # at once: the first ends it
    assert [t.spec_name for t in snap.ready_tasks] == ["after"]


def test_a_collection_gives_one_task_per_item_in_a_stored_version_as_in_the_dry_run(app):
    """A stored version came back with SpiffWorkflow's default classes, which ignore camunda:collection: the dry
    run passed and every real instance failed (数据类型不符)."""
    run = deployment.dry_run(diagram("multi_instance_collection"), {"reviewers": ["张三", "李四"]})
    assert run.ok, [str(p) for p in run.problems]
    instances.deploy(diagram("multi_instance_collection"))
    for reviewers in (["张三", "李四"], ["王五", "赵六", "孙七"]):  # instances run the spec as stored
        instance, snap = instances.start("multi_instance_collection", {"reviewers": reviewers})
        assert [t.data["reviewer"] for t in snap.ready_tasks] == reviewers
    for task in snap.ready_tasks:
        snap = instances.complete_task(instance, task.guid, {})
    assert snap.completed


def test_a_loop_cardinality_that_is_a_list_is_refused_in_chinese(app):
    instances.deploy(diagram("multi_instance_cardinality_list"))
    with pytest.raises(EngineError) as err:
        instances.start("multi_instance_cardinality_list", {"reviewers": ["张三", "李四"]})
    assert err.value.element_id == "countersign"
    assert "循环次数（loopCardinality）'reviewers' 得到 ['张三', '李四']，不是整数" in str(err.value)
    assert "camunda:collection" in str(err.value)


def test_a_collection_that_is_an_expression_is_refused_at_deploy(app):
    assert ("countersign", "会签", "集合（camunda:collection）'${reviewers[0:2]}' 只能写一个流程变量的名字（例如 reviewers 或 "
            "${reviewers}）：要先算出名单，请在前面用脚本任务把它存入一个变量") in errors("multi_instance_collection_expression")


def test_an_endless_loop_of_script_tasks_stops_that_instance_only(app):
    """After its timer, one instance loops tick -> again -> tick: the sweep stops it as an incident at 900
    elements, naming where it was; the other instances' timers fire and they go on."""
    from sqlalchemy import select

    from app.models import Incident, ProcessInstance, WorkItem
    from tests.helpers import new_ticket

    instances.deploy(diagram("script_loop_after_timer"))
    started = []
    for n, looping in enumerate((False, True, False)):
        ticket = new_ticket(f"T-LOOP-{n}")
        instance, snap = instances.start("script_loop_after_timer", {"looping": looping}, ticket.id)
        apply_snapshot(instance, ticket, snap)
        started.append(instance)
    db.session.commit()
    clock.advance(timedelta(hours=1, seconds=1))
    result = sweep()
    assert result.errors == 1 and result.fired == 2
    db.session.expire_all()
    incident = db.session.scalars(select(Incident)).one()
    assert incident.instance_id == started[1].id and incident.element_id == "again"  # where the 901st element is
    assert "流程在步骤「再来一次？」出错：一次操作执行了超过 900 个步骤" in incident.message
    for healthy in (started[0], started[2]):
        assert db.session.scalar(select(WorkItem).where(WorkItem.instance_id == healthy.id,
                                                        WorkItem.spec_name == "next_step")) is not None
    assert db.session.get(ProcessInstance, started[1].id).status == "error"


def test_a_dry_run_meeting_a_timer_far_away_stops_there_without_crashing(app):
    """9999-12-31 plus the dry run's second was no date: an OverflowError (a 500 on the modeler's 试运行)."""
    assert deployment.lint(diagram("timer_far_computed")).ok
    run = deployment.dry_run(diagram("timer_far_computed"))
    [problem] = [p for p in run.problems if p.element_id == "wait_far"]
    assert "定时器到期时间 9999-12-31T23:59:59+08:00 在 100 年以后" in problem.message
    assert run.path == ["start", "compute"] and not run.ok


def test_a_recursive_call_deployed_before_the_check_stops_at_20_levels_naming_the_call(app, monkeypatch):
    """Versions stored before recursion was refused still run: the nesting bound stops them, not the thread."""
    from app.engine.checks import safety

    monkeypatch.setattr(safety, "recursion", lambda root, report: None)
    instances.deploy(diagram("call_itself"))
    with pytest.raises(EngineError) as err:
        instances.start("call_itself", {})
    assert err.value.element_id == "again" and "嵌套超过 20 层" in str(err.value) and "再办一遍" in str(err.value)


def test_a_candidate_group_written_nearly_right_is_told_the_one_meant(app):
    """inspectors for inspector: the owner was told only that nobody could see the task."""
    xml = (SAFETY / "unknown_candidates.bpmn").read_text(encoding="utf-8").replace("management", "inspectors")
    (told,) = [p.message for p in deployment.lint(xml.encode()).errors if p.message.startswith("候选组")]
    assert "：是不是 inspector（检查员）？可用的候选组：dispatcher（派单员）" in told, told
    (by_name,) = [p.message for p in deployment.lint(xml.replace("inspectors", "检查员").encode()).errors
                  if p.message.startswith("候选组")]
    assert "：是不是 inspector（检查员）？" in by_name, by_name


def test_a_function_passed_to_a_script_function_or_bound_in_the_script_may_be_called(app):
    """def twice(f, v): return f(f(v)) was refused as 调用了未知的函数 f(); a real unknown one still is."""
    script = "def twice(f, v):\n    return f(f(v))\nx = twice(abs, -3)\ng = lambda h: h(2)\ny = g(abs)\nm = max\nz = m(1, 2)"
    xml = diagram("script_unstorable").replace(b"x = {1, 2}", script.encode())
    assert not [p.message for p in deployment.lint(xml).errors], deployment.lint(xml).errors
    instances.deploy(xml)
    instance, _snap = instances.start("script_unstorable", {})
    (item,) = [t for t in instances.snapshot(instance).ready_tasks]
    assert {k: item.data[k] for k in ("x", "y", "z")} == {"x": 3, "y": 2, "z": 2}
    refused = [p.message for p in deployment.lint(xml.replace(b"z = m(1, 2)", b"z = mx(1, 2)")).errors]
    assert any("未知的函数 mx()" in m for m in refused), refused
    # a parameter is callable inside its own function only
    refused = [p.message for p in deployment.lint(xml.replace(b"z = m(1, 2)", b"z = f(1)")).errors]
    assert any("未知的函数 f()" in m for m in refused), refused


def test_a_value_put_in_place_that_process_data_cannot_hold_is_named_not_a_500(app):
    """x = [1] in one script, x.append({2}) in the next: the script binds no variable, so the check after it
    saw nothing, and saving the next task's work item failed with a TypeError (a 500 in the web)."""
    run = deployment.dry_run(diagram("script_inplace_unstorable"))
    assert not run.ok
    assert "变量 x[1] 的值是集合（set）" in run.problems[-1].message
    instances.deploy(diagram("script_inplace_unstorable"))
    with pytest.raises(EngineError) as err:
        instances.start("script_inplace_unstorable", {})
    assert err.value.element_id == "look" and "流程数据无法保存" in str(err.value)
