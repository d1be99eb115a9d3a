"""Non-interrupting message boundary events (tests/bpmn/message_boundary.bpmn).

SpiffWorkflow 3.2 fires such an event once and then stops listening; the engine's
RepeatingBoundaryEvent keeps it listening while the activity runs, as BPMN (and Camunda) do.
"""

from pathlib import Path

import pytest

from app.engine import instances
from app.engine.runtime import NotWaiting
from app.extensions import db

HERE = Path(__file__).resolve().parents[1]


@pytest.fixture
def instance(app):
    instances.deploy((HERE / "bpmn" / "message_boundary.bpmn").read_bytes())
    inst, snap = instances.start("message_boundary", {})
    db.session.commit()
    assert [t.spec_name for t in snap.ready_tasks] == ["work"]
    return inst


def test_every_message_runs_the_branch_and_the_activity_goes_on(instance):
    assert instances.waiting_messages(instance) == ["ping"]
    for n in range(1, 4):
        snap = instances.send_message(instance, "ping", {"text": f"第{n}次催办"})
        db.session.commit()
        assert snap.notifications == [("催办", f"第{n}次催办")], "the branch ran with this message's payload"
        assert [t.spec_name for t in snap.ready_tasks] == ["work"], "the activity is not interrupted"
        assert instances.waiting_messages(instance) == ["ping"], "and the event listens again"
        assert not snap.completed


def test_the_event_stops_listening_when_the_activity_ends(instance):
    snap = instances.send_message(instance, "ping", {"text": "催办"})
    snap = instances.complete_task(instance, snap.ready_tasks[0].guid, {})
    assert snap.completed
    assert snap.end_event == "完成", "the branch's end event is a side branch, not the outcome"
    with pytest.raises(NotWaiting):
        instances.send_message(instance, "ping", {"text": "太晚了"})


def test_a_message_nobody_waits_for_is_refused(instance):
    with pytest.raises(NotWaiting):
        instances.send_message(instance, "pong", {"text": "?"})
    assert instances.waiting_messages(instance) == ["ping"]
