"""The ledger's text search: jieba words stored on the ticket, matched by PostgreSQL full text or SQLite FTS5.

A ticket's ``search_text`` holds the segmented words (jieba's search mode, with the desk's domain
words) of its number, title, content, enterprise, address and notes, plus the enterprise and address
whole. It is filled whenever a ticket is saved with one of those fields changed (``install`` puts the
mapper hooks in place, called by app/bootstrap.py) and when a note is added; the migration fills it
for the tickets already there (``backfill``). A query is segmented the same way (precise mode) and
every word must occur; a query that looks like a ticket number also matches number prefixes.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import and_, event, func, literal_column, or_, select, text, true, update

from app.extensions import db
from app.models import Ticket, TicketNote
from app.services import query_args, textsim

FIELDS = ("ticket_no", "title", "content", "enterprise", "address")
_PUNCT = re.compile(r"^[\W_]+$")
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{3,}$")


def _clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").lower()


def words(value: str, search_mode: bool = True) -> list[str]:
    """The words of ``value``, in order, without punctuation or repeats."""
    tk = textsim.tokenizer()
    cut = tk.cut_for_search if search_mode else tk.cut
    seen: dict[str, None] = {}
    for word in cut(_clean(value)):
        word = word.strip()
        if word and not _PUNCT.match(word):
            seen.setdefault(word, None)
    return list(seen)


def document(values: dict, notes: list[str] | tuple = ()) -> str:
    """The search text of a ticket given its FIELDS (a dict) and its notes."""
    seen: dict[str, None] = {}
    for name in FIELDS:
        for w in words(values.get(name) or ""):
            seen.setdefault(w, None)
    for name in ("ticket_no", "enterprise", "address"):  # whole, so a full name or number matches too
        whole = re.sub(r"\s+", "", _clean(values.get(name) or ""))
        if whole:
            seen.setdefault(whole, None)
    for note in notes:
        for w in words(note):
            seen.setdefault(w, None)
    return " ".join(seen)


def refresh(ticket: Ticket, notes: list[str] | None = None) -> None:
    if notes is None:
        notes = list(db.session.scalars(select(TicketNote.text).where(TicketNote.ticket_id == ticket.id))) \
            if ticket.id else []
    ticket.search_text = document({f: getattr(ticket, f) for f in FIELDS}, notes)


def _before_insert(_mapper, _connection, ticket: Ticket) -> None:
    ticket.search_text = document({f: getattr(ticket, f) for f in FIELDS})


def _before_update(_mapper, connection, ticket: Ticket) -> None:
    state = db.inspect(ticket)
    if any(state.attrs[f].history.has_changes() for f in FIELDS):
        notes = [r[0] for r in connection.execute(select(TicketNote.text).where(TicketNote.ticket_id == ticket.id))]
        ticket.search_text = document({f: getattr(ticket, f) for f in FIELDS}, notes)


def install() -> None:
    """Keep ``search_text`` in step on every save of a ticket (idempotent)."""
    if not event.contains(Ticket, "before_insert", _before_insert):
        event.listen(Ticket, "before_insert", _before_insert)
        event.listen(Ticket, "before_update", _before_update)


def match(q: str):
    """A WHERE clause: tickets whose search text has every word of ``q`` (None: nothing to search)."""
    q = (q or "").strip()
    terms = [w for w in words(q, search_mode=False) if w.strip()]
    if not terms:
        return None
    number = bool(_NUMBER.match(q))
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        quoted = [("'" + t.replace("'", "").replace("\\", "") + "'") for t in terms if t.replace("'", "")]
        tsq = " & ".join(quoted)
        clause = literal_column("ticket.search_vector").op("@@")(db.func.to_tsquery("simple", tsq))
        if number:
            prefix = "'" + _clean(q).replace("'", "") + "':*"
            clause = or_(clause, literal_column("ticket.search_vector").op("@@")(db.func.to_tsquery("simple", prefix)))
        return clause
    if dialect == "sqlite":
        expr = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        if number:
            expr = f'({expr}) OR "{_clean(q)}"*'
        return Ticket.id.in_(select(literal_column("rowid")).select_from(text("ticket_fts"))
                             .where(text("ticket_fts MATCH :fts_query").bindparams(fts_query=expr)))
    like = f"%{q}%"  # another database: the plain substring search
    return or_(*[getattr(Ticket, f).ilike(like) for f in FIELDS])


SHOWN_TO_MASKED = ("ticket_no", "title", "content", "enterprise")  # what a masked reader sees of the indexed fields


_NUMBER_PART = re.compile(r"\d{3}")  # three digits in a row: maybe part of a phone, ID or card number
_ASCII_WORD = re.compile(r"^[a-z0-9._%+-]+$")  # maybe part of an e-mail address


def found_in_what_they_see(q: str):
    """A WHERE clause for a reader who sees callers' data masked: no ticket is found by a word of ``q`` that only
    the data he does not see holds: its address, its caller's name or phone number, or a phone, ID or card
    number or e-mail address in its free text (masked on his pages: searching 东华路18号, 13812345678 or its
    first digits would otherwise confirm them). A word with three digits in a row is looked for in the ticket
    number and the enterprise only; a Latin word in the title and content only where no ``@`` follows it.
    None: nothing to add."""
    terms = [w for w in words((q or "").strip(), search_mode=False) if w.strip()]
    if not terms:
        return None

    def contains(column, term, tail=""):
        pattern = f"%{query_args.like_escaped(term)}%{tail}"
        return func.coalesce(column, "").ilike(pattern, escape=query_args.LIKE_ESCAPE)

    def found(term):
        plain = or_(contains(Ticket.ticket_no, term), contains(Ticket.enterprise, term))
        if _NUMBER_PART.search(term):
            return plain
        latin = bool(_ASCII_WORD.match(term))
        in_text = [contains(column, term) & ~contains(Ticket.caller_name, term)
                   & (~contains(column, term, "@%") if latin else true())
                   for column in (Ticket.title, Ticket.content)]
        if latin:
            return or_(plain, *in_text)
        hidden = or_(contains(Ticket.address, term), contains(Ticket.caller_name, term))
        return or_(~hidden, plain, *in_text)

    return and_(*[found(t) for t in terms])


def backfill(batch: int = 2000) -> int:
    """Fill the search text of tickets that have none (after an upgrade or a bulk load)."""
    done, last = 0, 0
    cols = [Ticket.id] + [getattr(Ticket, f) for f in FIELDS]
    while True:
        rows = db.session.execute(select(*cols).where(Ticket.id > last, or_(
            Ticket.search_text.is_(None), Ticket.search_text == "")).order_by(Ticket.id).limit(batch)).all()
        if not rows:
            return done
        ids = [r.id for r in rows]
        notes: dict[int, list[str]] = {}
        for tid, note in db.session.execute(select(TicketNote.ticket_id, TicketNote.text)
                                            .where(TicketNote.ticket_id.in_(ids))):
            notes.setdefault(tid, []).append(note)
        values = [{"tid": r.id, "st": document(r._asdict(), notes.get(r.id, []))} for r in rows]
        db.session.execute(update(Ticket.__table__).where(Ticket.__table__.c.id == db.bindparam("tid"))
                           .values(search_text=db.bindparam("st")), values)
        db.session.commit()
        done += len(rows)
        last = ids[-1]
