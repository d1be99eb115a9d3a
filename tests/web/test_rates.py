"""三率 over a month of tickets, against a hand computation of the same month."""

from datetime import timedelta
from decimal import Decimal

from app.engine.clock import clock
from app.extensions import db
from app.services import rates, settings
from tests.conftest import shanghai
from tests.helpers import DISPATCH, HANDLE, RESOLVED, SIGN, complete, new_ticket


def respond_at(ticket, when):
    data = {"contact_time": when.isoformat(), "contact_method": "电话", "contact_person": "王磊",
            "contact_note": ""}
    complete(ticket, "respond", "wenhua", **data)


def close_with(ticket, resolved, satisfied, contacted="是"):
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", review_decision="通过", review_comment="")
    data = dict(RESOLVED, callback_contacted=contacted, callback_resolved=resolved, callback_satisfied=satisfied,
                callback_unreached=None if contacted == "是" else "无人接听")
    complete(ticket, "callback", "huifang", **data)


def test_a_month_of_tickets_matches_the_hand_computation(app, browser):
    settings.put("rate_weight_basic_resolved", 0.8)
    settings.put("rate_weight_basic_satisfied", 0.9)
    db.session.commit()
    # eight tickets received in November 2026, all signed and dispatched at once
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    outcomes = [("解决", "满意"), ("解决", "基本满意"), ("基本解决", "满意"), ("基本解决", "基本满意"),
                ("未解决", "不满意"), ("解决", "满意"), ("基本解决", "不满意")]
    tickets = []
    for n in range(8):
        t = new_ticket(no=f"N-{n}")
        complete(t, "sign", "paidan", **SIGN)
        complete(t, "dispatch", "paidan", **DISPATCH)
        tickets.append(t)
    # responses: 6 in time (within 24 h), 1 late (30 h), 1 excluded ticket never contacted
    clock.freeze(shanghai(2026, 11, 2, 15, 0))
    for t in tickets[:6]:
        respond_at(t, shanghai(2026, 11, 2, 15, 0))
    clock.freeze(shanghai(2026, 11, 3, 15, 0))
    respond_at(tickets[6], shanghai(2026, 11, 3, 15, 0))
    tickets[7].excluded = True  # 剔除 approved: out of the rates
    db.session.commit()
    for t, (resolved, satisfied) in zip(tickets[:7], outcomes, strict=True):
        close_with(t, resolved, satisfied)
    # a December ticket does not belong to November
    clock.freeze(shanghai(2026, 12, 1, 9, 0))
    new_ticket(no="DEC-1")

    result = rates.compute("2026-11")
    # 响应率: 6 in time of 7 counted (the excluded one is out) = 85.71 %
    assert (result["response"].numerator, result["response"].denominator) == (6, 7)
    assert result["response"].value == Decimal("85.71")
    # 解决率: 解决 x3 + 基本解决 x3 x 0.8 = 5.4 of 7 = 77.14 %
    assert result["resolution"].numerator == Decimal("5.4") and result["resolution"].value == Decimal("77.14")
    # 满意率: 满意 x3 + 基本满意 x2 x 0.9 = 4.8 of 7 = 68.57 %
    assert result["satisfaction"].numerator == Decimal("4.8")
    assert result["satisfaction"].value == Decimal("68.57")
    assert [t.ticket_no for t in result["response"].against] == ["N-6"]
    # the 基本 answers are listed too, with the part they take off: every point lost is explained
    resolution, satisfaction = result["resolution"], result["satisfaction"]
    assert [t.ticket_no for t in resolution.against] == ["N-2", "N-3", "N-4", "N-6"]
    assert (resolution.against_count, resolution.partial_count) == (1, 3)
    assert resolution.reasons[tickets[2].id].endswith("，按 0.8 件计入，扣 0.2 件")
    assert [t.ticket_no for t in satisfaction.against] == ["N-1", "N-3", "N-4", "N-6"]
    assert satisfaction.reasons[tickets[1].id].endswith("，按 0.9 件计入，扣 0.1 件")
    lost = (resolution.against_count + resolution.partial_count * Decimal("0.2"))
    assert resolution.denominator - resolution.numerator == lost, "the listed tickets explain every point lost"

    page = browser("zhuguan").get("/supervisor/rates?period=2026-11").get_data(as_text=True)
    assert "85.71%" in page and "77.14%" in page and "68.57%" in page


def test_month_boundary_from_the_19th(app):
    settings.put("assessment_start_day", 19)
    db.session.commit()
    start, end = rates.period_bounds("2026-11")
    assert (start, end) == (shanghai(2026, 10, 19), shanghai(2026, 11, 19))
    assert rates.current_period(shanghai(2026, 11, 18, 23, 59)) == "2026-11"
    assert rates.current_period(shanghai(2026, 11, 19, 0, 0)) == "2026-12"
    assert rates.period_bounds("2026-01") == (shanghai(2025, 12, 19), shanghai(2026, 1, 19))


def test_projection_counts_open_tickets_at_risk_as_misses(app, browser):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    done = new_ticket(no="DONE")
    complete(done, "sign", "paidan", **SIGN)
    complete(done, "dispatch", "paidan", **DISPATCH)
    respond_at(done, shanghai(2026, 11, 2, 9, 0))
    close_with(done, "解决", "满意")
    waiting = new_ticket(no="WAIT")
    complete(waiting, "sign", "paidan", **SIGN)
    complete(waiting, "dispatch", "paidan", **DISPATCH)
    clock.advance(timedelta(hours=20))  # its response deadline is 4 hours away
    result = rates.compute("2026-11")
    assert result["response"].value == Decimal("100.00")
    assert [t.ticket_no for t in result["response"].at_risk] == ["WAIT"]
    assert result["response"].projected == Decimal("50.00")
    page = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert 'id="rates"' in page and "50.00%" in page
