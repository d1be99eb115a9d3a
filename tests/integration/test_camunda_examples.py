"""Diagrams from Camunda's own examples: they deploy and run, or are refused with element and Chinese reason."""

import html
from io import BytesIO
from pathlib import Path

import pytest

from app.engine import instances
from app.extensions import db
from app.models import User, WorkItem
from app.services import deployment
from app.services.process import apply_snapshot

EXAMPLES = Path(__file__).resolve().parents[1] / "bpmn" / "camunda_examples"

REFUSED = {
    "TwitterDemoProcess.bpmn": ("service_task_send_rejection_notification", "camunda:delegateExpression"),
    "order-handling.bpmn": ("Task_06z99p1", 'camunda:topic="invoiceCreator"'),
    "invokeRestService.bpmn": ("ServiceTask_1", "Camunda Connector"),
    "spinJavascript.bpmn": ("ScriptTask_1", "不支持 javascript 脚本"),
    "parse-bpmn-process.bpmn": ("scriptTask", "不支持 groovy 脚本"),
    "job-announcement.bpmn": ("mail", "不支持 JUEL 方法调用 jobAnnouncementService.notifyAboutPostings()"),
    "mainProcessCallActivity.bpmn": ("", "调用的流程 subProcess 不在此文件中"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_naming_the_element(app, browser, name):
    element, reason = REFUSED[name]
    xml = (EXAMPLES / name).read_bytes()
    report = deployment.lint(xml)
    assert any(reason in p.message and (p.element_id == element or not element) for p in report.errors), \
        [str(p) for p in report.problems]
    for problem in report.problems:
        assert "Traceback" not in problem.message and "Error:" not in problem.message

    response = browser("liucheng").post("/admin/processes", {"bpmn": (BytesIO(xml), name)},
                                        form_url="/admin/processes", content_type="multipart/form-data")
    assert response.status_code == 422 and reason in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(("name", "key"), [("loanApproval.bpmn", "embeddedFormsQuickstart"),
                                           ("invoiceApproval.bpmn", "camundaFormsQuickstart")])
def test_deploys_and_runs(app, name, key):
    xml = (EXAMPLES / name).read_bytes()
    assert any("demo 不是系统中的用户" in p.message for p in deployment.lint(xml).errors)
    demo = User(username="demo", name="Demo", roles="handler")
    demo.set_password("x")
    db.session.add(demo)
    db.session.commit()
    report = deployment.lint(xml)
    assert report.ok and any("外部表单" in p.message for p in report.warnings)
    deployment.deploy(xml)
    instance, snap = instances.start(key, {})
    apply_snapshot(instance, None, snap)
    db.session.commit()
    item = db.session.query(WorkItem).filter_by(instance_id=instance.id).one()
    assert item.assignee_id == demo.id and item.title in ("Approve Request", "Approve Invoice")
    snap = instances.complete_task(instance, item.task_guid, {})
    assert snap.completed
