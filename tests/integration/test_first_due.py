"""The board's first deadline, computed by the database (ticket.first_due), is the one the code states."""

from sqlalchemy import select

from app.diagrams import ticket_lifecycle as lifecycle
from app.extensions import db
from app.models import Ticket
from app.models.ticket import BEFORE_RESPONSE
from app.services import board
from tests.helpers import new_ticket, run_to


def test_the_states_before_response_are_the_diagrams():
    assert BEFORE_RESPONSE == (lifecycle.STATE_SIGNING, lifecycle.STATE_DISPATCHING, lifecycle.STATE_RESPONDING)
    assert board.BEFORE_RESPONSE == BEFORE_RESPONSE


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
