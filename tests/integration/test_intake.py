"""Intake is idempotent on 工单编号, refuses a changed repeat, and stores one ticket under concurrent retries."""

import threading
from datetime import UTC

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ProcessInstance, Ticket
from app.services import Conflict, intake


def fields(no="P-1", **over):
    base = dict(ticket_no=no, ticket_type="投诉", topic="旅游->旅行社", title="旅行社强制购物",
                content="导游强制购物。", caller_name="王女士", caller_phone="13900001111", district="本区",
                street="", community="", address="", enterprise="某旅行社", urgency="一般", nature="主办",
                source="市级直派", called_at=None, dispatched_at=None, platform_deadline=None)
    base.update(over)
    return base


def test_same_push_twice_is_one_ticket(app):
    first = intake.receive_ticket(fields(), channel="api")
    again = intake.receive_ticket(fields(), channel="api")
    assert first.created and not again.created
    assert first.ticket.id == again.ticket.id
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert first.ticket.intake_channel == "api"


def test_same_number_different_content_is_a_conflict(app):
    intake.receive_ticket(fields())
    with pytest.raises(Conflict) as err:
        intake.receive_ticket(fields(content="另一件事"))
    assert "内容不同" in str(err.value)


@pytest.mark.real_commits  # threads, each with its own connection
def test_concurrent_retries_store_one_ticket(app):
    db.session.remove()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def push():
        with app.app_context():
            try:
                barrier.wait()
                results.append(intake.receive_ticket(fields("P-RACE")).created)
            except Exception as exc:  # pragma: no cover - shown in the assert
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=push) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == [False, False, False, True]
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert db.session.scalar(select(func.count(ProcessInstance.id)).where(ProcessInstance.ticket_id.is_not(None),
                                                                        ProcessInstance.business_key.is_(None))) == 1


def test_the_same_instant_written_with_another_offset_is_the_same_content(app):
    from datetime import datetime

    from app.engine.clock import LOCAL_TZ

    at = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
    intake.receive_ticket(fields(called_at=at))
    again = intake.receive_ticket(fields(called_at=at.astimezone(UTC)))
    assert not again.created
