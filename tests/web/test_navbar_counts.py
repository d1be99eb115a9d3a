"""The navbar's numbers: one statement, kept a few seconds, never stale after a change made here."""

import re

from sqlalchemy import event

from app.extensions import db
from app.services import navbar
from tests.helpers import SIGN, complete, new_ticket, open_item, user


def _claimable(page: str) -> int:
    return int(re.search(r'id="count-claimable">(\d+)<', page).group(1))


def test_counts_follow_what_this_process_changes(app, browser):
    paidan = browser("paidan")
    before = _claimable(paidan.get("/account/password").get_data(as_text=True))
    ticket = new_ticket(no="NAV-1")
    assert _claimable(paidan.get("/account/password").get_data(as_text=True)) == before + 1
    complete(ticket, "sign", "paidan", **SIGN)  # the 签收 item done, 分派 ready (whoever it goes to)
    assert open_item(ticket, "sign") is None
    page = paidan.get("/account/password").get_data(as_text=True)
    direct = navbar.read(user("paidan"))
    assert _claimable(page) == direct["claimable"] and f'id="count-mine">{direct["mine"]}<' in page


def test_one_statement_for_every_number_and_none_when_kept(app, browser):
    paidan = browser("paidan")
    paidan.get("/account/password")
    statements = []

    def count(_conn, _cur, statement, *_a):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        paidan.get("/account/password")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert not [s for s in statements if "work_item" in s or "notification" in s], "kept from the page before"
