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


def test_a_diagram_with_activitis_and_camundas_attributes_on_one_task_deploys_as_camundas_say(app):
    """Converted between Activiti and Camunda, each task carried both namespaces: the textual swap of Activiti's
    into Camunda's made one attribute twice, and the file was refused as 属性重复."""
    xml = diagram("activiti_and_camunda.bpmn")
    assert deployment.lint(xml).ok and not [p for p in deployment.lint(xml).warnings if "activiti" in p.message]
    report = deployment.dry_run(xml, {})
    assert report.ok and report.completed, report.problems
    assert [(t["element_id"], t["assignee"], t["candidate_groups"]) for t in report.user_tasks] == [
        ("approve", "zhuguan", ["supervisor"]), ("record", None, ["handler"])]  # record: Activiti's alone
    meta = deployment.deploy(xml).task_meta
    assert (meta["approve"]["form_key"], [f["id"] for f in meta["approve"]["fields"]]) == ("approval", ["approved"])
    assert [f["id"] for f in meta["record"]["fields"]] == ["note"]


def test_activitis_attribute_saying_otherwise_than_camundas_is_named_and_camundas_runs(app):
    xml = diagram("activiti_and_camunda_differ.bpmn")
    report = deployment.lint(xml)
    assert report.ok
    dropped = [(p.element_id, p.message.split("，")[0]) for p in report.warnings if "activiti" in p.message]
    assert dropped == [("approve", '同时写有 camunda:assignee="zhuguan" 和 activiti:assignee="paidan"'),
                       ("approve", '同时写有 camunda:formKey="approval" 和 activiti:formKey="old_approval"'),
                       ("approve", "同时写有 camunda:formData 和 activiti:formData")]
    assert "按 camunda:assignee 执行，activiti:assignee 不起作用" in report.warnings[0].message
    [task] = deployment.dry_run(xml, {}).user_tasks
    assert task["assignee"] == "zhuguan"
    version = deployment.deploy(xml)
    assert (version.task_meta["approve"]["form_key"], [f["id"] for f in version.task_meta["approve"]["fields"]]) == (
        "approval", ["approved"])
    assert len([w for w in version.check_warnings if "activiti:" in w]) == 3


def test_a_process_exported_not_executable_says_where_to_tick(app):
    """Signavio, ADONIS, Bizagi and bpmn.io export isExecutable="false"; the message says what to change."""
    xml = diagram("gbk_declared.bpmn").replace(b'isExecutable="true"', b'isExecutable="false"')
    assert "勾选“可执行”（Executable）" in deployment.lint(xml).errors[0].message


def dry_run_errors(name: str) -> list:
    return [p for p in deployment.dry_run(diagram(name), {}).problems if p.severity == "error"]


def test_a_dry_run_stopped_at_a_signal_or_a_condition_names_it(app):
    """Both ended as '流程停住了：没有可办理的任务，也没有等待中的定时器', naming neither the event nor the cause."""
    [problem] = dry_run_errors("signal_sent_too_late.bpmn")
    assert (problem.element_id, problem.element_name) == ("wait_alert", "等待全区预警")
    assert problem.message.startswith("流程在等待信号：全区预警，但流程中已没有步骤会发出它")
    [problem] = dry_run_errors("conditional_never_true.bpmn")
    assert problem.element_id == "when_high" and "level == 'low'" in problem.message


def test_a_signal_nothing_in_the_file_sends_is_refused(app):
    """It passed the check and deployed: every instance would have waited at it for ever."""
    found = [(p.element_id, p.message) for p in deployment.lint(diagram("signal_never_sent.bpmn")).errors]
    assert found == [("wait_alert", "等待的信号 全区预警 在此文件中没有任何地方发出（本系统不在流程之间传递信号），它会永远等待："
                                    "请在同一流程中用信号抛出事件发出它，或改用消息事件")]
    sent = diagram("signal_never_sent.bpmn").replace(
        b'<bpmn:endEvent id="end"',
        b'<bpmn:intermediateThrowEvent id="send"><bpmn:signalEventDefinition signalRef="alert_signal"/>'
        b'</bpmn:intermediateThrowEvent><bpmn:sequenceFlow id="f9" sourceRef="start" targetRef="send"/>'
        b'<bpmn:sequenceFlow id="f10" sourceRef="send" targetRef="end"/><bpmn:endEvent id="end"')
    assert not [p for p in deployment.lint(sent).errors if "信号" in p.message]


def test_a_process_that_starts_on_a_signal_is_refused(app):
    xml = diagram("signal_never_sent.bpmn").replace(b'<bpmn:startEvent id="start"', b'<bpmn:startEvent id="start_1"').replace(
        b'<bpmn:endEvent id="end"', b'<bpmn:startEvent id="start"><bpmn:signalEventDefinition signalRef="alert_signal"/>'
        b'</bpmn:startEvent><bpmn:endEvent id="end"')
    assert any(p.element_id == "start" and "流程永远不会开始" in p.message for p in deployment.lint(xml).errors)


def test_an_unnamed_flow_out_of_a_gateway_is_named_by_its_id_apart_from_the_text(app):
    found = {p.message for p in deployment.lint(diagram("unnamed_gateway_flows.bpmn")).errors}
    assert "出口 EAID_to_a 既没有条件，也不是默认出口：请加条件或把它设为默认出口" in found, found


def test_a_flowable_diagram_deploys_with_its_groups_due_date_and_form_as_flowables_attributes_say(app):
    """flowable:candidateGroups / assignee / formKey / dueDate and flowable:formProperty were not read: each task
    was refused as 没有设置候选组或办理人, and (had it passed) would have had no form fields."""
    xml = diagram("flowable_venue_check.bpmn")
    report = deployment.lint(xml)
    assert report.ok, report.problems
    assert [(p.element_id, p.message.split("：")[0]) for p in report.warnings] == [
        ("siteCheck", "表单字段 flowable:formProperty fineAmount（罚款金额（元））的类型 double 不受支持（表单支持 string、long、"
                      "boolean、date、enum）"),
        ("venueComplaintCheck", "部署后没有地方会发起这个流程")]  # (neither the product nor 发起流程 starts it)
    assert '<flowable:properties><flowable:property name="startable" value="true" />' in report.warnings[1].message
    run = deployment.dry_run(xml, {})
    assert run.ok and run.completed and run.end_event == "处理完毕", run.problems
    assert [(t["element_id"], t["candidate_groups"], t["assignee"], bool(t["due"])) for t in run.user_tasks] == [
        ("siteCheck", ["inspector"], None, True), ("decide", [], "zhuguan", False)]  # the ${checkResult …} flow taken
    assert [t["element_id"] for t in run.timers] == ["siteCheckOverdue"]
    assert run.timers[0]["due"] == run.user_tasks[0]["due"]  # flowable:dueDate P3D, the boundary timer P3D
    meta = deployment.deploy(xml).task_meta
    check = meta["siteCheck"]
    assert (check["form_key"], check["candidate_groups"], check["due_date"]) == ("siteCheckForm", ["'inspector'"], "'P3D'")
    assert [(f["id"], f["type"], f["label"], "required" in f["validation"]) for f in check["fields"]] == [
        ("venueName", "string", "场所名称", True), ("checkResult", "enum", "核查结论", True),
        ("checkedAt", "date", "核查时间", True), ("peopleCount", "long", "在场人数", False),
        ("needRectify", "boolean", "是否责令整改", False), ("fineAmount", "string", "罚款金额（元）", False)]
    assert check["fields"][1]["options"] == [["confirmed", "属实"], ["partly", "部分属实"], ["unfounded", "不属实"]]
    assert check["fields"][3]["default"] == "0"
    shown = meta["decide"]["fields"][1]  # expression="${venueName}" writable="false": the site's name, read only
    assert (shown["id"], shown["label"], shown["default"], list(shown["validation"])) == (
        "venueName", "场所", "${venueName}", ["readonly"])
    assert meta["superviseCheck"]["candidate_groups"] == ["'supervisor'"]


def test_who_does_a_task_written_in_a_namespace_nobody_reads_is_named(app):
    xml = diagram("flowable_venue_check.bpmn").replace(b"http://flowable.org/bpmn", b"http://example.gov.cn/bpmn")
    found = [(p.element_id, p.message) for p in deployment.lint(xml).errors if "候选组" in p.message]
    assert found[0] == ("siteCheck", "没有设置候选组或办理人，这个任务没有人能看到（写有 flowable:candidateGroups，但它的命名空间 "
                                     "http://example.gov.cn/bpmn 本系统不认识；本系统读 Camunda 的 camunda:candidateGroups，"
                                     "也读 Activiti 和 Flowable 的）")
    assert len(found) == 3


def test_an_activiti_tasks_form_properties_become_its_form(app):
    """activiti:formProperty was not read: the task deployed with no form fields and no word about it."""
    from wtforms import BooleanField, DateTimeLocalField, IntegerField, StringField

    from app.forms.builder import ChoiceField, build_form_class

    xml = diagram("flowable_venue_check.bpmn").replace(b"http://flowable.org/bpmn", b"http://activiti.org/bpmn") \
        .replace(b"flowable:", b"activiti:").replace(b"xmlns:flowable=", b"xmlns:activiti=")
    warnings = [p.message for p in deployment.lint(xml).warnings if "startable" not in p.message]
    assert len(warnings) == 1 and warnings[0].startswith("表单字段 activiti:formProperty fineAmount（罚款金额（元））的类型 double")
    meta = deployment.deploy(xml).task_meta["siteCheck"]
    with app.test_request_context():
        form = build_form_class(("activiti", "siteCheck"), meta["fields"])(meta={"csrf": False})
    kinds = {name: type(form[name]) for name in ("venueName", "checkResult", "checkedAt", "peopleCount", "needRectify",
                                                 "fineAmount")}
    assert kinds == {"venueName": StringField, "checkResult": ChoiceField, "checkedAt": DateTimeLocalField,
                     "peopleCount": IntegerField, "needRectify": BooleanField, "fineAmount": StringField}
    assert [name for name in kinds if form[name].flags.required] == ["venueName", "checkResult", "checkedAt"]
    assert form["checkResult"].choices == [("confirmed", "属实"), ("partly", "部分属实"), ("unfounded", "不属实")]
    assert (form["peopleCount"].data, str(form["venueName"].label.text)) == (0, "场所名称")


# Real diagrams by other organisations (Flowable's and Activiti's own examples, Apache License 2.0): where each came
# from, at which commit, and what a process owner here changed is written at the top of each file.

def test_flowables_financial_report_example_says_who_does_each_task_in_bpmns_potential_owner(app):
    """FinancialReportProcess names its groups only in <potentialOwner>: each task was refused as 没有设置候选组或办理人."""
    xml = diagram("flowable_financial_report.bpmn20.xml")
    assert deployment.lint(xml).ok
    run = deployment.dry_run(xml, {})
    assert run.ok and run.completed, run.problems
    assert [(t["element_id"], t["candidate_groups"]) for t in run.user_tasks] == [
        ("writeReportTask", ["analyst"]), ("verifyReportTask", ["supervisor"])]
    published = deployment.lint(diagram("flowable_vacation_request_as_published.bpmn20.xml"))  # management: no group here
    (told,) = [p.message for p in published.errors if p.element_id == "handleRequest"]
    assert told.startswith("候选组 management 不是任何角色、科室或用户，这个任务没有人能看到。可用的候选组：")
    assert "supervisor（主管）" in told and "inspector（检查员）" in told, "what the owner may write instead"
    assert not [p for p in published.errors if p.element_id == "adjustVacationRequestTask"]  # ${employeeName}: read


def test_an_activiti_or_flowable_files_refusals_name_its_attributes_and_advice_as_written_there(app):
    """The Activiti Designer's Twitter demo was told 服务任务使用 camunda:class、camunda:type and Flowable's user task
    model 不支持 camunda:taskListener: names its owner would search the file for in vain."""
    found = {(p.element_id, p.message.split("：")[0]) for p in deployment.lint(diagram("activiti_twitter_designer.bpmn20.xml")).problems}
    assert ("Publish_on_Twitter_3", '服务任务使用 activiti:class="com.camunda.fox.demo.twitter.TweetContentDelegate"') in found
    assert ("Send_rejection_notification_via_email__3", '服务任务使用 activiti:type="mail"') in found
    assert [m for e, m in found if e == "new_tweet_3"][0].startswith("activiti:initiator")
    twitter = {p.element_id: p.message for p in deployment.lint(diagram("activiti_twitter_designer.bpmn20.xml")).errors}
    assert "请改用 activiti:expression 调用产品提供的函数" in twitter["Publish_on_Twitter_3"]
    found = [p.message for p in deployment.lint(diagram("flowable_user_task_model.bpmn")).errors if "监听器" in p.message]
    assert found == ["不支持 flowable:executionListener（监听器不会运行）：请用脚本任务或服务任务表达式",
                     "不支持 flowable:taskListener（监听器不会运行）：请用脚本任务或服务任务表达式"]
    assert not [p for p in deployment.lint(diagram("flowable_user_task_model.bpmn")).problems if "camunda:" in p.message]


def test_an_empty_expression_is_refused_naming_it(app):
    """Activiti's activiti:assignee="${}" raised SyntaxError out of the check: the upload page answered 500."""
    [problem] = deployment.lint(diagram("activiti_invalid_expression.bpmn20.xml")).errors
    assert (problem.element_id, problem.message) == ("task", "办理人 '${}' 是空的（${} 里没有内容）：请在 ${} 里写上变量名或表达式，或删除它")


def test_a_loop_nothing_leaves_and_nothing_waits_in_is_refused(app):
    """Activiti's endless-loop example (a service task whose only flow leads back to it) passed the check, and the dry
    run (as the first instance would) died of RecursionError in SpiffWorkflow's look-ahead: the page answered 500."""
    xml = diagram("activiti_endless_loop.bpmn20.xml")
    [problem] = deployment.lint(xml).errors
    assert (problem.element_id, problem.message.split("：")[0]) == (
        "serviceTask", "顺序流从 serviceTask 连回它自己，没有一条出口通向结束事件，中间也没有等待的步骤")
    assert not deployment.dry_run(xml, {}).ok
    two = xml.replace(b'sourceRef="serviceTask" targetRef="serviceTask" />',
                      b'sourceRef="serviceTask" targetRef="other" /><scriptTask id="other" scriptFormat="python"><script>'
                      b'n = 1</script></scriptTask><sequenceFlow id="back" sourceRef="other" targetRef="serviceTask" />')
    found = [p.message.split("，")[0] for p in deployment.lint(two).errors]
    assert found == ["顺序流在 serviceTask、other 之间循环"], found
    waits = xml.replace(b'<serviceTask id="serviceTask" activiti:expression="someExpression"/>',
                        b'<userTask id="serviceTask" activiti:candidateGroups="supervisor"/>')
    assert deployment.lint(waits).ok  # a loop that waits for a person is the process's own business


def test_a_process_the_engine_cannot_even_start_is_an_engine_error_naming_the_step(app):
    """Had such a loop reached the engine (deployed before this check), RecursionError left Runtime.new unwrapped."""
    import pytest

    from app.engine import dialect, foreign, runtime, specs

    root = dialect.parse_xml(diagram("activiti_endless_loop.bpmn20.xml"))
    foreign.adopt_camunda(root)
    parser = specs.JiesuCamundaParser()
    parser.add_bpmn_xml(dialect.parse_xml(dialect.normalise(root)), filename="x.bpmn")
    engine = runtime.Runtime(None, None, {}, None, {}, specs=(parser.get_spec("endlessloop"), {}))
    with pytest.raises(runtime.EngineError, match="递归过深") as raised:
        engine.new({})
    assert raised.value.element_id == "serviceTask"


def test_activitis_review_sales_lead_runs_for_the_person_who_started_it(app):
    """activiti:initiator was never set: ${initiator} as the first task's assignee failed, so the example (with
    its subprocess, parallel reviews and error boundary) could not run; a process started by hand now has a starter."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User, WorkItem
    from app.services import process_start

    xml = diagram("activiti_review_sales_lead.bpmn20.xml")
    report = deployment.lint(xml)
    assert report.ok and not [p for p in report.warnings if "initiator" in p.message], report.problems
    run = deployment.dry_run(xml, {})
    assert run.ok and run.completed and run.end_event == "processEnd", run.problems
    assert run.user_tasks[0]["assignee"] == "dryrun"
    deployment.deploy(xml)
    wenhua = db.session.scalar(select(User).where(User.username == "wenhua"))
    instance = process_start.start(wenhua, "reviewSaledLead", {}, [])
    item = db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance.id))
    assert (item.spec_name, item.assignee.username) == ("provideNewSalesLead", "wenhua")


def test_a_process_nobody_starts_is_said_with_how_to_mark_it_startable_in_its_own_dialect(app):
    published = deployment.lint(diagram("flowable_vacation_request_as_published.bpmn20.xml"))
    [said] = [p for p in published.warnings if p.element_id == "vacationRequest"]
    assert said.message.startswith("部署后没有地方会发起这个流程：它不是系统自己发起的流程（工单、现场检查等），也没有标记为可手动发起")
    assert '<activiti:properties><activiti:property name="startable" value="true" /></activiti:properties>' in said.message
    assert not [p for p in deployment.lint(diagram("flowable_vacation_request.bpmn20.xml")).warnings
                if p.element_id == "vacationRequest"]  # marked startable
