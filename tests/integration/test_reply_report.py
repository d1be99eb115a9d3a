"""回复上报: the reply reaches the platform when the flow passes 回复上报, wherever a process owner drew it."""

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.engine import instances
from app.extensions import db
from app.models import OutboxItem
from tests.helpers import APPROVE, complete, new_ticket, open_item, run_to

LEADER_TASK = ('<bpmn:userTask id="leader_approval" name="领导审批" camunda:candidateGroups="supervisor">'
               '<bpmn:incoming>flow_review_passed</bpmn:incoming><bpmn:outgoing>flow_leader_to_end</bpmn:outgoing>'
               '</bpmn:userTask>'
               '<bpmn:sequenceFlow id="flow_leader_to_end" sourceRef="leader_approval" targetRef="handling_end" />')


def _with_leader_approval() -> bytes:
    """ticket.bpmn with 领导审批 between 回复审核's 通过 and the end of the handling phase."""
    xml = (Path(current_app.config["JIESU_PROCESS_DIR"]) / "ticket.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('<bpmn:sequenceFlow id="flow_review_passed" name="通过" sourceRef="review_gateway" '
                      'targetRef="handling_end">',
                      '<bpmn:sequenceFlow id="flow_review_passed" name="通过" sourceRef="review_gateway" '
                      'targetRef="leader_approval">', 1)
    xml = xml.replace('<bpmn:incoming>flow_review_passed</bpmn:incoming>\n      </bpmn:endEvent>',
                      '<bpmn:incoming>flow_leader_to_end</bpmn:incoming>\n      </bpmn:endEvent>', 1)
    xml = xml.replace("    </bpmn:subProcess>", LEADER_TASK + "\n    </bpmn:subProcess>", 1)
    assert 'targetRef="leader_approval"' in xml and "flow_leader_to_end</bpmn:incoming>" in xml
    return xml.encode("utf-8")


def _replies(ticket) -> list[OutboxItem]:
    return list(db.session.scalars(select(OutboxItem).where(OutboxItem.ticket_id == ticket.id,
                                                            OutboxItem.kind == "reply")))


def test_the_reply_is_reported_when_the_reviewer_approves_in_the_shipped_diagram(app):
    ticket = new_ticket()
    run_to(ticket, "review")
    complete(ticket, "review", "shenhe", **APPROVE)
    db.session.expire_all()
    [reply] = _replies(ticket)
    assert ticket.replied_at is not None and ticket.reply_text and reply.payload["reply_text"] == ticket.reply_text


def test_a_leaders_approval_after_the_review_holds_the_reply_back_until_it_is_given(app, browser):
    instances.deploy(_with_leader_approval())
    ticket = new_ticket()
    run_to(ticket, "review")
    page = browser("shenhe").post(f"/tasks/{open_item(ticket, 'review').id}", APPROVE,
                                  follow_redirects=True).get_data(as_text=True)
    assert "审核通过：答复尚未上报" in page and "答复已上报平台" not in page
    db.session.expire_all()
    assert _replies(ticket) == [] and ticket.replied_at is None, "nothing reaches the platform yet"
    assert open_item(ticket, "leader_approval") is not None
    complete(ticket, "leader_approval", "zhuguan")
    db.session.expire_all()
    [reply] = _replies(ticket)
    assert ticket.replied_at is not None and reply.payload["reply_text"] == ticket.reply_text != ""
    assert open_item(ticket, "callback") is not None
