"""The register's groups (``repeat_group``, ``repeat_group_member``), kept with the confirmed links.

A group is what the register lists: the tickets that confirmed links of one kind join by one key
(kind, key_kind, key_value), with their number and their earliest and latest instants. Whatever
changes a link's status to or from ``confirmed`` calls :func:`refresh` for its key in the same
transaction; :func:`rebuild` fills every group from the links at once (after a bulk load).

:func:`refresh` recomputes one group from its confirmed links (one index range on
``ix_repeat_link_register``), so it is exact whatever the change was. It first takes the group's
row lock (an upsert): of two transactions confirming links into one group, the second waits, then
reads the links the first committed (PostgreSQL's READ COMMITTED takes a new snapshot per
statement), so no count is lost.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, func, insert, literal, select, union, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models.repeats import RepeatGroup, RepeatGroupMember, RepeatLink, TicketFingerprint

G, M, L, F = RepeatGroup, RepeatGroupMember, RepeatLink, TicketFingerprint


def _members(*where):
    """(kind, key_kind, key_value, tid) of the tickets of confirmed links, both ends, deduplicated."""
    base = (L.status == "confirmed", *where)
    keys = (L.kind, L.key_kind, L.key_value)
    return union(select(*keys, L.ticket_id.label("tid")).where(*base),
                 select(*keys, L.earlier_id.label("tid")).where(*base)).subquery("members")


def _lock(kind: str, key_kind: str, key_value: str) -> int:
    """The group's id, its row created if need be and locked until the end of the transaction."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(G).values(kind=kind, key_kind=key_kind, key_value=key_value, n=0)
    stmt = stmt.on_conflict_do_update(index_elements=[G.kind, G.key_kind, G.key_value], set_={"n": G.n})
    return db.session.execute(stmt.returning(G.id)).scalar_one()


def refresh(kind: str, key_kind: str, key_value: str) -> None:
    """Bring the group of this key up to date with its confirmed links (in the caller's transaction)."""
    group_id = _lock(kind, key_kind, key_value)
    members = _members(L.kind == kind, L.key_kind == key_kind, L.key_value == key_value)
    tids = select(members.c.tid)
    db.session.execute(delete(M).where(M.group_id == group_id, M.ticket_id.not_in(tids))
                       .execution_options(synchronize_session=False))
    db.session.execute(insert(M).from_select(
        ["group_id", "ticket_id", "kind", "at"],
        select(literal(group_id), F.ticket_id, literal(kind), F.at).join(members, members.c.tid == F.ticket_id)
        .where(~exists().where(M.group_id == group_id, M.ticket_id == F.ticket_id))))
    n, first_at, last_at = db.session.execute(
        select(func.count(), func.min(M.at), func.max(M.at)).where(M.group_id == group_id)).one()
    if n:
        db.session.execute(update(G).where(G.id == group_id).values(n=n, first_at=first_at, last_at=last_at)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(delete(G).where(G.id == group_id).execution_options(synchronize_session=False))


def rebuild() -> int:
    """Every group again from the confirmed links, set-based (after a bulk load). Returns the groups."""
    db.session.execute(delete(M).execution_options(synchronize_session=False))
    db.session.execute(delete(G).execution_options(synchronize_session=False))
    members = _members()
    keys = (members.c.kind, members.c.key_kind, members.c.key_value)
    db.session.execute(insert(G).from_select(
        ["kind", "key_kind", "key_value", "n", "first_at", "last_at"],
        select(*keys, func.count(), func.min(F.at), func.max(F.at))
        .join(F, F.ticket_id == members.c.tid).group_by(*keys)))
    members = _members()
    db.session.execute(insert(M).from_select(
        ["group_id", "ticket_id", "kind", "at"],
        select(G.id, members.c.tid, G.kind, F.at).join(F, F.ticket_id == members.c.tid)
        .join(G, (G.kind == members.c.kind) & (G.key_kind == members.c.key_kind)
              & (G.key_value == members.c.key_value))))
    return db.session.scalar(select(func.count()).select_from(G)) or 0
