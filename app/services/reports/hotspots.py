"""热点、难点: what rose against the previous period, what the texts are about, which complaints are
alike, and the difficult cases (repeats, overdue, unresolved or unsatisfied, carried, supervised,
excluded after an appeal), each with representative tickets masked for the reader.

Rise measure: ``score = (current - previous) / sqrt(previous + 1)`` (how many "standard deviations"
of a count the change is, Poisson-like), with the plain change and ratio beside it; a topic is
rising when the score is at least ``RISING_SCORE`` and the count grew by at least ``MIN_RISE``.
"""

from __future__ import annotations

import math
import re

from sqlalchemy import func, or_, select

from app.engine.clock import clock
from app.extensions import db
from app.models import RepeatLink, Ticket, User
from app.services import N_, access, masking, textsim
from app.services.reports import conditions as cond
from app.services.reports import keywords
from app.services.reports.figures import _args, _scope
from app.services.reports.periods import Period

RISING_SCORE = 1.5
MIN_RISE = 2
MAX_TEXTS = 5000  # texts read for keywords / clusters (the newest of the period)
CLUSTER_THRESHOLD = 0.6  # textsim.similarity, as the repeat detection's default
COMPLAINT_TYPES = ("投诉", "举报", "求助")
_NUMBERISH = re.compile(r"[0-9*＊]")  # numbers and what masking left of them are no keywords


def rise(current: int, previous: int) -> dict:
    return {"current": current, "previous": previous, "delta": current - previous,
            "ratio": None if not previous else round(current / previous, 2),
            "score": round((current - previous) / math.sqrt(previous + 1), 2)}


def _count_by(period: Period, column) -> dict:
    return {k or "": int(n) for k, n in db.session.execute(
        select(column, func.count()).where(_scope(period)).group_by(column)).all()}


def rising(period: Period, column, dimension: str, limit: int = 15) -> list[dict]:
    now, before = _count_by(period, column), _count_by(period.previous(), column)
    base = period.ledger_args()
    rows = []
    for key in set(now) | set(before):
        if not key:
            continue
        r = rise(now.get(key, 0), before.get(key, 0))
        r.update(key=key, args=_args(base, **{dimension: key}),
                 rising=r["score"] >= RISING_SCORE and r["delta"] >= MIN_RISE)
        rows.append(r)
    rows.sort(key=lambda r: (-r["score"], -r["current"]))
    return rows[:limit]


def _texts(period: Period) -> list[tuple[int, str, str]]:
    """The period's texts with personal data masked first: keywords and clusters are read by everyone."""
    rows = db.session.execute(select(Ticket.id, Ticket.topic, Ticket.title, Ticket.content, Ticket.caller_name)
                              .where(_scope(period)).order_by(Ticket.received_at.desc()).limit(MAX_TEXTS))
    return [(i, topic, _masked(title, content, caller)) for i, topic, title, content, caller in rows]


def _masked(title: str, content: str, caller: str) -> str:
    """A ticket's text as every reader of a report may see it: numbers and the caller's name masked."""
    return masking.mask_names(masking.mask_text(f"{title}。{content}"), masking.caller_names(caller))


def keyword_rise(period: Period, top: int = 20) -> list[dict]:
    """The period's keywords (TF-IDF), each with the tickets mentioning it now and in the period before."""
    texts = _texts(period)
    if not texts:
        return []
    found = keywords.extract([t for _i, _p, t in texts], top=top)
    previous = [t for _i, _p, t in _texts(period.previous())]
    base = period.ledger_args()
    out = []
    for word, weight in found["tfidf"]:
        if _NUMBERISH.search(word):
            continue
        now_n = sum(1 for _i, _p, t in texts if word in t)
        r = rise(now_n, sum(1 for t in previous if word in t))
        r.update(word=word, weight=weight, args=dict(base, q=word))
        out.append(r)
    return out


def phrases(period: Period, top: int = 20) -> list[tuple[str, float]]:
    texts = _texts(period)
    found = keywords.extract([t for _i, _p, t in texts], top=top)["textrank"] if texts else []
    return [(w, x) for w, x in found if not _NUMBERISH.search(w)]


def clusters(period: Period, min_size: int = 3, limit: int = 10) -> list[dict]:
    """Similar complaints (leader clustering by the repeat detection's similarity, within a topic)."""
    rows = list(db.session.execute(select(Ticket.id, Ticket.topic, Ticket.title, Ticket.content, Ticket.street,
                                          Ticket.caller_name)
                                   .where(_scope(period), Ticket.ticket_type.in_(COMPLAINT_TYPES))
                                   .order_by(Ticket.received_at).limit(MAX_TEXTS)))
    by_topic: dict[str, list] = {}
    for r in rows:
        by_topic.setdefault(r.topic or "", []).append(r)
    found = []
    for topic, items in by_topic.items():
        groups: list[dict] = []
        for r in items:
            # (the caller's name too: a cluster's words are shown to analysts and leaders)
            toks = [w for w in textsim.tokens(_masked(r.title, r.content, r.caller_name)) if not _NUMBERISH.search(w)]
            for g in groups:
                if textsim.similarity(toks, g["tokens"]) >= CLUSTER_THRESHOLD:
                    g["ids"].append(r.id)
                    g["streets"][r.street or ""] = g["streets"].get(r.street or "", 0) + 1
                    break
            else:
                groups.append({"tokens": toks, "ids": [r.id], "seed": r.id, "topic": topic,
                               "streets": {r.street or "": 1}, "title": r.title})
        found += [g for g in groups if len(g["ids"]) >= min_size]
    found.sort(key=lambda g: -len(g["ids"]))
    return [{"topic": g["topic"], "size": len(g["ids"]), "words": g["tokens"][:8], "ids": g["ids"],
             "streets": sorted(((s or "（未填）", n) for s, n in g["streets"].items()), key=lambda x: -x[1])[:5],
             "seed": g["seed"]} for g in found[:limit]]


def _repeats():
    confirmed = select(RepeatLink).where(RepeatLink.status == "confirmed")
    return or_(Ticket.id.in_(confirmed.with_only_columns(RepeatLink.ticket_id)),
               Ticket.id.in_(confirmed.with_only_columns(RepeatLink.earlier_id)))


def difficult(period: Period, user: User, sample: int = 3) -> list[dict]:
    """The difficult cases of the period by kind: count, ledger link, a few representative tickets."""
    status = cond.statuses(clock.now())
    base = period.ledger_args()
    kinds = [
        ("repeat", N_("重复反映"), _repeats(), dict(base, repeat="1")),
        ("overdue", N_("超期"), status["overdue"], _args(base, "overdue")),
        ("unresolved", N_("回访未解决"), status["unresolved"], _args(base, "unresolved")),
        ("unsatisfied", N_("回访不满意"), status["unsatisfied"], _args(base, "unsatisfied")),
        ("carried", N_("挂账"), status["carried"], _args(base, "carried")),
        ("supervised", N_("督办"), status["supervised"], _args(base, "supervised")),
        ("appealed", N_("申诉后剔除"), status["appealed_excluded"], _args(base, "appealed_excluded")),
    ]
    out = []
    for key, label, condition, args in kinds:
        total = db.session.scalar(select(func.count()).select_from(Ticket).where(_scope(period), condition))
        tickets = list(db.session.scalars(select(Ticket).where(_scope(period), condition)
                                          .order_by(Ticket.rework_count.desc(), Ticket.received_at.desc())
                                          .limit(sample)))
        out.append({"key": key, "label": label, "count": int(total), "args": args,
                    "tickets": representatives(tickets, user)})
    return out


def representatives(tickets: list[Ticket], user: User) -> list[dict]:
    """Tickets as a report shows them: masked for the reader (views of unmasked ones are logged)."""
    out = []
    for t in tickets:
        mask = masking.for_viewer(user, t)
        if mask.full:
            access.record(user, "view", "热点难点代表工单", t)
        out.append({"id": t.id, "ticket_no": t.ticket_no, "title": mask.text(t.title),
                    "content": mask.text(t.content)[:160], "street": t.street, "topic": t.topic,
                    "state": t.state, "received_at": t.received_at.isoformat()})
    return out


def tickets_by_id(ids: list[int]) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.received_at.desc())))


def analyse(period: Period, user: User) -> dict:
    return {"topics": rising(period, Ticket.topic, "topic_path"), "streets": rising(period, Ticket.street, "street"),
            "enterprises": rising(period, Ticket.enterprise, "enterprise"),
            "keywords": keyword_rise(period), "phrases": phrases(period), "clusters": clusters(period),
            "difficult": difficult(period, user), "rising_score": RISING_SCORE, "min_rise": MIN_RISE}
