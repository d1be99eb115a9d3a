"""三率 by SQL aggregates (issue 14) give exactly what the former walk over every ticket gave.

``reference`` below is that walk, kept here as the definition the SQL must match: over randomized
tickets covering every branch of the rules (and the period's edges), the numerators (as Decimal, digit
for digit), denominators, projections, the tickets of each list in order and their reasons agree.
"""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import Ticket
from app.services import _, _l, rates, settings, time_rules
from tests.conftest import shanghai

NOW = shanghai(2026, 11, 13, 16, 0)  # a Friday: "due soon" spans a weekend


# ----------------------------------------------------------------- the former walk, as it was


def _against(rate, ticket, reason):
    rate.against.append(ticket)
    rate.reasons[ticket.id] = reason


def _callback_reason(ticket, answer, weight=None):
    reason = _("回访：%(answer)s（%(at)s）", answer=answer, at=rates._local(ticket.callback_at))
    if weight is not None:  # a 基本 answer: counted at its weight, the rest taken off
        reason += _("，按 %(w)s 件计入，扣 %(lost)s 件", w=rates.Rate.number(weight), lost=rates.Rate.number(1 - weight))
    counted = f"{ticket.callback_resolved}/{ticket.callback_satisfied}"
    if ticket.outcome and ticket.outcome != counted:
        reason += _("；其后回访：%(outcome)s，按此前有效回访计", outcome=ticket.outcome)
    return reason


def reference(label=None, bounds=None, tickets=None):
    """``tickets``: rows already read (the reports read plain rows of the columns used here)."""
    label = label or rates.current_period()
    now = clock.now()
    cal = calendar_store.get_calendar()
    soon = time_rules.urge_workdays()
    start, end = bounds or rates.period_bounds(label)
    tickets = tickets if tickets is not None else list(db.session.scalars(
        select(Ticket).where(Ticket.received_at >= start, Ticket.received_at < end, Ticket.excluded.is_(False),
                             Ticket.state.not_in(rates.NOT_COUNTED_STATES)).order_by(Ticket.received_at)))
    w_resolved = Decimal(str(rates.setting("rate_weight_basic_resolved")))
    w_satisfied = Decimal(str(rates.setting("rate_weight_basic_satisfied")))
    one, zero = Decimal(1), Decimal(0)
    _local = rates._local

    response = rates.Rate(_l("响应率"), zero, 0, float(rates.setting("rate_target_response")))
    resolution = rates.Rate(_l("解决率"), zero, 0, float(rates.setting("rate_target_resolution")))
    satisfaction = rates.Rate(_l("满意率"), zero, 0, float(rates.setting("rate_target_satisfaction")))

    for t in tickets:
        if t.first_contact_at is not None:
            response.denominator += 1
            if t.response_deadline is None or t.first_contact_at <= t.response_deadline:
                response.numerator += 1
            else:
                _against(response, t, _("响应超时：首次联系 %(at)s，时限 %(deadline)s", at=_local(t.first_contact_at),
                                        deadline=_local(t.response_deadline)))
        elif t.response_deadline is not None and t.response_deadline <= now:
            response.denominator += 1
            _against(response, t, _("未联系来电人：响应时限 %(deadline)s 已过", deadline=_local(t.response_deadline)))
        elif t.response_deadline is not None and cal.is_within_workdays(now, t.response_deadline, soon):
            response.at_risk.append(t)
            response.deadline_risk.append(t)
        if t.callback_contacted:
            resolution.denominator += 1
            satisfaction.denominator += 1
            resolution.numerator += {lifecycle.RESOLVED: one, lifecycle.BASICALLY_RESOLVED: w_resolved}.get(
                t.callback_resolved, zero)
            satisfaction.numerator += {lifecycle.SATISFIED: one, lifecycle.BASICALLY_SATISFIED: w_satisfied}.get(
                t.callback_satisfied, zero)
            if t.callback_resolved == lifecycle.UNRESOLVED:
                _against(resolution, t, _callback_reason(t, t.callback_resolved))
            elif t.callback_resolved == lifecycle.BASICALLY_RESOLVED and w_resolved < 1:
                _against(resolution, t, _callback_reason(t, t.callback_resolved, w_resolved))
                resolution.partial_count += 1
            if t.callback_satisfied == lifecycle.UNSATISFIED:
                _against(satisfaction, t, _callback_reason(t, t.callback_satisfied))
            elif t.callback_satisfied == lifecycle.BASICALLY_SATISFIED and w_satisfied < 1:
                _against(satisfaction, t, _callback_reason(t, t.callback_satisfied, w_satisfied))
                satisfaction.partial_count += 1
        elif t.closed_at is None and t.replied_at is not None:
            for rate in (resolution, satisfaction):
                rate.at_risk.append(t)
                rate.callback_risk.append(t)
        elif t.closed_at is None and t.reply_deadline is not None and (
                t.reply_deadline <= now or cal.is_within_workdays(now, t.reply_deadline, soon)):
            for rate in (resolution, satisfaction):
                rate.at_risk.append(t)
                rate.deadline_risk.append(t)

    for rate in (response, resolution, satisfaction):
        rate.projected_numerator = rate.numerator
        rate.projected_denominator = rate.denominator + len(rate.at_risk)
        rate.against_count, rate.deadline_risk_count = len(rate.against) - rate.partial_count, len(rate.deadline_risk)
        rate.callback_risk_count = len(rate.callback_risk)
    return {"response": response, "resolution": resolution, "satisfaction": satisfaction}


# ----------------------------------------------------------------- randomized tickets


def make_tickets(rnd: random.Random, count: int, start, end) -> None:
    """``count`` tickets received in and just around [start, end), each field drawn over every branch."""
    soon_until = calendar_store.get_calendar().add_workdays(NOW, time_rules.urge_workdays())
    hour = timedelta(hours=1)
    edges = [start, start - timedelta(microseconds=1), end, end - timedelta(microseconds=1), start - hour, end + hour]

    def deadline():
        return rnd.choice([None, NOW - 50 * hour, NOW - hour, NOW, NOW + timedelta(microseconds=1), NOW + 3 * hour,
                           soon_until - hour, soon_until, soon_until + timedelta(microseconds=1), NOW + 300 * hour])

    span = (end - start).total_seconds()
    states = [str(s) for s in lifecycle.OPEN_STATES] + [str(lifecycle.END_CLOSED)] * 4 + [
        str(lifecycle.END_RETURNED), str(lifecycle.END_TRANSFERRED)]
    answers_r = ["解决", "基本解决", "未解决", ""]
    answers_s = ["满意", "基本满意", "不满意", ""]
    rows = []
    for n in range(count):
        received = edges[n] if n < len(edges) else start + timedelta(seconds=rnd.uniform(-2 * 86400, span + 86400))
        received += timedelta(microseconds=n)  # one order by received_at, whatever the database breaks ties with
        response_deadline = deadline()
        contact = rnd.choice([None, None, "early", "equal", "late"])
        base = response_deadline or NOW
        first_contact = {None: None, "early": base - 2 * hour, "equal": base, "late": base + 2 * hour}[contact]
        closed = rnd.random() < 0.6
        contacted = rnd.choice([None, None, False, True, True, True])
        resolved, satisfied = rnd.choice(answers_r), rnd.choice(answers_s)
        counted_answer = f"{resolved}/{satisfied}"
        rows.append(Ticket(
            ticket_no=f"EQ-{n}", ticket_type="投诉", title=f"工单 {n}", content="内容", received_at=received,
            state=rnd.choice(states), excluded=rnd.random() < 0.1, response_deadline=response_deadline,
            first_contact_at=first_contact, reply_deadline=deadline(),
            replied_at=rnd.choice([None, NOW - 5 * hour]), closed_at=NOW - 2 * hour if closed else None,
            callback_contacted=contacted, callback_resolved=resolved if contacted is not None else "",
            callback_satisfied=satisfied if contacted is not None else "",
            callback_at=rnd.choice([None, NOW - 3 * hour]) if contacted else None,
            outcome=rnd.choice(["", counted_answer, "无人接听", "无法回访"])))
    db.session.add_all(rows)
    db.session.flush()


def assert_same(new: dict, old: dict, listed: int | None = None) -> None:
    assert list(new) == list(old)
    for key in old:
        n, o = new[key], old[key]
        assert str(n.numerator) == str(o.numerator), key  # Decimal digit for digit (5.4, not 5.40)
        assert n.numerator_text == o.numerator_text
        assert (n.denominator, n.projected_numerator, n.projected_denominator) == (
            o.denominator, o.projected_numerator, o.projected_denominator), key
        assert (n.value, n.projected, n.projected_deadline, n.projected_callback, n.meets_target, n.target) == (
            o.value, o.projected, o.projected_deadline, o.projected_callback, o.meets_target, o.target), key
        assert (n.against_count + n.partial_count, n.deadline_risk_count, n.callback_risk_count, n.at_risk_count) == (
            len(o.against), len(o.deadline_risk), len(o.callback_risk), len(o.at_risk)), key
        assert n.partial_count == o.partial_count, key
        if listed == 0:
            assert n.against == n.at_risk == n.deadline_risk == n.callback_risk == [] and n.reasons == {}
            continue
        for name in ("against", "at_risk", "deadline_risk", "callback_risk"):
            assert [t.id for t in getattr(n, name)] == [t.id for t in getattr(o, name)][:listed], (key, name)
        assert n.reasons == {t.id: o.reasons[t.id] for t in n.against}, key


@pytest.mark.parametrize("seed,start_day", [(1, 1), (2, 19), (3, 1), (4, 26)])
def test_sql_rates_equal_the_walk_over_every_ticket(app, seed, start_day):
    settings.put("assessment_start_day", start_day)
    settings.put("rate_weight_basic_resolved", 0.75)
    settings.put("rate_weight_basic_satisfied", 0.9)
    db.session.flush()
    clock.freeze(NOW)
    start, end = rates.period_bounds("2026-11")
    make_tickets(random.Random(seed), 400, start, end)
    old = reference("2026-11")
    assert old["response"].against and old["resolution"].against and old["response"].at_risk
    assert old["resolution"].callback_risk and old["resolution"].deadline_risk  # every list has tickets
    assert old["response"].numerator and old["resolution"].numerator.as_tuple().exponent < 0  # weighted answers
    assert_same(rates.compute("2026-11", listed=None), old)
    assert_same(rates.compute(listed=None), reference())  # the current period
    assert_same(rates.compute("2026-11", listed=7), old, listed=7)  # what a page loads: the first few
    assert_same(rates.compute("2026-11", listed=0), old, listed=0)  # what a report reads: the figures
    week = (start + timedelta(days=3), start + timedelta(days=10))  # a report over any range of days
    assert_same(rates.compute("2026-11", bounds=week, listed=None), reference("2026-11", bounds=week))


def test_an_empty_period_has_no_rates(app):
    clock.freeze(NOW)
    result = rates.compute("2020-01")
    assert_same(result, reference("2020-01"))
    assert all(r.value is None and r.projected is None and r.numerator_text == "0" for r in result.values())
