"""A claim and a completion racing for the same unclaimed task: exactly one wins and the other is told;
the completion never overwrites the claimer from what it read before the claim committed."""

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import TicketEvent, WorkItem
from app.services import Conflict, ServiceError, completion, inbox
from tests.helpers import SIGN, new_ticket, open_item, user


def _claim_in_another_session(app, item_id, username, outcome):
    with app.app_context():
        try:
            inbox.claim(item_id, user(username))
            outcome["claim"] = "ok"
        except Conflict as exc:
            outcome["claim"] = str(exc)
        finally:
            db.session.remove()


def _signs(ticket_id):
    return db.session.scalar(select(func.count(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "task"))


def test_a_claim_committed_after_the_completion_read_the_task_wins(app, monkeypatch):
    ticket = new_ticket()
    item_id = open_item(ticket, "sign").id
    db.session.remove()
    outcome = {}
    real_check = completion._check_may_complete
    raced = []

    def read_then_a_claim(item, actor):
        # the completion has read the task unclaimed; zhiban's claim commits now, in its own session
        if not raced:
            raced.append(True)
            claimer = threading.Thread(target=_claim_in_another_session, args=(app, item_id, "zhiban", outcome))
            claimer.start()
            claimer.join()
        return real_check(item, actor)

    monkeypatch.setattr(completion, "_check_may_complete", read_then_a_claim)
    with pytest.raises(ServiceError) as refused:
        completion.complete_task(item_id, user("paidan"), completion.Submission(dict(SIGN), [["签收结果", "签收"]]))
    db.session.remove()

    assert outcome["claim"] == "ok", "the claimer was told 已认领, and that must be true"
    item = db.session.get(WorkItem, item_id)
    assert item.assignee.username == "zhiban", "the completion did not overwrite the claimer"
    assert item.state == "ready", "the task is still zhiban's to do"
    assert "认领" in str(refused.value) or "办理" in str(refused.value)
    assert _signs(ticket.id) == 0, "nothing of paidan's submission was saved"


def test_a_claim_arriving_while_a_completion_runs_gets_the_conflict(app, monkeypatch):
    ticket = new_ticket()
    item_id = open_item(ticket, "sign").id
    db.session.remove()
    outcome = {}
    real_handlers = completion.handlers_for
    claimers = []

    def handlers_then_a_claim(item):
        # the completion has taken the row; a claim starts now and must not succeed
        if not claimers:
            claimer = threading.Thread(target=_claim_in_another_session, args=(app, item_id, "zhiban", outcome))
            claimers.append(claimer)
            claimer.start()
        return real_handlers(item)

    monkeypatch.setattr(completion, "handlers_for", handlers_then_a_claim)
    completion.complete_task(item_id, user("paidan"), completion.Submission(dict(SIGN), [["签收结果", "签收"]]))
    claimers[0].join()
    db.session.remove()

    assert outcome["claim"] != "ok", "the claim answers with the conflict"
    assert "认领" in outcome["claim"] or "办理" in outcome["claim"]
    item = db.session.get(WorkItem, item_id)
    assert item.state == "completed" and item.assignee.username == "paidan" and item.completed_by.username == "paidan"
    assert _signs(ticket.id) == 1


pytestmark = pytest.mark.real_commits  # threads / schedulers with their own connections, NOTIFY at commit
