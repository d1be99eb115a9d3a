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

Every figure is counted by one SQL aggregate over the period's tickets (issue 14: quick at a million
tickets); the tickets behind them are loaded only as far as a page lists them (``LISTED``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import load_only

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import calendar_store
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import Ticket
from app.services import _, _l, query_args, settings, time_rules

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
    against_count: int = 0  # tickets that count against the rate
    partial_count: int = 0  # 基本解决/基本满意: counted at their weight, so partly against the rate
    deadline_risk_count: int = 0  # at risk because a deadline is near or past
    callback_risk_count: int = 0  # replied, waiting for a valid callback
    # the first of those tickets (compute's ``listed``), in the order received:
    against: list = field(default_factory=list)
    at_risk: list = field(default_factory=list)  # open tickets that would count against it if missed (both kinds)
    reasons: dict = field(default_factory=dict)  # ticket id -> why it counts against (a translated text)
    deadline_risk: list = field(default_factory=list)
    callback_risk: list = field(default_factory=list)

    @staticmethod
    def number(value: Decimal | int) -> str:
        """5.4, 150, 0 (never "1.5E+2"): a figure as people write it."""
        text = format(Decimal(value).normalize(), "f")
        return text

    @property
    def numerator_text(self) -> str:
        return self.number(self.numerator)

    @property
    def at_risk_count(self) -> int:
        return self.deadline_risk_count + self.callback_risk_count

    def projected_with(self, risky: int) -> Decimal | None:
        """The rate if this many open tickets count as misses."""
        return self.percent(self.numerator, self.denominator + risky)

    @property
    def projected_deadline(self) -> Decimal | None:
        return self.projected_with(self.deadline_risk_count)

    @property
    def projected_callback(self) -> Decimal | None:
        return self.projected_with(self.callback_risk_count)

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


def period_problem(label: str) -> str | None:
    """Why ``label`` is no 考核期 ``period_bounds`` takes, in the user's words (None: it is one)."""
    try:
        period_bounds(label)
    except ValueError:
        if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", label or ""):
            return _("考核期 %(period)s 超出可查询的年份（%(low)s—%(high)s 年）。", period=label,
                     low=query_args.YEARS[0], high=query_args.YEARS[1])
        return _("考核期格式应为 YYYY-MM。")
    return None


def period_bounds(label: str) -> tuple[datetime, datetime]:
    """'2026-11' -> [start, end) in Asia/Shanghai, honouring the month-boundary setting. ValueError unless
    the label is YYYY-MM within query_args.YEARS (a typed 2026-1 is refused, as the 三率 page refuses it, not read as January)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", label or ""):
        raise ValueError(f"not a YYYY-MM period: {label!r}")
    year, month = (int(part) for part in label.split("-"))
    query_args.in_years(date(year, month, 1))  # 0001-01, 9999-12: ValueError, as a malformed label
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


LISTED = 50  # the page lists this many tickets of each kind (the totals are counted)
LISTED_ALL = 5000  # 列出全部: every ticket of each list, up to this many
LIST_COLUMNS = ("id", "ticket_no", "title", "state", "received_at", "section_id", "created_by_id", "response_deadline",
                "first_contact_at", "reply_deadline", "replied_at", "closed_at", "callback_contacted", "callback_at",
                "callback_resolved", "callback_satisfied", "outcome")  # what the lists and their reasons show


def counted(start: datetime, end: datetime):
    """计入考核, as SQL: received in [start, end), not excluded, not returned or transferred."""
    return and_(Ticket.received_at >= start, Ticket.received_at < end, Ticket.excluded.is_(False),
                Ticket.state.not_in(NOT_COUNTED_STATES))


def rules(now: datetime, soon_until: datetime) -> dict:
    """Every count of the rates, as SQL conditions on a counted ticket (``soon_until``: the end of the 催办
    working days from ``now``, so "due soon" is ``now < deadline <= soon_until`` as in is_within_workdays)."""
    t = Ticket
    reached = t.callback_contacted.is_(True)
    open_unreached = and_(or_(t.callback_contacted.is_(None), t.callback_contacted.is_(False)), t.closed_at.is_(None))

    def due_soon(deadline):
        return and_(deadline > now, deadline <= soon_until)

    return {
        "response_ok": and_(t.first_contact_at.is_not(None), or_(
            t.response_deadline.is_(None), t.first_contact_at <= t.response_deadline)),
        "response_late": and_(t.first_contact_at.is_not(None), t.response_deadline.is_not(None),
                              t.first_contact_at > t.response_deadline),
        "response_missed": and_(t.first_contact_at.is_(None), t.response_deadline.is_not(None),
                                t.response_deadline <= now),
        "response_risk": and_(t.first_contact_at.is_(None), due_soon(t.response_deadline)),
        "reached": reached,
        "resolved": and_(reached, t.callback_resolved == str(lifecycle.RESOLVED)),
        "basic_resolved": and_(reached, t.callback_resolved == str(lifecycle.BASICALLY_RESOLVED)),
        "unresolved": and_(reached, t.callback_resolved == str(lifecycle.UNRESOLVED)),
        "satisfied": and_(reached, t.callback_satisfied == str(lifecycle.SATISFIED)),
        "basic_satisfied": and_(reached, t.callback_satisfied == str(lifecycle.BASICALLY_SATISFIED)),
        "unsatisfied": and_(reached, t.callback_satisfied == str(lifecycle.UNSATISFIED)),
        "callback_risk": and_(open_unreached, t.replied_at.is_not(None)),  # replied: the answer is still to come
        "reply_risk": and_(open_unreached, t.replied_at.is_(None), t.reply_deadline.is_not(None),
                           or_(t.reply_deadline <= now, due_soon(t.reply_deadline))),
    }


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _local(at: datetime | None) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if at else "—"


def response_reason(ticket: Ticket) -> str:
    if ticket.first_contact_at is not None:
        return _("响应超时：首次联系 %(at)s，时限 %(deadline)s", at=_local(ticket.first_contact_at),
                 deadline=_local(ticket.response_deadline))
    return _("未联系来电人：响应时限 %(deadline)s 已过", deadline=_local(ticket.response_deadline))


def callback_reason(ticket: Ticket, answer: str, weight: Decimal | None = None) -> str:
    """回访：未解决（2026-11-20 10:00）, and what came after when later attempts reached nobody; a 基本 answer
    says the part it takes off (``weight``: what it counts for)."""
    reason = _("回访：%(answer)s（%(at)s）", answer=answer, at=_local(ticket.callback_at))
    if weight is not None:
        reason += _("，按 %(w)s 件计入，扣 %(lost)s 件", w=Rate.number(weight), lost=Rate.number(1 - weight))
    counted_answer = f"{ticket.callback_resolved}/{ticket.callback_satisfied}"
    if ticket.outcome and ticket.outcome != counted_answer:
        reason += _("；其后回访：%(outcome)s，按此前有效回访计", outcome=ticket.outcome)
    return reason


def _weighted(full: int, basic: int, weight: Decimal) -> Decimal:
    """full + weight x basic, exactly (Decimal; no weight term when there is no 基本 answer)."""
    return Decimal(full) + (weight * basic if basic else 0)


def compute(label: str | None = None, bounds: tuple[datetime, datetime] | None = None,
            listed: int | None = LISTED) -> dict[str, Rate]:
    """The rates of an assessment period, or of the tickets received in ``bounds`` [start, end) (reports).

    Every figure is one SQL aggregate over the counted tickets. ``listed``: how many tickets of each list
    (against, deadline risk, callback risk) to load, in the order received; 0 for the figures only, None for
    every ticket. The ``*_count`` fields are the totals whatever is listed."""
    label = label or current_period()
    start, end = bounds or period_bounds(label)
    now = clock.now()
    soon_until = calendar_store.get_calendar().add_workdays(now, time_rules.urge_workdays())
    conditions = rules(now, soon_until)
    scope = counted(start, end)
    n = db.session.execute(select(*[_count_if(c).label(k) for k, c in conditions.items()]).where(scope)).one()
    n = {k: int(v) for k, v in n._mapping.items()}
    w_resolved = Decimal(str(setting("rate_weight_basic_resolved")))
    w_satisfied = Decimal(str(setting("rate_weight_basic_satisfied")))

    response = Rate(_l("响应率"), Decimal(n["response_ok"]),
                    n["response_ok"] + n["response_late"] + n["response_missed"],
                    float(setting("rate_target_response")), against_count=n["response_late"] + n["response_missed"],
                    deadline_risk_count=n["response_risk"])
    resolution = Rate(_l("解决率"), _weighted(n["resolved"], n["basic_resolved"], w_resolved), n["reached"],
                      float(setting("rate_target_resolution")), against_count=n["unresolved"],
                      partial_count=n["basic_resolved"] if w_resolved < 1 else 0,
                      deadline_risk_count=n["reply_risk"], callback_risk_count=n["callback_risk"])
    satisfaction = Rate(_l("满意率"), _weighted(n["satisfied"], n["basic_satisfied"], w_satisfied), n["reached"],
                        float(setting("rate_target_satisfaction")), against_count=n["unsatisfied"],
                        partial_count=n["basic_satisfied"] if w_satisfied < 1 else 0,
                        deadline_risk_count=n["reply_risk"], callback_risk_count=n["callback_risk"])
    result = {"response": response, "resolution": resolution, "satisfaction": satisfaction}
    for rate in result.values():
        rate.projected_numerator = rate.numerator
        rate.projected_denominator = rate.denominator + rate.at_risk_count
    if listed != 0:
        _list(result, n, conditions, scope, listed, {str(lifecycle.BASICALLY_RESOLVED): w_resolved,
                                                     str(lifecycle.BASICALLY_SATISFIED): w_satisfied})
    return result


LISTS = {  # each list of a page -> the counts whose tickets it holds
    "response_against": ("response_late", "response_missed"), "unresolved": ("unresolved", "basic_resolved"),
    "unsatisfied": ("unsatisfied", "basic_satisfied"), "response_risk": ("response_risk",), "reply_risk": ("reply_risk",),
    "callback_risk": ("callback_risk",)}


def _listed_tickets(n: dict, conditions: dict, scope, listed: int | None) -> dict[str, list[Ticket]]:
    """list name -> its first ``listed`` tickets in the order received (lists whose count is 0 are not looked for).

    One statement: per list, the period's tickets of that list in the order of the received index, stopping at
    ``listed`` (a list as common as 基本解决 stops after a few dozen index entries; a running count over every
    listed ticket of a month of 45 k took 80 ms), joined to the tickets they name."""
    kinds = {k: or_(*[conditions[c] for c in names]) for k, names in LISTS.items() if sum(n[c] for c in names)}
    lists: dict[str, list[Ticket]] = {k: [] for k in LISTS}
    if not kinds:
        return lists
    order = (Ticket.received_at, Ticket.id)
    parts = []
    for k, condition in kinds.items():
        part = select(Ticket.id.label("id"), literal(k).label("kind")).where(scope, condition).order_by(*order)
        part = part.limit(listed) if listed is not None else part
        sub = part.subquery()
        parts.append(select(sub.c.id, sub.c.kind))
    found = union_all(*parts).subquery()
    query = (select(Ticket, found.c.kind).join(found, Ticket.id == found.c.id)
             .options(load_only(*[getattr(Ticket, c) for c in LIST_COLUMNS])).order_by(*order))
    for ticket, kind in db.session.execute(query):
        lists[kind].append(ticket)
    return lists


def _list(result: dict[str, Rate], n: dict, conditions: dict, scope, listed: int | None,
          weights: dict[str, Decimal]) -> None:
    """The tickets behind the counts, the first ``listed`` of each kind, with the reasons."""
    lists = _listed_tickets(n, conditions, scope, listed)
    response, resolution, satisfaction = result["response"], result["resolution"], result["satisfaction"]
    response.against = lists["response_against"]
    response.reasons = {t.id: response_reason(t) for t in response.against}
    # ``weights``: what a 基本 answer counts for, by answer; a 基本 answer weighed 1 takes nothing off: not listed
    resolution.against = [t for t in lists["unresolved"] if weights.get(t.callback_resolved, 0) < 1]
    resolution.reasons = {t.id: callback_reason(t, t.callback_resolved, weights.get(t.callback_resolved))
                          for t in resolution.against}
    satisfaction.against = [t for t in lists["unsatisfied"] if weights.get(t.callback_satisfied, 0) < 1]
    satisfaction.reasons = {t.id: callback_reason(t, t.callback_satisfied, weights.get(t.callback_satisfied))
                            for t in satisfaction.against}
    response.deadline_risk = lists["response_risk"]
    response.at_risk = list(response.deadline_risk)
    reply_risk, callback_risk = lists["reply_risk"], lists["callback_risk"]
    both = sorted(reply_risk + callback_risk, key=lambda t: (t.received_at, t.id))[:listed]
    for rate in (resolution, satisfaction):
        rate.deadline_risk, rate.callback_risk, rate.at_risk = list(reply_risk), list(callback_risk), list(both)
