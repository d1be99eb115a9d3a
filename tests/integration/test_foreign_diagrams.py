"""Diagrams drawn elsewhere (Camunda 7/8 Modeler, Flowable, Signavio, other encodings), one small file per
behaviour (tests/bpmn/foreign): what the deploy check and the dry run tell their process owner."""

from pathlib import Path

from app.services import deployment

FOREIGN = Path(__file__).resolve().parents[1] / "bpmn" / "foreign"


def diagram(name: str) -> bytes:
    return (FOREIGN / name).read_bytes()


def test_a_conditional_events_and_a_loops_juel_conditions_run(app):
    """${level == 'high' && rounds >= 3} on a conditional event was neither checked nor converted: the
    check passed, the diagram deployed, and the first instance failed on the condition's syntax."""
    xml = diagram("conditional_event_juel.bpmn")
    assert deployment.lint(xml).ok
    report = deployment.dry_run(xml, {})
    assert report.ok, report.problems
    assert report.completed and [t["element_id"] for t in report.user_tasks] == ["handle"]
    assert report.path.count("count") >= 3  # the loop ran until its ${rounds < 3} said stop


def test_a_conditional_events_condition_is_checked_like_a_gateways(app):
    found = [(p.element_id, p.message) for p in deployment.lint(diagram("conditional_event_java.bpmn")).errors]
    assert any(e == "when_high" and "Camunda 的 execution 对象在这里不存在" in m for e, m in found), found


def only_error(name: str) -> str:
    report = deployment.lint(diagram(name))
    assert len(report.errors) == 1, report.problems
    return report.errors[0].message


def test_a_file_in_another_encoding_is_said_to_be_one(app):
    """A GBK file without a declaration was 'XML 格式错误'; with the declaration it is read as GBK."""
    message = only_error("gbk_undeclared.bpmn")
    assert "不符合文件声明的编码" in message and "另存为 UTF-8" in message and 'encoding="GBK"' in message
    assert deployment.lint(diagram("gbk_declared.bpmn")).ok
    assert deployment.deploy(diagram("gbk_declared.bpmn")).name == "外区的审批流程"


def test_a_dmn_file_is_said_to_be_one(app):
    assert only_error("decision.dmn").startswith("这是 DMN 决策表文件，不是 BPMN 流程图")


def test_a_process_exported_not_executable_says_where_to_tick(app):
    """Signavio, ADONIS, Bizagi and bpmn.io export isExecutable="false"; the message says what to change."""
    xml = diagram("gbk_declared.bpmn").replace(b'isExecutable="true"', b'isExecutable="false"')
    assert "勾选“可执行”（Executable）" in deployment.lint(xml).errors[0].message


def dry_run_errors(name: str) -> list:
    return [p for p in deployment.dry_run(diagram(name), {}).problems if p.severity == "error"]


def test_a_dry_run_stopped_at_a_signal_or_a_condition_names_it(app):
    """Both ended as '流程停住了：没有可办理的任务，也没有等待中的定时器', naming neither the event nor the cause."""
    [problem] = dry_run_errors("signal_never_sent.bpmn")
    assert (problem.element_id, problem.element_name) == ("wait_alert", "等待全区预警")
    assert problem.message.startswith("流程在等待信号：全区预警，但流程中已没有步骤会发出它")
    [problem] = dry_run_errors("conditional_never_true.bpmn")
    assert problem.element_id == "when_high" and "level == 'low'" in problem.message
