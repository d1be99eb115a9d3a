"""A text search's pages: newest first and complete across pages, whichever way the database finds them."""

from datetime import timedelta

from app.engine.clock import clock
from app.services import ledger
from tests.helpers import new_ticket, user


def test_search_pages_are_newest_first_and_complete(app):
    for n in range(35):
        new_ticket(no=f"SRCH-{n:02d}", title="导游强制购物", content="导游带团强制购物")
        clock.advance(timedelta(minutes=1))
    new_ticket(no="OTHER-1", title="网吧噪音", content="网吧噪音扰民")
    f = ledger.LedgerFilter(q="导游")
    first = ledger.page_of(f, user("zhuguan"))
    assert first.total == 35 and [t.ticket_no for t in first.rows] == [f"SRCH-{n:02d}" for n in range(34, 4, -1)]
    second = ledger.page_of(f, user("zhuguan"), after=first.after)
    assert [t.ticket_no for t in second.rows] == [f"SRCH-{n:02d}" for n in range(4, -1, -1)] and not second.after
    back = ledger.page_of(f, user("zhuguan"), before=second.before)
    assert [t.ticket_no for t in back.rows] == [t.ticket_no for t in first.rows]
