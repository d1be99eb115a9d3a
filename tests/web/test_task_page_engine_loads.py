"""A task form is shown without loading its workflow (the variables it needs are kept on the work item
at every save), and a submission reads the workflow at most once, from this process's cache when it
saved the instance last."""

import pytest

from app.engine import cache, instances
from app.engine.runtime import Runtime
from app.extensions import db
from app.services.tickets import ticket_instance
from tests.helpers import APPROVE, DISPATCH, HANDLE, RESOLVED, RESPOND, SIGN, complete, new_ticket, open_item


@pytest.fixture
def engine_reads(monkeypatch):
    """Counts deserializations (Runtime.load) and workflows handed out at all (instances._load)."""
    counts = {"deserialized": 0, "workflows": 0}
    real_load, real_instance_load = Runtime.load, instances._load

    def load(self, state_json):
        counts["deserialized"] += 1
        return real_load(self, state_json)

    def instance_load(instance, runtime):
        counts["workflows"] += 1
        return real_instance_load(instance, runtime)

    monkeypatch.setattr(Runtime, "load", load)
    monkeypatch.setattr(instances, "_load", instance_load)
    return counts


def test_the_review_form_shows_the_reply_draft_without_loading_the_workflow(app, browser, engine_reads):
    ticket = new_ticket()
    for spec_name, username, data in (("sign", "paidan", SIGN), ("dispatch", "paidan", DISPATCH),
                                      ("respond", "wenhua", RESPOND), ("handle", "wenhua", HANDLE)):
        complete(ticket, spec_name, username, **data)
    item = open_item(ticket, "review")
    assert item.variables and item.variables["reply_draft"] == HANDLE["reply_draft"]
    shenhe = browser("shenhe")
    engine_reads.update(deserialized=0, workflows=0)

    page = shenhe.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert HANDLE["reply_draft"] in page, "the reviewer sees the draft to approve"
    assert engine_reads == {"deserialized": 0, "workflows": 0}, "a form GET never touches the workflow"


def test_a_submission_uses_the_workflow_this_process_saved(app, browser, engine_reads):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    item = open_item(ticket, "dispatch")
    paidan = browser("paidan")
    url = f"/tasks/{item.id}"
    token = paidan.csrf(url)
    engine_reads.update(deserialized=0, workflows=0)
    hits = cache.stats["hits"]

    response = paidan.post(url, dict(DISPATCH, csrf_token=token))
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:1000]
    assert engine_reads["workflows"] == 1, "the POST and its handlers share one workflow"
    assert engine_reads["deserialized"] == 0 and cache.stats["hits"] == hits + 1, \
        "the state saved by the previous task in this process is not deserialized again"
    db.session.expire_all()
    assert open_item(ticket, "respond") is not None


def test_a_workflow_changed_by_another_process_is_loaded_again(app, engine_reads):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    item = open_item(ticket, "dispatch")
    # another process saves the same instance: the row's lock_version moves on, the entry no longer fits
    db.session.execute(db.update(type(item.instance)).where(type(item.instance).id == item.instance_id)
                       .values(lock_version=type(item.instance).lock_version + 1))
    db.session.commit()
    engine_reads.update(deserialized=0, workflows=0)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    assert engine_reads["deserialized"] == 1
    assert open_item(ticket, "respond") is not None


def test_the_main_line_deserializes_no_workflow_in_the_process_that_saved_it(app, engine_reads):
    """From the ticket's creation to its closure each task reads its workflow from the cache once, the
    review's handler included (it reads the draft it judges from the work item)."""
    ticket = new_ticket()
    engine_reads.update(deserialized=0, workflows=0)
    steps = (("sign", "paidan", SIGN), ("dispatch", "paidan", DISPATCH), ("respond", "wenhua", RESPOND),
             ("handle", "wenhua", HANDLE), ("review", "shenhe", APPROVE), ("callback", "huifang", RESOLVED))
    for spec_name, username, data in steps:
        complete(ticket, spec_name, username, **data)
    db.session.expire_all()
    assert ticket.state == "办结"
    assert engine_reads == {"deserialized": 0, "workflows": len(steps)}


def test_a_workflow_read_by_a_request_that_writes_nothing_stays_cached(app, engine_reads):
    """The platform push answers with the messages the new ticket accepts (a read after its commit); the
    request ends without another commit, and the first task still finds the workflow in the cache."""
    ticket = new_ticket()
    ticket_id, ticket_type = ticket.id, type(ticket)
    db.session.remove()
    instance = ticket_instance(db.session.get(ticket_type, ticket_id))
    assert instances.waiting_messages(instance) is not None
    db.session.remove()  # the end of a read-only request: a rollback, no commit
    engine_reads.update(deserialized=0, workflows=0)
    complete(db.session.get(ticket_type, ticket_id), "sign", "paidan", **SIGN)
    assert engine_reads == {"deserialized": 0, "workflows": 1}


def test_a_workflow_read_after_an_uncommitted_write_is_not_kept_when_that_write_is_undone(app, engine_reads):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    instance = ticket_instance(ticket)
    instance.end_event = "x"  # some change of the row in this transaction
    db.session.flush()  # the row's version moved, uncommitted
    written = (instance.id, instance.lock_version)
    instances.waiting_messages(instance)  # read now: it stands for that uncommitted version
    db.session.rollback()
    assert written not in cache._entries, "the rolled-back version's workflow is not cached"
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    assert open_item(ticket, "respond") is not None
