"""三率 at the edges: the last valid callback counts, figures as numbers, the projection in two kinds,
every ticket against a rate with its reason (issue 13, item 2)."""

from datetime import timedelta
from decimal import Decimal

from app.engine.clock import clock
from app.extensions import db
from app.services import rates
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import APPROVE, HANDLE, RESOLVED, UNRESOLVED, complete, new_ticket, open_item, run_to

UNREACHED = dict(RESOLVED, callback_contacted="否", callback_resolved=None, callback_satisfied=None,
                 callback_unreached="无人接听")


def _next_callback(ticket):
    """The retry timer of an unreached callback fires (one working day later)."""
    for _ in range(5):
        if open_item(ticket, "callback") is not None:
            return
        clock.advance(timedelta(days=1))
        sweep()
    raise AssertionError("no callback retry came")


def test_unreached_callbacks_after_rework_keep_the_first_answer(app, browser):
    """未解决/不满意, 二次办理, then 无人接听 three times: the ticket still counts with its first answer."""
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    good = new_ticket(no="GOOD")
    run_to(good, stop_before="callback")
    complete(good, "callback", "huifang", **RESOLVED)
    bad = new_ticket(no="BAD")
    run_to(bad, stop_before="callback")
    complete(bad, "callback", "huifang", **UNRESOLVED)  # -> 二次办理
    complete(bad, "handle", "wenhua", **HANDLE)
    complete(bad, "review", "shenhe", **APPROVE)
    for attempt in range(3):
        complete(bad, "callback", "huifang", **UNREACHED)
        if attempt < 2:
            _next_callback(bad)
    db.session.refresh(bad)
    assert bad.closed_at is not None and bad.rework_count == 1
    assert bad.outcome == "无人接听"
    assert (bad.callback_contacted, bad.callback_resolved, bad.callback_satisfied) == (True, "未解决", "不满意")

    result = rates.compute("2026-11")
    resolution, satisfaction = result["resolution"], result["satisfaction"]
    # both tickets count: 1 of 2 resolved (not 1 of 1 = 100.00 as when the answer was erased)
    assert (resolution.numerator, resolution.denominator, resolution.value) == (1, 2, Decimal("50.00"))
    assert (satisfaction.numerator, satisfaction.denominator, satisfaction.value) == (1, 2, Decimal("50.00"))
    assert [t.ticket_no for t in resolution.against] == ["BAD"]
    reason = resolution.reasons[bad.id]
    assert reason.startswith("回访：未解决（2026-11-") and "其后回访：无人接听，按此前有效回访计" in reason

    page = browser("zhuguan").get("/supervisor/rates?period=2026-11").get_data(as_text=True)
    assert "50.00%" in page and "以最后一次有效回访为准" in page
    assert "其后回访：无人接听，按此前有效回访计" in page


def test_never_reached_counts_in_no_denominator(app):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    ticket = new_ticket(no="NOBODY")
    run_to(ticket, stop_before="callback")
    for attempt in range(3):
        complete(ticket, "callback", "huifang", **UNREACHED)
        if attempt < 2:
            _next_callback(ticket)
    db.session.refresh(ticket)
    assert ticket.closed_at is not None and ticket.callback_contacted is False
    result = rates.compute("2026-11")
    assert result["resolution"].denominator == 0 and result["resolution"].value is None


def test_a_later_valid_callback_replaces_the_earlier_answer(app):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    ticket = new_ticket(no="SECOND")
    run_to(ticket, stop_before="callback")
    complete(ticket, "callback", "huifang", **UNRESOLVED)
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", **APPROVE)
    complete(ticket, "callback", "huifang", **UNREACHED)
    _next_callback(ticket)
    complete(ticket, "callback", "huifang", **dict(RESOLVED, callback_resolved="基本解决", callback_satisfied="满意"))
    db.session.refresh(ticket)
    assert (ticket.callback_resolved, ticket.callback_satisfied, ticket.outcome) == ("基本解决", "满意", "基本解决/满意")
    result = rates.compute("2026-11")
    assert result["resolution"].numerator == Decimal("0.8")
    [listed] = result["resolution"].against  # 基本解决: listed with the 0.2 it takes off
    assert result["resolution"].reasons[listed.id].endswith("，按 0.8 件计入，扣 0.2 件")
    assert result["satisfaction"].value == Decimal("100.00")


def test_numerators_are_written_as_numbers():
    rate = rates.Rate("x", Decimal("150.0"), 160, 90)
    assert str(Decimal("150.0").normalize()) == "1.5E+2"  # what the page used to show
    assert rate.numerator_text == "150"
    assert rates.Rate.number(Decimal("100")) == "100"
    assert rates.Rate.number(Decimal("5.40")) == "5.4"
    assert rates.Rate.number(Decimal("0")) == "0"
    assert rates.Rate.number(Decimal("1E+3")) == "1000"


def test_rate_card_shows_plain_numbers(app, browser):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    for n in range(10):
        ticket = new_ticket(no=f"R-{n}")
        run_to(ticket, stop_before="callback")
        complete(ticket, "callback", "huifang", **RESOLVED)
    page = browser("zhuguan").get("/supervisor/rates?period=2026-11").get_data(as_text=True)
    assert "分子 10 / 分母 10" in page and "E+" not in page


def test_projection_splits_deadline_risk_from_callback_risk(app, browser):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    replied = new_ticket(no="REPLIED")  # replied on time, waiting for its callback
    run_to(replied, stop_before="callback")
    done = new_ticket(no="DONE")
    run_to(done, stop_before="callback")
    complete(done, "callback", "huifang", **RESOLVED)
    handling = new_ticket(no="HANDLING")  # not replied, its reply deadline (7 working days) is near
    run_to(handling, stop_before="handle")
    clock.freeze(shanghai(2026, 11, 9, 10, 0))  # 2 working days before HANDLING's deadline of 11 Nov
    result = rates.compute("2026-11")
    resolution = result["resolution"]
    assert [t.ticket_no for t in resolution.deadline_risk] == ["HANDLING"]
    assert [t.ticket_no for t in resolution.callback_risk] == ["REPLIED"]
    assert resolution.value == Decimal("100.00")
    assert resolution.projected_deadline == Decimal("50.00")  # 1 / (1 + 1)
    assert resolution.projected_callback == Decimal("50.00")
    assert resolution.projected == Decimal("33.33")  # both: 1 / 3
    assert result["response"].callback_risk == []
    page = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert "若 1 件临近或已过时限的工单超期：50.00%" in page
    assert "若 1 件待回访工单回访结果不佳：50.00%" in page and "两者都发生：33.33%" in page
    detail = browser("zhuguan").get("/supervisor/rates?period=2026-11").get_data(as_text=True)
    assert "时限风险" in detail and "回访风险" in detail


def test_response_against_entries_say_late_or_never_contacted(app, browser):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    late = new_ticket(no="LATE")
    never = new_ticket(no="NEVER")
    run_to(late, stop_before="respond")
    run_to(never, stop_before="respond")
    clock.freeze(shanghai(2026, 11, 3, 15, 0))  # 30 hours later: past the 24-hour response limit
    complete(late, "respond", "wenhua", contact_time=clock.now().isoformat(), contact_method="电话",
             contact_person="王磊", contact_note="")
    result = rates.compute("2026-11")
    response = result["response"]
    assert sorted(t.ticket_no for t in response.against) == ["LATE", "NEVER"]
    assert response.reasons[late.id] == "响应超时：首次联系 2026-11-03 15:00，时限 2026-11-03 09:00"
    assert response.reasons[never.id] == "未联系来电人：响应时限 2026-11-03 09:00 已过"
    page = browser("zhuguan").get("/supervisor/rates?period=2026-11").get_data(as_text=True)
    assert "响应超时：首次联系 2026-11-03 15:00" in page and "未联系来电人：响应时限 2026-11-03 09:00 已过" in page
