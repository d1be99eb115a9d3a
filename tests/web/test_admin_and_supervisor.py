"""Working-day calendar administration, the supervisor page, the simulation clock, the schema."""

from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import search
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import new_ticket, run_to


def test_year_without_data_is_flagged_and_counts_weekends_only(app, browser):
    owner = browser("liucheng")
    page = owner.get("/admin/calendar?year=2028").get_data(as_text=True)
    assert "2028 年尚无国务院公布的节假日安排数据" in page
    page = owner.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "尚无国务院公布" not in page.split("提示")[0]
    assert "国庆节" in page
    cal = calendar_store.get_calendar()
    assert cal.is_workday(date(2028, 1, 3)) and not cal.is_workday(date(2028, 1, 1))


def test_admin_declares_a_holiday_and_deadlines_follow(app, browser):
    clock.freeze(shanghai(2028, 1, 24, 10, 0))  # a Monday in a year without data
    before = new_ticket(no="BEFORE")
    assert before.reply_deadline == shanghai(2028, 2, 2, 10, 0)
    owner = browser("liucheng")
    for day in ("2028-01-26", "2028-01-27"):
        response = owner.post("/admin/calendar/day", {"day": day, "kind": "holiday", "name": "春节", "year": "2028"},
                              form_url="/admin/calendar?year=2028")
        assert response.status_code == 302
    response = owner.post("/admin/calendar/day", {"day": "2028-01-29", "kind": "workday", "name": "春节调休",
                                                  "year": "2028"}, form_url="/admin/calendar?year=2028")
    page = owner.get("/admin/calendar?year=2028").get_data(as_text=True)
    assert "春节调休" in page
    after = new_ticket(no="AFTER")
    # two holidays push the deadline two working days later, the make-up Saturday pulls it one back
    assert after.reply_deadline == shanghai(2028, 2, 3, 10, 0)


def test_calendar_refuses_nonsense(app, browser):
    owner = browser("liucheng")
    response = owner.post("/admin/calendar/day", {"day": "2026-11-28", "kind": "holiday", "name": "周六补休"},
                          form_url="/admin/calendar")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "本来就是周末" in page
    assert 'value="2026-11-28"' in page and 'value="周六补休"' in page, "the day as typed"
    response = owner.post("/admin/calendar/day", {"day": "not-a-date", "kind": "holiday", "name": "x"},
                          form_url="/admin/calendar")
    assert "日期格式不正确" in owner.get("/admin/calendar").get_data(as_text=True)
    assert browser("wenhua").post("/admin/calendar/day", {"day": "2026-12-01", "kind": "holiday",
                                                          "name": "x"}, form_url="/admin/calendar").status_code == 403
    assert calendar_store.get_calendar().is_workday(date(2026, 12, 1)), "a handler cannot change the calendar"


def test_supervisor_sees_reminder_and_escalation_at_the_shown_instants(app, browser):
    clock.freeze(shanghai(2026, 9, 28, 10, 0))
    ticket = new_ticket(no="SUP-1", title="景区门票纠纷")
    run_to(ticket, stop_before="handle")
    zhuguan = browser("zhuguan")
    shown = zhuguan.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "2026-10-09 (周五) 10:00" in shown and "2026-10-13 (周二) 10:00" in shown
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert "催办" not in page.split('id="alerts"')[1].split("</table>")[0]

    clock.freeze(shanghai(2026, 10, 9, 10, 0, 1))
    sweep()
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    alerts = page.split('id="alerts"')[1].split("</table>")[0]
    assert "催办" in alerts and "SUP-1" in alerts
    assert "SUP-1" in page.split('id="due-soon"')[1].split("</table>")[0]

    clock.freeze(shanghai(2026, 10, 13, 10, 0, 1))
    sweep()
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert "超期" in page.split('id="alerts"')[1].split("</table>")[0]
    assert "SUP-1" in page.split('id="overdue"')[1].split("</table>")[0]
    inbox = zhuguan.get("/?tab=claimable").get_data(as_text=True)
    assert "超期督办" in inbox and "SUP-1" in inbox


def test_supervisor_acknowledges_an_alert(app, browser):
    ticket = new_ticket(urgency="紧急")  # 2-hour response limit (特急 would also raise an early warning)
    run_to(ticket, stop_before="respond")
    clock.advance(timedelta(hours=3))
    sweep()
    zhuguan = browser("zhuguan")
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert 'id="stat-alerts">2<' in page  # 响应超时, and 日历未确认: on 25 Nov 2026 nobody confirmed 2027
    from app.models import Alert

    alert = db.session.scalar(db.select(Alert).where(Alert.kind != "日历未确认"))
    zhuguan.post(f"/supervisor/alerts/{alert.id}/ack", form_url="/supervisor/")
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert 'id="stat-alerts">1<' in page and "最近确认的预警" in page


@pytest.mark.real_commits  # DDL: drops and rebuilds the schema
def test_migrations_match_the_models(app):
    """The Alembic history builds exactly the schema the models describe, on each database."""
    from flask_migrate import upgrade

    db.session.remove()
    db.drop_all()
    upgrade(directory=app.extensions["migrate"].directory)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": search.include_object})
        diff = compare_metadata(context, db.metadata)
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert diff == [], diff


def test_a_day_name_past_its_column_is_refused_by_name_and_kept(app, browser):
    """名称 of a special day: 40 characters at most (the column's); past it the calendar page again (422) with the
    day as typed and the message on the field, nothing stored."""
    import re

    from app.models import CalendarDay

    owner = browser("liucheng")
    typed = "国务院办公厅通知的春节假期及调休安排说明" * 2 + "补"  # 41 characters
    response = owner.post("/admin/calendar/day", {"day": "2028-01-26", "kind": "holiday", "name": typed,
                                                  "year": "2028"}, form_url="/admin/calendar?year=2028")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = re.search(r'<input name="name" id="day-name"[^>]*>', page).group(0)
    assert "is-invalid" in field and f'value="{typed}"' in field and 'data-maxlength="40"' in field
    assert 'id="day-name-error">名称不能超过 40 个字（现 41 个字）' in page and 'value="2028-01-26"' in page
    assert db.session.get(CalendarDay, date(2028, 1, 26)) is None
    response = owner.post("/admin/calendar/day", {"day": "2028-01-26", "kind": "holiday", "name": typed[:40],
                                                  "year": "2028"}, form_url="/admin/calendar?year=2028")
    assert response.status_code == 302 and db.session.get(CalendarDay, date(2028, 1, 26)).name == typed[:40]
