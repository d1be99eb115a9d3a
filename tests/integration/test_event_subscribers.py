"""Guarded subscribers: a fault is undone alone and raises an alert; ``when`` skips one with nothing to do."""

from sqlalchemy import event, select

from app import wiring
from app.extensions import db
from app.models import Alert
from app.services import ServiceError, events
from app.services.events import TicketCreated
from tests.helpers import new_ticket


def test_a_guarded_subscriber_runs_in_a_savepoint_only_when_it_has_something_to_do(app, monkeypatch):
    ticket = new_ticket()
    calls = []
    w = wiring.Wiring()
    w.subscribe(TicketCreated, lambda e: calls.append("idle"), guard=("x", "x"), when=lambda e: False)
    w.subscribe(TicketCreated, lambda e: calls.append("busy"), guard=("x", "x"), when=lambda e: True)

    def failing(_event):
        raise KeyError("section")  # a fault of the code: its English text stays in the server log

    def refusing(_event):
        raise ServiceError("规则坏了")  # a service's own words reach the alert

    w.subscribe(TicketCreated, failing, guard=("规则出错", "规则未执行"))
    w.subscribe(TicketCreated, refusing, guard=("规则拒绝", "规则未执行"))
    monkeypatch.setattr(wiring, "current", lambda: w)
    savepoints = []

    def listener(_session, transaction):
        if transaction.nested:
            savepoints.append(1)

    session = db.session()
    event.listen(session, "after_transaction_create", listener)
    try:
        events.publish(TicketCreated(ticket, None))
        db.session.commit()
    finally:
        event.remove(session, "after_transaction_create", listener)

    assert calls == ["busy"]
    assert len(savepoints) == 3, "the busy subscriber and the two failing ones; none for the idle one"
    alert = db.session.scalar(select(Alert).where(Alert.kind == "规则出错"))
    assert alert is not None and alert.message == "规则未执行：键不存在"
    refused = db.session.scalar(select(Alert).where(Alert.kind == "规则拒绝"))
    assert refused.message == "规则未执行：规则坏了"
