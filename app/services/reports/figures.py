"""A report's figures, computed by SQL aggregation over the tickets received in the period.

Every figure carries the ledger arguments of the tickets it counts (``args``), so the report page
links each number to its list (app/services/ledger.py filters with the same conditions).
The result is a plain JSON-able dict: it is what a published report freezes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, func, select

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.extensions import db
from app.models import ENTERPRISE_KINDS, Enterprise, EnterpriseTicket, Section, Ticket
from app.services import N_, board, rates
from app.services.reports import conditions as cond
from app.services.reports import sql
from app.services.reports.periods import Period

COUNTS = [  # name, label: the counts at the top of every report, in order
    ("received", N_("受理")), ("signed", N_("签收")), ("returned", N_("退回")), ("transferred", N_("转派")),
    ("closed", N_("办结")), ("open", N_("未办结")), ("overdue", N_("超期")), ("extended", N_("延期")), ("excluded", N_("剔除")),
    ("carried", N_("挂账")), ("supervised", N_("督办")),
]
MEASURES = [("received", N_("受理")), ("closed", N_("办结")), ("open", N_("未办结")), ("overdue", N_("超期")),
            ("unresolved", N_("未解决")), ("unsatisfied", N_("不满意"))]
DIMENSIONS = [  # name, label, column (None: computed apart)
    ("source", "来源", Ticket.source), ("ticket_type", "工单类型", Ticket.ticket_type),
    ("section", "承办科室", Ticket.section_id), ("street", "街乡镇", Ticket.street),
    ("enterprise", "涉及企业", Ticket.enterprise), ("enterprise_kind", "企业类型", None),
]
RESPONSE_EDGES = [(1, "1小时内"), (2, "1-2小时"), (4, "2-4小时"), (8, "4-8小时"), (24, "8-24小时"), (48, "24-48小时")]
REPLY_EDGES = [(1, "1天内"), (3, "1-3天"), (5, "3-5天"), (7, "5-7天"), (10, "7-10天"), (15, "10-15天")]
TOPIC_SEPARATOR = "->"
TREND_MONTHS = 6
EMPTY_LABELS = {"street": N_("（未填街乡镇）"), "enterprise": N_("（未涉及企业）"), "section": N_("（未分派）"),
                "enterprise_kind": N_("（未关联台账企业）"), "source": N_("（未填）"), "ticket_type": N_("（未填）")}


def _args(base: dict, *statuses: str, **more) -> dict:
    args = dict(base)
    wanted = [s for s in statuses if s and s != "received"]
    if wanted:
        args["status"] = ",".join(wanted)
    args.update({k: v for k, v in more.items() if v not in (None, "")})
    return args


def _scope(period: Period):
    return and_(Ticket.received_at >= period.start, Ticket.received_at < period.end)


def counts(period: Period, *where) -> dict[str, int]:
    """The top counts of a period in one query (``where``: more conditions, e.g. one topic)."""
    status = cond.statuses(clock.now())
    names = [name for name, _label in COUNTS]
    row = db.session.execute(select(*[sql.count_if(status[n]).label(n) for n in names])
                             .where(_scope(period), *where)).one()
    return {n: int(getattr(row, n)) for n in names}


def _measures(status: dict) -> list:
    return [sql.count_if(status[name]).label(name) for name, _label in MEASURES]


def _row(value, label, row, base: dict, dimension: str) -> dict:
    key = cond.EMPTY if value in (None, "") else str(value)
    extra, filt = (), {dimension: key}
    if dimension == "ticket_type":  # the ledger's own filters for these two
        filt = {"type": key}
    elif dimension == "section":
        extra, filt = (("unassigned",), {}) if key == cond.EMPTY else ((), {"section": key})
    out = {"value": key, "label": label, "args": {}}
    for name, _m in MEASURES:
        out[name] = int(getattr(row, name))
        out["args"][name] = _args(base, *extra, name, **filt)
    return out


def breakdown(period: Period, name: str, base: dict, limit: int | None = None) -> list[dict]:
    status = cond.statuses(clock.now())
    scope = _scope(period)
    if name == "enterprise_kind":
        pairs = select(EnterpriseTicket.ticket_id, Enterprise.kind).join(
            Enterprise, Enterprise.id == EnterpriseTicket.enterprise_id).distinct().subquery()
        rows = db.session.execute(select(pairs.c.kind.label("key"), *_measures(status)).select_from(Ticket)
                                  .join(pairs, pairs.c.ticket_id == Ticket.id).where(scope)
                                  .group_by(pairs.c.kind)).all()
        unlinked = db.session.execute(select(*_measures(status)).where(scope, cond.enterprise_kind(cond.EMPTY))).one()
        out = [_row(r.key, ENTERPRISE_KINDS.get(r.key, (r.key,))[0], r, base, name) for r in rows]
        if unlinked.received:
            out.append(_row(None, EMPTY_LABELS[name], unlinked, base, name))
    else:
        column = dict((n, c) for n, _l, c in DIMENSIONS)[name]
        rows = db.session.execute(select(column.label("key"), *_measures(status)).where(scope).group_by(column)).all()
        if name == "section":
            names = dict(db.session.execute(select(Section.id, Section.name)).all())
            out = [_row(r.key, names.get(r.key, EMPTY_LABELS[name]), r, base, "section") for r in rows]
        else:
            out = [_row(r.key, r.key or EMPTY_LABELS[name], r, base, name) for r in rows]
    out.sort(key=lambda r: (-r["received"], r["label"]))
    return out[:limit] if limit else out


def topics(period: Period, base: dict) -> list[dict]:
    """The topic tree (3 levels): each node with its measures and children, rolled up from the
    per-path counts SQL returns (a few hundred groups, never the tickets)."""
    status = cond.statuses(clock.now())
    rows = db.session.execute(select(Ticket.topic.label("key"), *_measures(status)).where(_scope(period))
                              .group_by(Ticket.topic)).all()
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    for r in rows:
        parts = [p.strip() for p in (r.key or "").split(TOPIC_SEPARATOR) if p.strip()][:3] or [None]
        path = ""
        parent = None
        for depth, part in enumerate(parts):
            path = cond.EMPTY if part is None else (path + TOPIC_SEPARATOR + part if path else part)
            node = nodes.get(path)
            if node is None:
                node = {"path": path, "label": part or "（未分类）", "level": depth + 1, "children": [],
                        "args": {}, **{m: 0 for m, _l in MEASURES}}
                for m, _l in MEASURES:
                    node["args"][m] = _args(base, m, topic_path=path)
                nodes[path] = node
                (parent["children"] if parent else roots).append(node)
            for m, _l in MEASURES:
                node[m] += int(getattr(r, m))
            parent = node
    def order(items):
        items.sort(key=lambda n: (-n["received"], n["label"]))
        for n in items:
            order(n["children"])
    order(roots)
    return roots


def find_topic(tree: list[dict], path: str) -> dict | None:
    for node in tree:
        if node["path"] == path:
            return node
        found = find_topic(node["children"], path)
        if found:
            return found
    return None


def _distribution(period: Period, later, earlier, edges, unit_seconds: float, base: dict, done: str) -> dict:
    seconds = sql.seconds_between(later, earlier)
    index = sql.bucket(seconds, [edge * unit_seconds for edge, _label in edges]).label("b")
    rows = dict(db.session.execute(select(index, func.count()).where(_scope(period), later.is_not(None))
                                   .group_by(index)).all())
    labels = [label for _edge, label in edges] + [f"超过{edges[-1][1].split('-')[-1]}"]
    buckets = [{"label": label, "count": int(rows.get(i, 0))} for i, label in enumerate(labels)]
    return {"buckets": buckets, "total": sum(b["count"] for b in buckets), "args": _args(base, done)}


def timeliness(period: Period, base: dict) -> dict:
    """Time to first contact (hours) and to reply (days), their distribution and the share in the limit."""
    status = cond.statuses(clock.now())
    response = _distribution(period, Ticket.first_contact_at, Ticket.received_at, RESPONSE_EDGES, 3600, base,
                             "contacted")
    reply = _distribution(period, Ticket.replied_at, Ticket.received_at, REPLY_EDGES, 86400, base, "replied")
    row = db.session.execute(select(sql.count_if(status["responded_in_time"]).label("r_ok"),
                                    sql.count_if(status["responded_late"]).label("r_late"),
                                    sql.count_if(status["replied_in_time"]).label("p_ok"),
                                    sql.count_if(status["replied_late"]).label("p_late"))
                             .where(_scope(period))).one()
    for part, ok, late, names in ((response, row.r_ok, row.r_late, ("responded_in_time", "responded_late")),
                                  (reply, row.p_ok, row.p_late, ("replied_in_time", "replied_late"))):
        part["in_limit"], part["late"] = int(ok), int(late)
        part["in_limit_args"], part["late_args"] = _args(base, names[0]), _args(base, names[1])
        part["share"] = _percent(ok, ok + late)
    return {"response": response, "reply": reply}


def _percent(numerator, denominator) -> float | None:
    value = rates.Rate.percent(numerator, denominator)
    return None if value is None else float(value)


def callbacks(period: Period, base: dict) -> dict:
    """回访 outcomes of the period's tickets: reached or not, resolved and satisfied answers."""
    rows = db.session.execute(select(Ticket.callback_contacted, Ticket.callback_resolved, Ticket.callback_satisfied,
                                     func.count()).where(_scope(period), Ticket.callback_contacted.is_not(None))
                              .group_by(Ticket.callback_contacted, Ticket.callback_resolved,
                                        Ticket.callback_satisfied)).all()
    resolved, satisfied = defaultdict(int), defaultdict(int)
    reached = unreached = 0
    for contacted, res, sat, n in rows:
        if contacted:
            reached += n
            resolved[res or ""] += n
            satisfied[sat or ""] += n
        else:
            unreached += n
    words = {str(lifecycle.RESOLVED): "resolved", str(lifecycle.BASICALLY_RESOLVED): "basically_resolved",
             str(lifecycle.UNRESOLVED): "unresolved", str(lifecycle.SATISFIED): "satisfied",
             str(lifecycle.BASICALLY_SATISFIED): "basically_satisfied", str(lifecycle.UNSATISFIED): "unsatisfied"}
    def answers(counter, options):
        return [{"label": str(o), "count": counter.get(str(o), 0), "args": _args(base, "callback_valid", words[str(o)])}
                for o in options]
    return {
        "reached": reached, "reached_args": _args(base, "callback_valid"),
        "unreached": unreached, "unreached_args": _args(base, "callback_unreached"),
        "resolved": answers(resolved, (lifecycle.RESOLVED, lifecycle.BASICALLY_RESOLVED, lifecycle.UNRESOLVED)),
        "satisfied": answers(satisfied, (lifecycle.SATISFIED, lifecycle.BASICALLY_SATISFIED, lifecycle.UNSATISFIED)),
    }


def _rate_dict(key: str, rate: rates.Rate, base: dict) -> dict:
    links = {"response": (("counted", "responded_in_time"), ("counted", "response_decided")),
             "resolution": (None, ("counted", "callback_valid")),
             "satisfaction": (None, ("counted", "callback_valid"))}[key]
    return {"key": key, "label": str(rate.name), "numerator": float(rate.numerator), "denominator": rate.denominator,
            "value": None if rate.value is None else float(rate.value), "target": rate.target,
            "meets": rate.meets_target, "against": rate.against_count,
            "numerator_args": _args(base, *links[0]) if links[0] else None,
            "denominator_args": _args(base, *links[1])}


def rate_figures(period: Period, base: dict) -> list[dict]:
    """The three rates by app/services/rates.py's rules, over the period's tickets."""
    label = period.assessment if period.kind == "assessment" else rates.current_period(period.start)
    bounds = None if period.kind == "assessment" else (period.start, period.end)
    computed = rates.compute(label, bounds=bounds, listed=0)
    return [_rate_dict(key, rate, base) for key, rate in computed.items()]


_TREND_CACHE: dict[tuple, dict] = {}  # (month, fingerprint) -> its rates, for months whose deadlines all passed
SETTLED_DAYS = 5  # a month is settled this long after its end (every response deadline has passed)


def _fingerprint(label: str) -> tuple:
    """What would change a past month's rates: counts and the latest contact, callback, closing, exclusion."""
    start, end = rates.period_bounds(label)
    row = db.session.execute(select(
        func.count(), func.max(Ticket.first_contact_at), func.max(Ticket.callback_at), func.max(Ticket.closed_at),
        sql.count_if(Ticket.excluded.is_(True)), sql.count_if(Ticket.state.in_(cond.NOT_COUNTED)),
        sql.count_if(Ticket.callback_contacted.is_(True)))
        .where(Ticket.received_at >= start, Ticket.received_at < end)).one()
    weights = tuple(rates.setting(k) for k in rates.DEFAULTS)
    return tuple(str(v) for v in row) + tuple(str(w) for w in weights)


def _month_rates(label: str) -> dict:
    start, end = rates.period_bounds(label)
    settled = clock.now() > end + timedelta(days=SETTLED_DAYS)
    key = (db.engine.url.render_as_string(hide_password=True), label, _fingerprint(label)) if settled else None
    if key is not None and key in _TREND_CACHE:
        return _TREND_CACHE[key]
    computed = rates.compute(label, listed=0)
    out = {k: (None if r.value is None else float(r.value)) for k, r in computed.items()}
    out["targets"] = {k: r.target for k, r in computed.items()}
    if key is not None:
        _TREND_CACHE[key] = out
    return out


def rate_trend(period: Period, months: int = TREND_MONTHS) -> list[dict]:
    """The three rates of the assessment months up to the period's, against their targets (rates.py's rules;
    a settled month is recomputed only when its tickets changed: see ``_fingerprint``)."""
    return [{"month": label, **_month_rates(label)} for label in period.months(months)]


def daily(period: Period, base: dict) -> list[dict]:
    """Tickets received per day (per hour for a day report), with how many of them are still open."""
    status = cond.statuses(clock.now())
    if period.kind == "day":
        key = sql.local_hour(Ticket.received_at).label("k")
    else:
        key = sql.local_day(Ticket.received_at).label("k")
    rows = {str(r.k): r for r in db.session.execute(
        select(key, func.count().label("received"), sql.count_if(status["open"]).label("open"))
        .where(_scope(period)).group_by(key)).all()}
    out = []
    if period.kind == "day":
        for hour in range(24):
            r = rows.get(str(hour))
            out.append({"label": f"{hour:02d}时", "received": r.received if r else 0, "open": r.open if r else 0,
                        "args": None})
        return out
    d = period.start.date()
    while d < period.end.date():
        r = rows.get(d.isoformat())
        out.append({"label": d.isoformat(), "received": int(r.received) if r else 0, "open": int(r.open) if r else 0,
                    "args": {"received_from": d.isoformat(), "received_to": d.isoformat()}})
        d += timedelta(days=1)
    return out


def street_heat(period: Period, base: dict, streets: int = 15) -> dict:
    """Received tickets by street x first-level topic (the heat map)."""
    rows = db.session.execute(select(Ticket.street, Ticket.topic, func.count().label("n"))
                              .where(_scope(period)).group_by(Ticket.street, Ticket.topic)).all()
    grid: dict[tuple, int] = defaultdict(int)
    for street, topic, n in rows:
        level1 = (topic or "").split(TOPIC_SEPARATOR)[0].strip() or "（未分类）"
        grid[(street or EMPTY_LABELS["street"], level1)] += int(n)
    totals: dict[str, int] = defaultdict(int)
    for (street, _t), n in grid.items():
        totals[street] += n
    ordered_streets = sorted(totals, key=lambda s: -totals[s])[:streets]
    topics_ = sorted({t for (_s, t) in grid})
    cells = [[topics_.index(t), ordered_streets.index(s), n] for (s, t), n in grid.items() if s in ordered_streets]
    return {"streets": ordered_streets, "topics": topics_, "cells": cells}


def compare(current: dict, other: dict) -> dict:
    out = {}
    for name, value in current.items():
        before = other.get(name, 0)
        out[name] = {"before": before, "delta": value - before,
                     "change": None if not before else round((value - before) * 100.0 / before, 1)}
    return out


def compute(period: Period, trend_months: int = TREND_MONTHS) -> dict:
    """Every figure of a report over ``period`` (see the module docstring)."""
    base = period.ledger_args()
    now_counts = counts(period)
    previous, year_ago = period.previous(), period.year_ago()
    prev_counts, year_counts = counts(previous), counts(year_ago)
    labels = dict(COUNTS)
    return {
        "period": {"kind": period.kind, "key": period.key, "title": period.title, "kind_label": period.kind_label,
                   "start": period.start.isoformat(), "end": period.end.isoformat(), "args": period.args()},
        "generated_at": clock.now().isoformat(),
        "ledger": base,
        "counts": [{"name": n, "label": labels[n], "value": now_counts[n], "args": _args(base, n)} for n, _l in COUNTS],
        "comparison": {
            "previous": {"title": previous.title, "args": previous.ledger_args(),
                         "figures": compare(now_counts, prev_counts)},
            "year_ago": {"title": year_ago.title, "args": year_ago.ledger_args(),
                         "figures": compare(now_counts, year_counts)},
        },
        "breakdowns": {name: {"label": label, "rows": breakdown(period, name, base, 30 if name == "enterprise" else None)}
                       for name, label, _c in DIMENSIONS},
        "topics": topics(period, base),
        "rates": rate_figures(period, base),
        "rate_trend": rate_trend(period, trend_months) if trend_months else [],
        "timeliness": timeliness(period, base),
        "callbacks": callbacks(period, base),
        "daily": daily(period, base),
        "heat": street_heat(period, base),
        "measures": [{"name": n, "label": label} for n, label in MEASURES],
    }



def open_by_section() -> list[dict]:
    """Every open ticket now, by section (督办看板): open, and overdue as the board's 已超期 counts it."""
    status = cond.statuses(clock.now())
    rows = db.session.execute(select(Ticket.section_id, func.count().label("open"),
                                     sql.count_if(board.overdue_sql(clock.now())).label("overdue"))
                              .where(status["open"]).group_by(Ticket.section_id)).all()
    names = dict(db.session.execute(select(Section.id, Section.name)).all())
    out = [{"label": names.get(r.section_id, EMPTY_LABELS["section"]), "open": int(r.open),
            "overdue": int(r.overdue)} for r in rows]
    return sorted(out, key=lambda r: -r["open"])
