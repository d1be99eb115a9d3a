"""A process without a name is listed once by its id, not as "Process_1 Process_1"."""

import re

from app.extensions import db
from app.services import deployment

UNNAMED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://jiesu.test/bpmn">
  <bpmn:process id="Process_1" isExecutable="true" camunda:isStartableInTasklist="true">
    <bpmn:extensionElements><camunda:properties><camunda:property name="startable" value="true"/></camunda:properties>
    </bpmn:extensionElements>
    <bpmn:startEvent id="s"/><bpmn:userTask id="t" name="审批" camunda:candidateGroups="supervisor"/><bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_an_unnamed_process_is_named_once_by_its_id(app, browser):
    deployment.deploy(UNNAMED)
    db.session.commit()
    owner = browser("liucheng")
    for url in ("/processes/", "/processes/Process_1", "/modeler/", "/admin/processes"):
        page = owner.get(url).get_data(as_text=True)
        text = re.sub(r"<[^>]+>", " ", page)
        assert "Process_1" in text, url
        assert not re.search(r"Process_1\s+Process_1", text), url
