"""三率 page at scale: each list shows the first tickets in the order received, with the exact total."""

from datetime import timedelta

from app.engine.clock import clock
from app.extensions import db
from app.models import Ticket
from app.services import rates
from tests.conftest import shanghai


def test_a_long_list_shows_its_first_tickets_and_the_total(app, browser):
    clock.freeze(shanghai(2026, 11, 20, 10, 0))
    start = shanghai(2026, 11, 2, 9, 0)
    for n in range(rates.LISTED + 3):  # never contacted, the response deadline passed: all against 响应率
        received = start + timedelta(minutes=n)
        db.session.add(Ticket(ticket_no=f"MISS-{n:03d}", ticket_type="投诉", title="未联系", content="内容",
                              received_at=received, state="待响应", response_deadline=received + timedelta(hours=24)))
    db.session.flush()
    result = rates.compute("2026-11")
    response = result["response"]
    assert (response.numerator, response.denominator, response.against_count) == (0, rates.LISTED + 3,
                                                                                   rates.LISTED + 3)
    assert [t.ticket_no for t in response.against] == [f"MISS-{n:03d}" for n in range(rates.LISTED)]

    page = browser("zhuguan").get("/supervisor/rates?period=2026-11").get_data(as_text=True)
    listed = page.split('id="against-response"')[1].split("</ul>")[0]
    last, first_left = f"MISS-{rates.LISTED - 1:03d}", f"MISS-{rates.LISTED:03d}"
    assert listed.count("data-reason") == rates.LISTED and last in listed and first_left not in listed
    assert f"共 {rates.LISTED + 3} 件，此处列出前 {rates.LISTED} 件" in listed
    assert "/supervisor/rates?period=2026-11&amp;all=1" in listed, "列出全部 is offered"
    everything = browser("zhuguan").get("/supervisor/rates?period=2026-11&all=1").get_data(as_text=True)
    listed = everything.split('id="against-response"')[1].split("</ul>")[0]
    assert listed.count("data-reason") == rates.LISTED + 3 and "此处列出前" not in listed
    assert f"分子 0 / 分母 {rates.LISTED + 3}" in page
    board = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert 'id="rates"' in board
