"""通知: 催办 and deadline reminders reach the holder's inbox (or the candidates of an unclaimed task),
read and unread, the navbar badge; one timeline line per reminder."""

from datetime import timedelta

from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import Notification, TicketEvent
from app.services import notifications, platform_messages
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import RESPOND, complete, new_ticket, run_to, user


def _notices(username):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user(username).id)))


def test_urge_timer_reaches_the_handler_holding_the_task_and_writes_one_line(app, browser):
    clock.freeze(shanghai(2026, 9, 28, 10, 0))
    ticket = new_ticket(no="URGE-1", title="景区门票纠纷")
    run_to(ticket, stop_before="handle")  # wenhua responded: 办理 is his
    clock.freeze(shanghai(2026, 10, 9, 10, 0, 1))  # 3 working days before the reply deadline
    sweep()
    mine = _notices("wenhua")
    assert [n.kind for n in mine] == ["催办"]
    assert _notices("wenhua2") == [] and _notices("lvyou") == []
    assert notifications.unread_count(user("wenhua")) == 1
    lines = [e.title for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
             if e.at >= shanghai(2026, 10, 9, 10, 0)]
    assert len(lines) == 1 and "催办" in lines[0], lines  # no second "定时器触发" line

    page = browser("wenhua").get("/").get_data(as_text=True)
    assert 'id="notice-count">1<' in page and 'id="inbox-notices"' in page and "URGE-1" in page
    assert "距办理时限不足3个工作日" in page


def test_unclaimed_task_reminder_goes_to_the_sections_handlers(app):
    ticket = new_ticket(no="RESP-1", urgency="紧急")  # 2-hour response limit
    run_to(ticket, stop_before="respond")  # 响应 waits unclaimed in culture_market
    clock.advance(timedelta(hours=3))
    sweep()
    assert [n.kind for n in _notices("wenhua")] == ["响应超时"]
    assert [n.kind for n in _notices("wenhua2")] == ["响应超时"]
    assert _notices("lvyou") == [] and _notices("paidan") == []


def test_recording_the_response_settles_the_response_overdue_notices_of_every_candidate(app, browser):
    ticket = new_ticket(no="RESP-2", urgency="紧急")
    run_to(ticket, stop_before="respond")
    clock.advance(timedelta(hours=3))
    sweep()  # 响应超时 to both handlers of the section, the task still unclaimed
    assert notifications.unread_count(user("wenhua")) == 1 and notifications.unread_count(user("wenhua2")) == 1
    other = new_ticket(no="RESP-3", urgency="紧急")
    run_to(other, stop_before="respond")
    clock.advance(timedelta(hours=3))
    sweep()  # a second ticket's notice: still to do, it stays unread
    assert notifications.unread_count(user("wenhua2")) == 2

    complete(ticket, "respond", "wenhua", **RESPOND)
    db.session.expire_all()
    assert notifications.unread_count(user("wenhua")) == 1 and notifications.unread_count(user("wenhua2")) == 1
    settled = [n for n in _notices("wenhua2") if n.ticket_id == ticket.id]
    assert len(settled) == 1 and settled[0].read_at is not None and settled[0].settled_at is not None
    assert [n.settled_at for n in _notices("wenhua2") if n.ticket_id == other.id] == [None]

    page = browser("wenhua2").get("/notifications/").get_data(as_text=True)
    assert page.count('class="notice-settled"') == 1 and "任务已结束" in page
    assert 'id="notice-count">1<' in page


def test_platform_urge_on_an_unsigned_ticket_reaches_the_dispatchers(app):
    ticket = new_ticket(no="SIGN-1")
    result = platform_messages.receive("SIGN-1", "催办", "请尽快签收", None, "市级平台")
    assert result is not None
    assert [n.kind for n in _notices("paidan")] == ["催办"]
    assert [n.kind for n in _notices("zhiban")] == ["催办"]  # duty officer is a dispatcher too
    assert _notices("wenhua") == []
    assert ticket.state == "待签收"


def test_notices_are_read_one_by_one_or_all_and_only_by_their_owner(app, browser):
    ticket = new_ticket(no="READ-1", urgency="紧急")
    run_to(ticket, stop_before="respond")
    clock.advance(timedelta(hours=3))
    sweep()
    platform_messages.receive("READ-1", "催办", "请抓紧联系来电人", None, "区级平台")
    wenhua = browser("wenhua")
    page = wenhua.get("/notifications/").get_data(as_text=True)
    assert 'id="notice-count">2<' in page and "请抓紧联系来电人" in page
    first, second = _notices("wenhua")
    assert browser("wenhua2").post(f"/notifications/{first.id}/open", form_url="/notifications/").status_code == 403
    response = wenhua.post(f"/notifications/{first.id}/open", form_url="/notifications/")
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]  # the open 响应 task
    assert notifications.unread_count(user("wenhua")) == 1
    unread = wenhua.get("/notifications/?show=unread").get_data(as_text=True)
    assert f'data-notice="{second.id}"' in unread and f'data-notice="{first.id}"' not in unread
    wenhua.post("/notifications/read-all", form_url="/notifications/")
    assert notifications.unread_count(user("wenhua")) == 0
    assert 'id="notice-count"' not in wenhua.get("/").get_data(as_text=True)
    assert notifications.unread_count(user("wenhua2")) == 2  # reading is per person


def test_notice_renders_in_the_readers_language(app, browser):
    ticket = new_ticket(no="EN-1", urgency="紧急")
    run_to(ticket, stop_before="respond")
    clock.advance(timedelta(hours=3))
    sweep()
    wenhua = browser("wenhua")
    wenhua.get("/lang/en")
    page = wenhua.get("/notifications/").get_data(as_text=True)
    assert "Notifications" in page and "首次响应时限已到" not in page


def test_unsigned_ticket_past_its_response_deadline_reminds_the_dispatchers(app):
    ticket = new_ticket(no="SIGN-2", urgency="紧急")  # 2-hour response limit, nobody signs
    clock.advance(timedelta(hours=2, seconds=1))
    sweep()
    assert [n.kind for n in _notices("paidan")] == ["响应超时"]
    assert _notices("wenhua") == []
    lines = [e.title for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
             if e.kind in ("timer", "alert")]
    assert lines == ["响应超时：首次响应时限已到，工单尚未签收分派"]
    assert ticket.state == "待签收"


def test_diagram_texts_module_is_current():
    """app/diagrams/texts.py declares the diagrams' words for the catalogue: regenerate after editing processes/."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "scripts" / "diagram_texts.py"), "--check"], cwd=root)
    assert done.returncode == 0, "run: .venv/bin/python scripts/diagram_texts.py && bash scripts/i18n.sh"


def test_a_platform_reminder_is_masked_in_the_notices_of_a_reader_who_sees_callers_masked(app, browser):
    """A 催办 text the platform wrote reaches the reviewer holding 审核: its phone and ID numbers are masked
    for him, on the notices page and in the inbox's panel, as on the ticket page."""
    ticket = new_ticket()
    run_to(ticket, "review")
    platform_messages.receive(ticket.ticket_no, "催办", "来电人13811112222再次来电，身份证110101198001051234", None,
                              ticket.intake_platform or "city")
    shenhe = browser("shenhe")
    for url in ("/notifications/", "/"):
        page = shenhe.get(url).get_data(as_text=True)
        assert "138****2222" in page and "13811112222" not in page and "110101198001051234" not in page, url
    assert [n.user_id for n in db.session.scalars(select(Notification))] == [user("shenhe").id]
