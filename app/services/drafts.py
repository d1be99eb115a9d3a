"""Modeler drafts (流程设计草稿): kept on the server per user and process, saved as they type,
so a closed tab or a crashed browser loses nothing. A draft need not deploy yet, but it is a BPMN 2.0
file: a DMN file or other XML is refused with the upload's words. A deploy removes the deployer's draft."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.engine import instances
from app.engine.clock import clock
from app.engine.specs import DiagramError, bpmn_root
from app.extensions import db
from app.models import ProcessDraft, ProcessVersion
from app.services import PermissionDenied, ServiceError, _
from app.services.uow import unit_of_work

MAX_BYTES = 5 * 1024 * 1024

BLANK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn"
                  exporter="Jiesu" exporterVersion="1">
  <bpmn:process id="{key}" name="新流程" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="开始" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{key}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _require(user) -> None:
    if not user.has_role("process_owner", "admin"):
        raise PermissionDenied(_("只有流程管理员可以设计流程。"))


def _find(user, process_key: str) -> ProcessDraft | None:
    return db.session.scalar(select(ProcessDraft).where(ProcessDraft.user_id == user.id,
                                                        ProcessDraft.process_key == process_key))


def open_for(user, process_key: str, version_id: int | None = None) -> dict:
    """The XML to edit: the user's draft, else the version asked for, else the current one, else blank."""
    _require(user)
    draft = _find(user, process_key)
    if draft is not None and version_id is None:
        return {"xml": draft.xml, "source": "draft", "saved_at": draft.updated_at}
    version = db.session.get(ProcessVersion, version_id) if version_id else (
        instances.current_version(process_key) if process_key else None)
    if version is not None:
        return {"xml": version.bpmn_xml, "source": "version", "version": version}
    if process_key:
        raise ServiceError(_("流程 %(key)s 尚未部署。", key=process_key))
    return {"xml": BLANK.format(key=f"Process_{secrets.token_hex(3)}"), "source": "blank"}


def save(user, process_key: str, xml: str) -> ProcessDraft:
    _require(user)
    if not isinstance(xml, str):
        raise ServiceError(_("草稿不是 BPMN XML，未保存。"))
    data = xml.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ServiceError(_("流程图超过 5 MB，未保存。"))
    try:  # a DMN file, another kind of XML: refused as the upload refuses it (a draft need not deploy yet)
        bpmn_root(data)
    except DiagramError as exc:
        raise ServiceError(_("%(reason)s；草稿未保存。", reason=exc.problems[0])) from exc
    now = clock.now()
    with unit_of_work():
        draft = _find(user, process_key)
        if draft is None:
            current = instances.current_version(process_key) if process_key else None
            draft = ProcessDraft(user_id=user.id, process_key=process_key, xml=xml, created_at=now, updated_at=now,
                                 base_version_id=current.id if current else None)
            db.session.add(draft)
        else:
            draft.xml, draft.updated_at = xml, now
    return draft


def forget(user, process_key: str) -> None:
    """Drop the user's draft (in the caller's transaction); also the blank-diagram draft after a first deploy."""
    for key in {process_key, ""}:
        draft = _find(user, key)
        if draft is not None and (key == process_key or f'id="{process_key}"' in draft.xml):
            db.session.delete(draft)


def discard(user, process_key: str) -> None:
    _require(user)
    with unit_of_work():
        draft = _find(user, process_key)
        if draft is not None:
            db.session.delete(draft)


def mine(user) -> list[ProcessDraft]:
    return list(db.session.scalars(select(ProcessDraft).where(ProcessDraft.user_id == user.id)
                                   .order_by(ProcessDraft.updated_at.desc())))
