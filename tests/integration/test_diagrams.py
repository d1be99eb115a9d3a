"""Deploying diagrams: Camunda Modeler's dialect runs; broken diagrams are refused with the element named."""

from datetime import timedelta
from pathlib import Path

import pytest

from app.engine import instances, specs
from app.engine.clock import clock
from app.engine.specs import DiagramError
from app.extensions import db
from app.models import ProcessVersion
from app.services.process import apply_snapshot
from app.services.timers import sweep

HERE = Path(__file__).resolve().parents[1]






def test_modeler_style_diagram_runs(app):
    xml = (HERE / "bpmn" / "camunda_modeler_style.bpmn").read_bytes()
    version = instances.deploy(xml)
    assert version.task_meta["approve"]["candidate_groups"] == ["'supervisor'"]
    instance, snap = instances.start("modeler_style", {})
    apply_snapshot(instance, None, snap)
    db.session.commit()
    assert [t.spec_name for t in snap.ready_tasks] == ["approve"]
    assert snap.ready_tasks[0].due_at == clock.now() + timedelta(hours=4)
    assert instance.next_timer_at == clock.now() + timedelta(hours=4), "unquoted PT4H works"
    clock.advance(timedelta(hours=4, seconds=1))
    assert sweep().fired == 1
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {"approved": False})
    assert snap.completed and snap.end_event == "不同意"


def _diagram(body: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="d" targetNamespace="x">
  <bpmn:process id="broken" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>""".encode()


def test_bad_condition_is_refused_naming_the_flow(app):
    xml = _diagram("""<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g"/>
      <bpmn:exclusiveGateway id="g"/>
      <bpmn:sequenceFlow id="bad_flow" sourceRef="g" targetRef="e">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">approved ==</bpmn:conditionExpression>
      </bpmn:sequenceFlow><bpmn:endEvent id="e"/>""")
    with pytest.raises(DiagramError) as err:
        instances.deploy(xml)
    assert "bad_flow" in str(err.value) and "表达式无法解析" in str(err.value)
    assert db.session.query(ProcessVersion).filter_by(process_key="broken").count() == 0


def test_user_task_without_candidates_is_refused(app):
    xml = _diagram("""<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>
      <bpmn:userTask id="orphan" name="无人任务"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
      <bpmn:endEvent id="e"/>""".replace('targetRef="t"', 'targetRef="orphan"').replace('sourceRef="t"',
                                                                                        'sourceRef="orphan"'))
    with pytest.raises(DiagramError) as err:
        specs.parse(xml)
    assert "orphan" in str(err.value) and "候选组" in str(err.value)




def test_redeploying_same_file_adds_no_version(app):
    directory = app.config["JIESU_PROCESS_DIR"]
    assert instances.deploy_directory(directory) == []
    assert instances.current_version("ticket_lifecycle").version == 1


def test_process_owner_uploads_a_new_version_and_sees_problems(app, browser):
    from io import BytesIO

    owner = browser("liucheng")
    bad = _diagram('<bpmn:startEvent id="s"/><bpmn:userTask id="lonely"/>')
    response = owner.post("/admin/processes", {"bpmn": (BytesIO(bad), "bad.bpmn")},
                          content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "lonely" in page and "流程图未部署" in page
    good = (Path(app.config["JIESU_PROCESS_DIR"]) / "ticket.bpmn").read_bytes()
    response = owner.post("/admin/processes", {"bpmn": (BytesIO(good), "ticket.bpmn"), "comment": "原样"},
                          content_type="multipart/form-data")
    assert "与当前版本相同，未部署" in response.get_data(as_text=True)
    assert instances.current_version("ticket_lifecycle").version == 1
    commented = good.replace(b"<bpmn:process ", "<!-- 只加了注释 -->\n<bpmn:process ".encode(), 1)
    response = owner.post("/admin/processes", {"bpmn": (BytesIO(commented), "ticket.bpmn"), "comment": "注释"},
                          content_type="multipart/form-data")
    assert "与当前版本相同，未部署" in response.get_data(as_text=True), "a comment does not change the diagram"
    good = good.replace('name="回访"'.encode(), 'name="电话回访"'.encode(), 1)
    response = owner.post("/admin/processes", {"bpmn": (BytesIO(good), "ticket.bpmn"), "comment": "调整时限"},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    assert instances.current_version("ticket_lifecycle").version == 2
    assert "调整时限" in owner.get("/admin/processes").get_data(as_text=True)
