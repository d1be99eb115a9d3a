"""The platform's 办理时限 binds: 催办 as soon as a ticket arrives already within three working days of it,
and a 二次办理 never runs past it while it is still ahead."""

from datetime import timedelta

from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, Notification, User
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import APPROVE, HANDLE, UNRESOLVED, complete, new_ticket, run_to


def test_a_ticket_due_within_three_working_days_is_urged_while_it_waits_at_sign(app):
    # received Wed 25 Nov 10:00, the platform wants the reply by Fri 27 Nov 17:00
    ticket = new_ticket(platform_deadline=shanghai(2026, 11, 27, 17, 0))
    clock.advance(timedelta(seconds=1))  # (the test's clock stands still; a real one has moved on)
    sweep()
    db.session.expire_all()
    assert ticket.reply_deadline == shanghai(2026, 11, 27, 17, 0)
    assert ticket.urge_at == ticket.received_at, "催办 at once, not at an instant before the ticket arrived"
    urges = db.session.scalars(select(Alert).where(Alert.ticket_id == ticket.id, Alert.kind == "催办")).all()
    assert [a.message for a in urges] == ["距办理时限不足3个工作日，工单尚未签收分派，请尽快处理"]
    told = {db.session.get(User, n.user_id).username for n in db.session.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == "催办")) if "签收分派" in n.text}
    assert "paidan" in told, told


def test_a_ticket_with_time_left_is_not_urged_at_sign(app):
    ticket = new_ticket()  # 7 working days: 催办 on Tue 1 Dec
    clock.advance(timedelta(hours=20))
    sweep()
    assert db.session.scalars(select(Alert).where(Alert.ticket_id == ticket.id, Alert.kind == "催办")).all() == []


def test_rework_stays_within_a_platform_deadline_still_ahead(app):
    ticket = new_ticket(platform_deadline=shanghai(2026, 12, 8, 17, 0))
    run_to(ticket, "callback")
    clock.freeze(shanghai(2026, 12, 3, 13, 0))  # Thu: seven working days on would be Mon 14 Dec
    complete(ticket, "callback", "huifang", **UNRESOLVED)
    db.session.expire_all()
    assert ticket.rework_count == 1
    assert ticket.reply_deadline == shanghai(2026, 12, 8, 17, 0)
    assert ticket.urge_at == shanghai(2026, 12, 3, 17, 0)  # three working days before it


def test_rework_without_a_platform_deadline_has_seven_working_days_again(app):
    ticket = new_ticket()
    run_to(ticket, "callback")
    clock.freeze(shanghai(2026, 12, 3, 13, 0))
    complete(ticket, "callback", "huifang", **UNRESOLVED)
    db.session.expire_all()
    assert ticket.reply_deadline == shanghai(2026, 12, 14, 13, 0)
    assert ticket.urge_at == shanghai(2026, 12, 9, 13, 0)


def test_a_second_handling_that_misses_its_new_deadline_is_overdue_again(app):
    """超期 is raised each time a 办理时限 passes: the 二次办理's new one too (a 响应超时 is once per ticket)."""
    ticket = new_ticket()
    run_to(ticket, "handle")
    clock.freeze(ticket.reply_deadline + timedelta(hours=1))
    sweep()
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", **APPROVE)
    complete(ticket, "callback", "huifang", **UNRESOLVED)
    db.session.expire_all()
    assert ticket.rework_count == 1
    clock.freeze(ticket.reply_deadline + timedelta(hours=1))
    sweep()
    overdue = db.session.scalars(select(Alert).where(Alert.ticket_id == ticket.id, Alert.kind == "超期")).all()
    assert len(overdue) == 2, [a.message for a in overdue]
