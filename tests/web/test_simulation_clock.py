"""Simulation clock (issue 13 item 10): forward by minutes, or to an exact instant."""

from datetime import datetime, timedelta

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import Ticket
from app.services import tickets
from tests.helpers import new_ticket, run_to


def _simulating(app):
    """The demo's clock: real time plus the offset the page moves (the tests' clock is frozen)."""
    app.config["JIESU_SIMULATION"] = True
    clock.reset()


def test_forward_by_minutes(app, browser):
    _simulating(app)
    b = browser("zhuguan")
    before = clock.now()
    response = b.post("/admin/clock", {"mode": "by", "hours": "0", "minutes": "7"}, follow_redirects=True)
    assert "模拟时钟已拨到" in response.get_data(as_text=True)
    moved = clock.now() - before
    assert timedelta(minutes=7) <= moved < timedelta(minutes=8)


def test_to_an_exact_instant_fires_what_is_due(app, browser):
    _simulating(app)
    ticket = new_ticket()
    run_to(ticket, "respond")  # the response timer waits on 响应
    response_deadline = ticket.response_deadline
    at = (response_deadline + timedelta(minutes=1)).astimezone(LOCAL_TZ).replace(second=0, microsecond=0) \
        + timedelta(minutes=1)
    b = browser("zhuguan")
    page = b.post("/admin/clock", {"mode": "to", "at": at.strftime("%Y-%m-%dT%H:%M")},
                  follow_redirects=True).get_data(as_text=True)
    assert "模拟时钟已拨到" in page
    assert abs(clock.now() - at) < timedelta(seconds=5)
    db.session.expire_all()
    timeline = [e.title for e in tickets.timeline(db.session.get(Ticket, ticket.id))]
    assert any("响应超时" in title for title in timeline), timeline


def test_the_clock_does_not_go_back(app, browser):
    _simulating(app)
    before = clock.now()
    past = (before - timedelta(hours=1)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    page = browser("zhuguan").post("/admin/clock", {"mode": "to", "at": past},
                                   follow_redirects=True).get_data(as_text=True)
    assert "只能拨到当前模拟时间之后" in page
    assert clock.now() - before < timedelta(minutes=1)


def test_page_offers_minutes_and_an_instant(app, browser):
    _simulating(app)
    page = browser("zhuguan").get("/admin/clock").get_data(as_text=True)
    assert 'name="minutes"' in page and 'type="datetime-local"' in page
    now_local = datetime.now(LOCAL_TZ)
    assert str(now_local.year) in page
