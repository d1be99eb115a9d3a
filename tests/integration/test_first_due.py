"""The board's first deadline, computed by the database (ticket.first_due), is the one the code states."""

import importlib

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from app.models.ticket import BEFORE_RESPONSE, FIRST_DUE_SQL
from app.services import board
from tests.helpers import APPROVE, complete, new_ticket, run_to


def test_the_migration_computes_the_column_as_the_model_declares_it():
    """The migration keeps its own copy of the expression: it must be the model's (the diagram's states)."""
    migration = importlib.import_module("app.migrations.versions.c9e1a3b5d7f2_first_due_callback_in_time")
    assert migration.AFTER == FIRST_DUE_SQL
    assert all(f"'{state}'" in FIRST_DUE_SQL for state in BEFORE_RESPONSE)


def test_first_due_follows_the_ticket_through_its_stages(app):
    for n, stop in enumerate(["dispatch", "respond", "handle", "review", "callback"]):
        ticket = new_ticket(no=f"FD-{n}")
        if stop != "sign":
            run_to(ticket, stop)
        db.session.expire_all()
        stored = db.session.scalar(select(Ticket.first_due).where(Ticket.id == ticket.id))
        expected = board.first_deadline(db.session.get(Ticket, ticket.id))
        if stop == "callback":  # replied in time, waiting for its callback: nothing left to miss
            assert expected is None and stored is None, (stored, expected)
            continue
        assert expected is not None and stored == expected.at, (stop, stored, expected)
    fresh = new_ticket(no="FD-sign")
    db.session.expire_all()
    assert db.session.scalar(select(Ticket.first_due).where(Ticket.id == fresh.id)) == fresh.response_deadline


def test_a_reply_reported_late_keeps_the_ticket_overdue_while_it_waits_for_its_callback(app):
    from datetime import timedelta

    from app.engine.clock import clock

    ticket = new_ticket(no="FD-late")
    run_to(ticket, "review")
    clock.freeze(ticket.reply_deadline + timedelta(hours=1))
    complete(ticket, "review", "shenhe", **APPROVE)
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.replied_at > ticket.reply_deadline
    assert db.session.scalar(select(Ticket.first_due).where(Ticket.id == ticket.id)) == ticket.reply_deadline
    assert board.first_deadline(ticket).at == ticket.reply_deadline
