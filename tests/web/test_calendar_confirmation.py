"""A calendar that cannot be silently wrong (issue 13, item 1): a year is known only once
confirmed; deadlines in an unconfirmed year are flagged on the ticket page, the inbox and the
board, with one alert from 1 November; the pasted 2027 notice is previewed and saved, and the open
tickets' deadlines, reminders and callback dates are recomputed with one timeline entry each."""

from datetime import date

from sqlalchemy import func, select

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, CalendarYear, TicketEvent
from app.services import calendar_admin, calendar_recompute, calendar_watch
from app.services.timers import sweep
from tests.calendar_notices import NOTICE_2027
from tests.conftest import shanghai
from tests.helpers import DISPATCH, SIGN, complete, new_ticket, open_item, run_to, user


def _calendar_alerts():
    return list(db.session.scalars(select(Alert).where(Alert.kind == calendar_watch.ALERT_KIND)))


def test_seed_confirms_only_the_years_the_package_knows(app):
    years = {r.year: r for r in db.session.scalars(select(CalendarYear))}
    assert sorted(years) == [2024, 2025, 2026]  # the package stops at 2026: 2027 is not claimed
    assert all(r.confirmed for r in years.values())
    cal = calendar_store.get_calendar()
    assert not cal.has_data_for(2027)


def test_one_day_entered_does_not_make_a_year_known(app):
    owner = user("liucheng")
    calendar_admin.set_day(owner, date(2027, 1, 1), False, "元旦")
    cal = calendar_store.get_calendar()
    assert not cal.is_workday(date(2027, 1, 1))  # the day counts at once
    assert not cal.has_data_for(2027)  # the year is still unknown
    assert db.session.get(CalendarYear, 2027).confirmed_at is None
    calendar_admin.confirm_year(owner, 2027)
    assert calendar_store.get_calendar().has_data_for(2027)
    calendar_admin.withdraw_confirmation(owner, 2027)
    assert not calendar_store.get_calendar().has_data_for(2027)


def test_confirming_an_empty_year_is_refused(app, browser):
    owner = browser("liucheng")
    response = owner.post("/admin/calendar/confirm", {"year": "2028"}, form_url="/admin/calendar?year=2028")
    assert response.status_code == 302
    assert "2028 年还没有任何节假日" in owner.get("/admin/calendar?year=2028").get_data(as_text=True)
    assert not calendar_store.get_calendar().has_data_for(2028)


def test_alert_from_the_first_of_november(app, browser):
    clock.freeze(shanghai(2026, 10, 31, 12, 0))
    zhuguan = browser("zhuguan")
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert _calendar_alerts() == [] and "2027 年节假日安排尚未确认" not in page
    clock.freeze(shanghai(2026, 11, 1, 8, 0))
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    alerts = _calendar_alerts()
    assert [a.business_key for a in alerts] == ["calendar:2027"]
    assert "2027 年的节假日安排尚未确认" in page  # the alert row on the board
    zhuguan.get("/supervisor/")
    assert len(_calendar_alerts()) == 1  # once per year
    calendar_admin.set_day(user("liucheng"), date(2027, 1, 1), False, "元旦")
    calendar_admin.confirm_year(user("liucheng"), 2027)
    db.session.refresh(alerts[0])
    assert alerts[0].acknowledged_at is not None  # confirming the year answers its alert


def test_unconfirmed_2027_is_flagged_then_the_notice_recomputes_the_open_tickets(app, browser):
    # dispatched on Thu 24 Dec 2026: 7 working days counted with New Year's Day as a working day
    clock.freeze(shanghai(2026, 12, 24, 10, 0))
    ticket = new_ticket(no="NEWYEAR")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    assert ticket.reply_deadline == shanghai(2027, 1, 4, 10, 0)
    assert ticket.urge_at == shanghai(2026, 12, 30, 10, 0)
    # a reply on 31 Dec: its callback falls on 1 Jan 2027
    clock.freeze(shanghai(2026, 12, 21, 10, 0))
    replied = new_ticket(no="CALLBACK")
    run_to(replied, stop_before="review")
    clock.freeze(shanghai(2026, 12, 31, 10, 0))
    complete(replied, "review", "shenhe", review_decision="通过", review_comment="")
    assert open_item(replied, "callback").due_at == shanghai(2027, 1, 1, 10, 0)

    # the warning: ticket page, inbox, board; and the alert
    page = browser("zhuguan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="calendar-warning"' in page and "本工单有时限落在 2027 年" in page
    assert "2027年日历未确认" in page  # the due-date badge
    inbox = browser("huifang").get("/?tab=claimable").get_data(as_text=True)
    assert "2027年日历未确认" in inbox
    # the handler's row of NEWYEAR: its task (响应) is due in 2026, the ticket's 办理时限 in 2027
    handler_inbox = browser("wenhua").get("/?tab=claimable").get_data(as_text=True)
    row = handler_inbox[handler_inbox.index("NEWYEAR") - 600:handler_inbox.index("NEWYEAR")]
    assert "flag-calendar" in row
    board = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert "2027 年节假日安排尚未确认：2 件未办结工单的时限落在该年" in board
    assert [a.business_key for a in _calendar_alerts()] == ["calendar:2027"]

    # the administrator pastes the notice, previews, saves and confirms
    owner = browser("liucheng")
    preview = owner.post("/admin/calendar/notice", {"text": NOTICE_2027, "year": "2027", "action": "preview"},
                         form_url="/admin/calendar/notice").get_data(as_text=True)
    assert "新增 23 天" in preview and 'id="save-confirm"' in preview
    assert db.session.scalar(select(func.count()).select_from(CalendarYear).where(CalendarYear.year == 2027)) == 0
    response = owner.post("/admin/calendar/notice", {"text": NOTICE_2027, "year": "2027", "action": "save_confirm"},
                          form_url="/admin/calendar/notice")
    assert response.status_code == 302 and "/admin/calendar/recompute" in response.headers["Location"]
    assert calendar_store.get_calendar().has_data_for(2027)
    assert not calendar_store.get_calendar().is_workday(date(2027, 1, 1))
    assert calendar_admin.pending_recompute()["years"] == [2027]
    # stored dates do not move by themselves: the preview lists what will
    db.session.refresh(ticket)
    assert ticket.reply_deadline == shanghai(2027, 1, 4, 10, 0)
    listing = owner.get("/admin/calendar/recompute?year=2027").get_data(as_text=True)
    assert "NEWYEAR" in listing and "CALLBACK" in listing
    assert "办理时限：2027-01-04 10:00 → 2027-01-05 10:00" in listing
    assert "回访时限：2027-01-01 10:00 → 2027-01-04 10:00" in listing
    assert "催办时点：" not in listing  # 3 working days before either deadline is 30 Dec: unchanged, not listed

    response = owner.post("/admin/calendar/recompute", {"year": "2027"}, form_url="/admin/calendar/recompute")
    assert response.status_code == 302
    db.session.expire_all()
    assert ticket.reply_deadline == shanghai(2027, 1, 5, 10, 0)
    assert ticket.urge_at == shanghai(2026, 12, 30, 10, 0)
    assert open_item(replied, "callback").due_at == shanghai(2027, 1, 4, 10, 0)
    assert calendar_admin.pending_recompute() is None
    for t in (ticket, replied):
        entries = list(db.session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == t.id, TicketEvent.message == calendar_recompute.RECOMPUTED)))
        assert len(entries) == 1 and entries[0].kind == "deadline"
    page = browser("zhuguan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "工作日历已修改，按新日历重算时限" in page and 'id="calendar-warning"' not in page
    assert "2027年日历未确认" not in browser("huifang").get("/?tab=claimable").get_data(as_text=True)
    # a second run finds nothing to move
    assert calendar_recompute.preview(user("liucheng")) == []
    # the overdue timer was re-armed: it no longer fires on 4 Jan, it fires on 5 Jan
    clock.freeze(shanghai(2027, 1, 4, 10, 30))
    sweep()
    assert open_item(ticket, "overdue_supervision") is None
    clock.freeze(shanghai(2027, 1, 5, 10, 30))
    sweep()
    assert open_item(ticket, "overdue_supervision") is not None


def test_office_hours_follow_the_corrected_calendar(app):
    """Duty routing asks the calendar for office hours: New Year's Day 2027 is none once the notice is in."""
    new_years_morning = shanghai(2027, 1, 1, 10, 0)
    assert calendar_store.get_calendar().is_office_hours(new_years_morning)  # weekends-only guess
    calendar_admin.save_notice(user("liucheng"), NOTICE_2027, 2027, confirm=True)
    assert not calendar_store.get_calendar().is_office_hours(new_years_morning)
    assert calendar_store.get_calendar().is_office_hours(shanghai(2027, 2, 14, 10, 0))  # 春节调休 Sunday


def test_handlers_cannot_touch_the_calendar(app, browser):
    wenhua = browser("wenhua")
    assert wenhua.get("/admin/calendar/notice").status_code == 403
    assert wenhua.get("/admin/calendar/recompute").status_code == 403


def test_calendar_from_a_file_is_previewed_imported_and_still_unconfirmed(app, browser):
    import io
    import re

    from tests.helpers import xlsx

    owner = browser("liucheng")
    rows = [(date(2027, 1, 1), "放假", "元旦"), ("2027-02-14", "调休上班", "春节调休"), ("2027-02-13", "放假", "春节")]
    response = owner.post("/admin/calendar/import", {"file": (io.BytesIO(xlsx(("日期", "类型", "名称"), rows)), "2027.xlsx")},
                          form_url="/admin/calendar/import", content_type="multipart/form-data")
    assert response.status_code == 302
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "新增 2" in page and "错误 1" in page and "2027-02-13 本来就是周末，无需设为节假日" in page
    assert 'id="import-apply"' not in page  # one bad row: nothing is imported
    response = owner.post("/admin/calendar/import",
                          {"file": (io.BytesIO(xlsx(("日期", "类型", "名称"), rows[:2])), "2027.xlsx")},
                          form_url="/admin/calendar/import", content_type="multipart/form-data")
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    confirm = re.search(r'action="([^"]+/confirm)"', page).group(1)
    response = owner.post(confirm, form_url=confirm.rsplit("/", 1)[0])
    assert response.status_code == 302 and "/admin/calendar/recompute" in response.headers["Location"]
    cal = calendar_store.get_calendar()
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_workday(date(2027, 2, 14))
    assert not cal.has_data_for(2027)  # imported, not confirmed
    assert db.session.get(CalendarYear, 2027).source == "file"
