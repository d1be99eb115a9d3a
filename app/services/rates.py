"""三率 the three monthly rates the desk is paid on: 响应率, 解决率, 满意率.

Computed from what was recorded, over the tickets of an assessment period that count
(计入考核: not excluded, not returned or transferred):

- 响应率 = tickets whose caller was contacted by the response deadline / tickets that count
  and whose response is decided (contacted, or the deadline passed);
- 解决率 = (解决 + w x 基本解决) / tickets with a valid callback (caller reached);
- 满意率 = (满意 + w x 基本满意) / tickets with a valid callback.

The last *valid* callback counts: an attempt that reaches nobody (无人接听, 无法回访) never
erases an earlier answer (app/tasks/callback.py keeps it on the ticket), so a ticket answered
未解决/不满意, reworked and then not reached three times still counts with that answer.

The weights, the targets and the day the assessment month starts on are settings.
The projection counts every open ticket at risk as a miss, in two kinds: deadline risk (not
yet contacted / not yet replied, and overdue or due within the 催办 working days) and callback
risk (replied, no valid callback yet: the answer is still to come). Every ticket counted
against a rate carries its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import calendar_store
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import Ticket
from app.services import _, _l, settings, time_rules

DEFAULTS = {
    "rate_weight_basic_resolved": 0.8,
    "rate_weight_basic_satisfied": 0.8,
    "rate_target_response": 99.0,
    "rate_target_resolution": 90.0,
    "rate_target_satisfaction": 90.0,
    "assessment_start_day": 1,  # some units count from the 19th of the previous month
}
NOT_COUNTED_STATES = lifecycle.NOT_COUNTED


def setting(key: str):
    return settings.get(key, DEFAULTS[key])


@dataclass
class Rate:
    name: object  # a lazy translated label
    numerator: Decimal
    denominator: int
    target: float
    projected_numerator: Decimal = Decimal(0)
    projected_denominator: int = 0
    against: list = field(default_factory=list)  # tickets that count against the rate
    at_risk: list = field(default_factory=list)  # open tickets that would count against it if missed
    reasons: dict = field(default_factory=dict)  # ticket id -> why it counts against (a translated text)
    deadline_risk: list = field(default_factory=list)  # at risk because a deadline is near or past
    callback_risk: list = field(default_factory=list)  # replied, waiting for a valid callback

    @staticmethod
    def number(value: Decimal | int) -> str:
        """5.4, 150, 0 (never "1.5E+2"): a figure as people write it."""
        text = format(Decimal(value).normalize(), "f")
        return text

    @property
    def numerator_text(self) -> str:
        return self.number(self.numerator)

    def projected_with(self, risky: list) -> Decimal | None:
        """The rate if these open tickets count as misses."""
        return self.percent(self.numerator, self.denominator + len(risky))

    @property
    def projected_deadline(self) -> Decimal | None:
        return self.projected_with(self.deadline_risk)

    @property
    def projected_callback(self) -> Decimal | None:
        return self.projected_with(self.callback_risk)

    @staticmethod
    def percent(numerator: Decimal, denominator: int) -> Decimal | None:
        if not denominator:
            return None
        value = Decimal(numerator) * 100 / Decimal(denominator)
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def value(self) -> Decimal | None:
        return self.percent(self.numerator, self.denominator)

    @property
    def projected(self) -> Decimal | None:
        return self.percent(self.projected_numerator, self.projected_denominator)

    @property
    def meets_target(self) -> bool | None:
        return None if self.value is None else self.value >= Decimal(str(self.target))


def period_bounds(label: str) -> tuple[datetime, datetime]:
    """'2026-11' -> [start, end) in Asia/Shanghai, honouring the month-boundary setting."""
    year, month = (int(part) for part in label.split("-"))
    start_day = int(setting("assessment_start_day"))
    if start_day <= 1:
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
    else:
        prev_year, prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
        start = date(prev_year, prev_month, start_day)
        end = date(year, month, start_day)
    return (datetime.combine(start, datetime.min.time(), LOCAL_TZ),
            datetime.combine(end, datetime.min.time(), LOCAL_TZ))


def current_period(now: datetime | None = None) -> str:
    local = (now or clock.now()).astimezone(LOCAL_TZ)
    start_day = int(setting("assessment_start_day"))
    year, month = local.year, local.month
    if start_day > 1 and local.day >= start_day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


def counted_tickets(label: str, bounds: tuple[datetime, datetime] | None = None) -> list[Ticket]:
    start, end = bounds or period_bounds(label)
    return list(db.session.scalars(
        select(Ticket).where(Ticket.received_at >= start, Ticket.received_at < end, Ticket.excluded.is_(False),
                             Ticket.state.not_in(NOT_COUNTED_STATES)).order_by(Ticket.received_at)
    ))


def _local(at: datetime | None) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if at else "—"


def _against(rate: Rate, ticket: Ticket, reason: str) -> None:
    rate.against.append(ticket)
    rate.reasons[ticket.id] = reason


def _callback_reason(ticket: Ticket, answer: str) -> str:
    """回访：未解决（2026-11-20 10:00）, and what came after when later attempts reached nobody."""
    reason = _("回访：%(answer)s（%(at)s）", answer=answer, at=_local(ticket.callback_at))
    counted = f"{ticket.callback_resolved}/{ticket.callback_satisfied}"
    if ticket.outcome and ticket.outcome != counted:
        reason += _("；其后回访：%(outcome)s，按此前有效回访计", outcome=ticket.outcome)
    return reason


RULE_COLUMNS = ("id", "first_contact_at", "response_deadline", "callback_contacted", "callback_resolved",
                "callback_satisfied", "closed_at", "reply_deadline", "replied_at", "callback_at", "outcome")  # what the rules below read


def counted_rows(label: str, bounds: tuple[datetime, datetime] | None = None) -> list:
    """The counted tickets as plain rows of the columns the rules read (reports over many months)."""
    start, end = bounds or period_bounds(label)
    return list(db.session.execute(
        select(*[getattr(Ticket, c) for c in RULE_COLUMNS]).where(
            Ticket.received_at >= start, Ticket.received_at < end, Ticket.excluded.is_(False),
            Ticket.state.not_in(NOT_COUNTED_STATES))))


def compute(label: str | None = None, bounds: tuple[datetime, datetime] | None = None,
            rows: list | None = None) -> dict[str, Rate]:
    """The rates of an assessment period, or of the tickets received in ``bounds`` [start, end) (reports);
    ``rows``: the counted tickets already read (``counted_rows``), ``against``/``at_risk`` then hold rows."""
    label = label or current_period()
    now = clock.now()
    cal = calendar_store.get_calendar()
    soon = time_rules.urge_workdays()  # at risk: due within the 催办 rule's working days
    tickets = rows if rows is not None else counted_tickets(label, bounds)
    w_resolved = Decimal(str(setting("rate_weight_basic_resolved")))
    w_satisfied = Decimal(str(setting("rate_weight_basic_satisfied")))
    one, zero = Decimal(1), Decimal(0)

    response = Rate(_l("响应率"), zero, 0, float(setting("rate_target_response")))
    resolution = Rate(_l("解决率"), zero, 0, float(setting("rate_target_resolution")))
    satisfaction = Rate(_l("满意率"), zero, 0, float(setting("rate_target_satisfaction")))

    for t in tickets:
        # 响应率
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
        # 解决率 / 满意率: valid callbacks only (the last valid one, see app/tasks/callback.py)
        if t.callback_contacted:
            resolution.denominator += 1
            satisfaction.denominator += 1
            resolution.numerator += {lifecycle.RESOLVED: one, lifecycle.BASICALLY_RESOLVED: w_resolved}.get(t.callback_resolved, zero)
            satisfaction.numerator += {lifecycle.SATISFIED: one, lifecycle.BASICALLY_SATISFIED: w_satisfied}.get(
                t.callback_satisfied, zero)
            if t.callback_resolved == lifecycle.UNRESOLVED:
                _against(resolution, t, _callback_reason(t, t.callback_resolved))
            if t.callback_satisfied == lifecycle.UNSATISFIED:
                _against(satisfaction, t, _callback_reason(t, t.callback_satisfied))
        elif t.closed_at is None and t.replied_at is not None:
            for rate in (resolution, satisfaction):  # replied: what is at risk is the callback's answer
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
    return {"response": response, "resolution": resolution, "satisfaction": satisfaction}
