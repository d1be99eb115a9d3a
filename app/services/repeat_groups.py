"""The register's groups (``repeat_group``, ``repeat_group_member``, ``repeat_register_total``), kept
with the confirmed links.

A group is what the register lists: the tickets that confirmed links of one kind join by one key
(kind, key_kind, key_value), with their number and their earliest and latest instants. Whatever
changes a link's status to or from ``confirmed`` calls :func:`refresh` for its key in the same
transaction; :func:`rebuild` fills everything from the links at once (migration, bulk load).

:func:`refresh` recomputes one group from its confirmed links (one index range on
``ix_repeat_link_register``), so it is exact whatever the change was, and moves the unfiltered
totals by what changed. It first locks the totals' rows, then the group's (upserts, always in
that order, so never a deadlock): a second transaction refreshing at the same time waits, then
reads what the first committed (PostgreSQL's READ COMMITTED takes a new snapshot per statement),
so no count is lost. Confirmations are made by people, a few a minute: one at a time is no cost.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, literal, select, union, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Ticket
from app.models.repeats import (
    RepeatGroup,
    RepeatGroupMember,
    RepeatLink,
    RepeatRegisterTotal,
    TicketFingerprint,
)

G, M, L, F, T = RepeatGroup, RepeatGroupMember, RepeatLink, TicketFingerprint, RepeatRegisterTotal
ALL = ""  # the totals' row of all kinds


def _members(*where):
    """(kind, key_kind, key_value, tid) of the tickets of confirmed links, both ends, deduplicated."""
    base = (L.status == "confirmed", *where)
    keys = (L.kind, L.key_kind, L.key_value)
    return union(select(*keys, L.ticket_id.label("tid")).where(*base),
                 select(*keys, L.earlier_id.label("tid")).where(*base)).subquery("members")


def _upsert(model, values: dict, keys: list, touch, returning):
    """INSERT ... ON CONFLICT DO UPDATE (a no-op update): the row exists and is locked until commit."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(**values).on_conflict_do_update(index_elements=keys, set_={touch.key: touch})
    return db.session.execute(stmt.returning(*returning)).one()


def refresh(kind: str, key_kind: str, key_value: str) -> None:
    """Bring the group of this key and the totals up to date with its confirmed links (caller's transaction)."""
    for row in sorted({ALL, kind}):
        _upsert(T, {"kind": row, "groups": 0, "tickets": 0}, [T.kind], T.groups, [T.kind])
    group_id, n_before = _upsert(G, {"kind": kind, "key_kind": key_kind, "key_value": key_value, "n": 0},
                                 [G.kind, G.key_kind, G.key_value], G.n, [G.id, G.n])
    members = _members(L.kind == kind, L.key_kind == key_kind, L.key_value == key_value)
    wanted = {t: (at, no, enterprise) for t, at, no, enterprise in db.session.execute(
        select(F.ticket_id, F.at, func.lower(Ticket.ticket_no), func.lower(Ticket.enterprise)).join(members, members.c.tid == F.ticket_id)
        .join(Ticket, Ticket.id == F.ticket_id))}
    kept = set(db.session.scalars(select(M.ticket_id).where(M.group_id == group_id)))
    added, removed = sorted(set(wanted) - kept), sorted(kept - set(wanted))

    def elsewhere(tids, *where):  # of these tickets, those in another group (of this kind)
        return set(db.session.scalars(select(M.ticket_id).distinct()
                                      .where(M.ticket_id.in_(tids), M.group_id != group_id, *where))) if tids else set()

    entering = {row: len(added) - len(elsewhere(added, *where)) for row, where in ((kind, [M.kind == kind]), (ALL, []))}
    if removed:
        db.session.execute(delete(M).where(M.group_id == group_id, M.ticket_id.in_(removed))
                           .execution_options(synchronize_session=False))
    if added:
        db.session.execute(insert(M), [{"group_id": group_id, "ticket_id": t, "kind": kind, "at": wanted[t][0],
                                        "ticket_no_lower": wanted[t][1], "enterprise_lower": wanted[t][2]} for t in added])
    leaving = {row: len(removed) - len(elsewhere(removed, *where))
               for row, where in ((kind, [M.kind == kind]), (ALL, []))}
    n = len(wanted)
    if n:
        db.session.execute(update(G).where(G.id == group_id)
                           .values(n=n, first_at=min(w[0] for w in wanted.values()),
                                   last_at=max(w[0] for w in wanted.values()))
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(delete(G).where(G.id == group_id).execution_options(synchronize_session=False))
    groups = (n >= 2) - (n_before >= 2)
    for row in sorted({ALL, kind}):
        tickets = entering[row] - leaving[row]
        if groups or tickets:
            db.session.execute(update(T).where(T.kind == row)
                               .values(groups=T.groups + groups, tickets=T.tickets + tickets)
                               .execution_options(synchronize_session=False))


def rebuild() -> int:
    """Every group and the totals again from the confirmed links, set-based. Returns the groups."""
    for model in (M, G, T):
        db.session.execute(delete(model).execution_options(synchronize_session=False))
    members = _members()
    keys = (members.c.kind, members.c.key_kind, members.c.key_value)
    db.session.execute(insert(G).from_select(
        ["kind", "key_kind", "key_value", "n", "first_at", "last_at"],
        select(*keys, func.count(), func.min(F.at), func.max(F.at))
        .join(F, F.ticket_id == members.c.tid).group_by(*keys)))
    members = _members()
    db.session.execute(insert(M).from_select(
        ["group_id", "ticket_id", "kind", "at", "ticket_no_lower", "enterprise_lower"],
        select(G.id, members.c.tid, G.kind, F.at, func.lower(Ticket.ticket_no), func.lower(Ticket.enterprise))
        .join(F, F.ticket_id == members.c.tid).join(Ticket, Ticket.id == members.c.tid)
        .join(G, (G.kind == members.c.kind) & (G.key_kind == members.c.key_kind)
              & (G.key_value == members.c.key_value))))
    per_kind = select(G.kind, func.count().filter(G.n >= 2).label("groups"),
                      select(func.count(M.ticket_id.distinct())).where(M.kind == G.kind).scalar_subquery())
    db.session.execute(insert(T).from_select(["kind", "groups", "tickets"], per_kind.group_by(G.kind)))
    db.session.execute(insert(T).from_select(["kind", "groups", "tickets"], select(
        literal(ALL), select(func.count()).where(G.n >= 2).scalar_subquery(),
        select(func.count(M.ticket_id.distinct())).scalar_subquery())))
    return db.session.scalar(select(func.count()).select_from(G)) or 0


def totals() -> dict[str, tuple[int, int]]:
    """{kind: (groups, tickets)}, '' for all kinds: the register's unfiltered totals."""
    return {kind: (groups, tickets) for kind, groups, tickets in db.session.execute(select(T.kind, T.groups, T.tickets))}
