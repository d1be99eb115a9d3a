"""The access log's lines are written when a request ends, in a commit of their own (app/services/access.py)."""

import logging

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import AccessLog, User
from app.services import access
from tests.helpers import new_ticket


def test_a_locked_database_at_the_access_logs_commit_loses_the_lines_not_the_page(app, browser, monkeypatch, caplog):
    """SQLite's "database is locked" becomes StaleState in unit_of_work: it escaped the teardown, and waitress
    answered the page the user had already been given with its bare 500."""
    ticket = new_ticket(caller_phone="13811112222")
    b = browser("paidan")

    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT INTO access_log", {}, Exception("database is locked"))

    monkeypatch.setattr(access, "_insert_lines", locked)
    with caplog.at_level(logging.ERROR, logger=access.log.name):
        page = b.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200 and "13811112222" in page.get_data(as_text=True)
    assert "access log lines not written" in caplog.text
    assert db.session.scalars(select(AccessLog)).all() == []


def test_the_access_logs_commit_leaves_the_session_expiring_as_it_found_it(app):
    """It commits without expiring the request's objects, then puts the session's setting back as it was."""
    ticket = new_ticket()
    user = db.session.scalar(select(User).where(User.username == "paidan"))
    session = db.session()
    for before in (True, False):
        session.expire_on_commit = before
        with app.test_request_context("/"):
            access.record(user, "view", "test", ticket)
            access.write_pending()
        assert session.expire_on_commit is before
    session.expire_on_commit = True
    assert len(db.session.scalars(select(AccessLog)).all()) == 2
