"""The board's first deadline, computed by the database (ticket.first_due), is the one the code states."""

import importlib

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from app.models.ticket import BEFORE_RESPONSE, FIRST_DUE_SQL
from app.services import board
from tests.helpers import new_ticket, run_to


def test_the_migration_computes_the_column_as_the_model_declares_it():
    """The migration keeps its own copy of the expression: it must be the model's (the diagram's states)."""
    migration = importlib.import_module("app.migrations.versions.d1f3a5c7e902_open_ticket_first_due")
    assert migration.FIRST_DUE_SQL == FIRST_DUE_SQL
    assert all(f"'{state}'" in FIRST_DUE_SQL for state in BEFORE_RESPONSE)


def test_first_due_follows_the_ticket_through_its_stages(app):
    for n, stop in enumerate(["dispatch", "respond", "handle", "review", "callback"]):
        ticket = new_ticket(no=f"FD-{n}")
        if stop != "sign":
            run_to(ticket, stop)
        db.session.expire_all()
        stored = db.session.scalar(select(Ticket.first_due).where(Ticket.id == ticket.id))
        expected = board.first_deadline(db.session.get(Ticket, ticket.id))
        assert expected is not None and stored == expected.at, (stop, stored, expected)
    fresh = new_ticket(no="FD-sign")
    db.session.expire_all()
    assert db.session.scalar(select(Ticket.first_due).where(Ticket.id == fresh.id)) == fresh.response_deadline
