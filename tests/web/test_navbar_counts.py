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


def test_every_users_numbers_match_the_lists_they_stand_for(app):
    """For each account, each number is what its own page would count: the two inbox tabs, the unread
    notices, the open warnings the user answers for (all for supervisors and leaders), open incidents."""
    from sqlalchemy import func, select

    from app.models import EarlyWarning, ProcessInstance, User
    from app.services import early_warning, inbox, incidents, notifications

    for i in range(3):
        ticket = new_ticket(no=f"NAV-ALL-{i}", enterprise="极速网咖")  # repeats of one enterprise: a warning
        if i == 0:
            complete(ticket, "sign", "paidan", **SIGN)
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.ticket_id == ticket.id))
    incidents.record(instance, RuntimeError("定时器脚本出错"), "timer")
    db.session.commit()
    assert db.session.scalar(select(func.count(EarlyWarning.id))) > 0
    for account in db.session.scalars(select(User).where(User.active.is_(True))).all():
        got = navbar.read(account)
        expected = {
            "mine": inbox.tab_page(account, "mine", 1, per_page=10_000)[1],
            "claimable": inbox.tab_page(account, "claimable", 1, per_page=10_000)[1],
            "notices": notifications.unread_count(account),
            "warnings": len(early_warning.warnings_for_user(account, "open", limit=10_000)),
            "incidents": len(incidents.list_incidents("open", 10_000)) if incidents.may_view(account) else 0,
        }
        assert got == expected, account.username
