"""督办看板: unsigned and unresponded tickets count by their first (响应) deadline; alerts name their subject."""

from datetime import timedelta

from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, Enterprise
from app.services.supervision import overview
from tests.conftest import shanghai
from tests.helpers import new_ticket, run_to


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
