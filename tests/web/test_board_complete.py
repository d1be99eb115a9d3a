"""督办看板: unsigned and unresponded tickets count by their first (响应) deadline; alerts name their subject."""

from datetime import timedelta

from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, Enterprise
from app.services.supervision import overview
from tests.conftest import shanghai
from tests.helpers import APPROVE, HANDLE, complete, new_ticket, run_to


def _section(page, table_id):
    return page.split(f'id="{table_id}"')[1].split("</table>")[0]


def test_unsigned_ticket_days_past_its_response_deadline_is_overdue(app, browser):
    clock.freeze(shanghai(2026, 11, 23, 10, 0))
    unsigned = new_ticket(no="UNSIGNED-1")  # nobody signs: 响应时限 24 h later
    unresponded = new_ticket(no="UNRESP-1")
    run_to(unresponded, stop_before="respond")  # dispatched, the caller not yet contacted
    fresh = new_ticket(no="FRESH-1")
    clock.freeze(shanghai(2026, 11, 26, 10, 0))
    fresh2 = new_ticket(no="FRESH-2")  # 响应时限 tomorrow 10:00: due soon
    data = overview()
    overdue = {d.ticket.ticket_no: d for d in data["overdue"]}
    assert set(overdue) == {"UNSIGNED-1", "UNRESP-1", "FRESH-1"}
    assert overdue["UNSIGNED-1"].at == unsigned.response_deadline and overdue["UNSIGNED-1"].which == "响应时限"
    assert fresh2.ticket_no in [d.ticket.ticket_no for d in data["soon"]]

    page = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert 'id="stat-overdue">3<' in page
    table = _section(page, "overdue")
    assert "UNSIGNED-1" in table and "响应时限" in table and "待签收" in table
    assert "FRESH-2" in _section(page, "due-soon")
    assert fresh is not None


def test_a_responded_ticket_is_judged_by_its_reply_deadline(app):
    clock.freeze(shanghai(2026, 11, 23, 10, 0))
    ticket = new_ticket(no="RESPONDED-1")
    run_to(ticket, stop_before="handle")
    clock.freeze(shanghai(2026, 11, 25, 10, 0))  # past the 24 h response limit, far from the reply deadline
    data = overview()
    assert ticket not in [d.ticket for d in data["overdue"]]
    clock.freeze(ticket.reply_deadline + timedelta(minutes=1))
    assert [d.which for d in overview()["overdue"] if d.ticket is ticket] == ["办理时限"]


def test_an_enterprise_alert_names_and_links_the_enterprise(app, browser):
    now = clock.now()
    ent = Enterprise(name="极速网咖", credit_code="91110105MA01ABCD1X", kind="internet_cafe",
                     created_at=now, updated_at=now)
    db.session.add(ent)
    db.session.flush()
    db.session.add(Alert(business_key=f"enterprise:{ent.id}", kind="证照到期", message="许可证将于下月到期",
                         raised_at=now))
    db.session.commit()
    page = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    alerts = _section(page, "alerts")
    assert f"enterprise:{ent.id}" not in alerts
    assert "极速网咖" in alerts and f'href="/enterprises/{ent.id}"' in alerts
    row = alerts[alerts.index("极速网咖"):]  # other alerts (e.g. 2027 日历未确认) may come first
    assert "text-nowrap" in row.split("确认")[0].rsplit("<button", 1)[1]


def test_a_ticket_replied_in_time_awaiting_its_callback_is_neither_overdue_nor_due_soon(app, browser):
    clock.freeze(shanghai(2026, 11, 2, 10, 0))
    late = new_ticket(no="LATE-1")
    run_to(late, stop_before="handle")
    clock.freeze(shanghai(2026, 11, 4, 10, 0))
    in_time = new_ticket(no="IN-TIME-1")
    run_to(in_time, stop_before="callback")  # replied the same day: now 待回访
    clock.freeze(late.reply_deadline + timedelta(hours=1))
    complete(late, "handle", "wenhua", **HANDLE)
    complete(late, "review", "shenhe", **APPROVE)  # replied after its 办理时限: 待回访 too, and 超期
    clock.freeze(in_time.reply_deadline - timedelta(hours=1))  # its reply deadline an hour away
    assert in_time.state == late.state == "待回访"
    data = overview()
    assert in_time not in [d.ticket for d in data["soon"]]
    assert [d.ticket.ticket_no for d in data["overdue"]] == ["LATE-1"]
    clock.freeze(in_time.reply_deadline + timedelta(days=1))  # now past it too
    data = overview()
    assert [d.ticket.ticket_no for d in data["overdue"]] == ["LATE-1"] and data["overdue_count"] == 1
    assert data["soon_count"] == 0

    zhuguan = browser("zhuguan")
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert 'id="stat-overdue">1<' in page and "IN-TIME-1" not in page
    sections = zhuguan.get("/reports/board.json").get_json()["sections"]
    assert sum(sections["overdue"]) == 1 and sum(sections["open"]) == 2  # the chart's 超期 is the tile's
    assert "closed" not in sections  # the board has no 办结 to draw


def test_the_boards_link_to_all_overdue_lists_what_the_tile_counts(app, browser, monkeypatch):
    from app.services import supervision

    monkeypatch.setattr(supervision, "LIST_LIMIT", 1)
    clock.freeze(shanghai(2026, 11, 23, 10, 0))
    new_ticket(no="UNSIGNED-A")  # late on its 响应时限 only: not 超期 in a report, overdue on the board
    new_ticket(no="UNSIGNED-B")
    in_time = new_ticket(no="REPLIED-C")
    run_to(in_time, stop_before="callback")
    clock.freeze(shanghai(2026, 12, 10, 10, 0))
    zhuguan = browser("zhuguan")
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert 'id="stat-overdue">2<' in page
    link = page.split('id="overdue-all"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    ledger = zhuguan.get(link).get_data(as_text=True)
    assert "UNSIGNED-A" in ledger and "UNSIGNED-B" in ledger and "REPLIED-C" not in ledger
