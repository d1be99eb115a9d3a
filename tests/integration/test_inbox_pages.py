"""待认领 / 我的待办 a page at a time: the rows of each page and the total the page shows (共 N 件, the
number of pages), also where the total is taken from a short last page instead of a count."""

import pytest

from app.services import inbox
from tests.helpers import new_ticket, user

PER_PAGE = 5


def _all_claimable(dispatcher) -> int:
    return inbox.tab_page(dispatcher, "claimable", 1, per_page=10_000)[1]


@pytest.mark.parametrize("added", [0, 3, 5, 9, 10])
def test_every_page_shows_its_rows_and_the_same_total(app, added):
    dispatcher = user("paidan")
    for i in range(added):
        new_ticket(no=f"PG-{i:03d}")  # each waits to be signed for: claimable by the dispatchers
    expected = _all_claimable(dispatcher)
    assert expected >= added
    seen = []
    for page in range(1, expected // PER_PAGE + 3):  # every page, and two past the last
        items, total = inbox.tab_page(dispatcher, "claimable", page, per_page=PER_PAGE)
        assert total == expected, (page, total)
        assert len(items) == max(0, min(PER_PAGE, expected - (page - 1) * PER_PAGE)), page
        seen += [w.id for w in items]
    assert len(seen) == len(set(seen)) == expected  # no row twice, none left out


def test_an_empty_tab_has_no_rows_and_a_total_of_nought(app):
    new_ticket(no="PG-ONE")
    assert inbox.tab_page(user("wenhua"), "mine", 1) == ([], 0)  # a handler: nothing assigned yet
