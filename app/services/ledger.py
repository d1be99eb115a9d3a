"""案件台账: every ticket with filters, free-text search and notes.

Its Excel export (masked per reader, in the access log) is app/services/ledger_export.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import joinedload

from app.engine.clock import clock
from app.extensions import db
from app.models import RepeatLink, Ticket, TicketNote, User
from app.models.repeats import TicketFingerprint
from app.services import (
    NotFound,
    PermissionDenied,
    ServiceError,
    _,
    access,
    query_args,
    rates,
    repeats,
    search_index,
    ticket_rules,
)
from app.services.masking import mask_phone, mask_text
from app.services.reports import conditions
from app.services.uow import unit_of_work

TITLE = "案件台账"
COUNT_CAP = 10_000  # the ledger counts matches up to here ("10000+ 件"): an exact count of a million costs
SEARCH_COUNT_CAP = 1_000  # with a text search each counted match is a heap visit: count fewer
# Who writes 备注 on tickets: the people working them (analysts and inspectors read).
NOTE_ROLES = ("dispatcher", "duty", "handler", "reviewer", "callback", "supervisor")
NOTE_LIMIT = 2000  # a ticket note (characters; TicketNote.text)


@dataclass
class LedgerFilter:
    q: str = ""
    period: str = ""  # assessment month, YYYY-MM
    ticket_type: str = ""
    topic: str = ""
    section_id: int | None = None
    state: str = ""
    overdue: bool = False
    excluded: str = ""  # "", "yes", "no"
    carried: str = ""  # "", "yes" (挂账中), "written_off" (已销账), "no"
    supervised: str = ""  # "", "yes" (督办件), "no"
    repeat: bool = False  # part of a confirmed repeat caller / repeat event (重复反映)
    # 统计报表: the filters a report figure's link carries (app/services/reports/conditions.py)
    received_from: str = ""  # YYYY-MM-DD, 接收时间 from this day
    received_to: str = ""  # YYYY-MM-DD, to this day (inclusive)
    status: str = ""  # a report count: closed, open, signed, extended, responded_late ...
    source: str = ""
    street: str = ""
    enterprise: str = ""
    enterprise_kind: str = ""
    topic_path: str = ""  # this topic path and those below it

    @classmethod
    def from_args(cls, args) -> LedgerFilter:
        """From a request's arguments or a stored job's filter (app/services/query_args.py)."""
        section = args.get("section", "")
        # q: a number typed as a Chinese IME types it (１３８…) is searched as 138…
        f = cls(q=ticket_rules.half_width(args.get("q", "")).strip(), period=args.get("period", "").strip(),
                   ticket_type=args.get("type", ""), topic=args.get("topic", "").strip(),
                   section_id=query_args.row_id_or_none(section), state=args.get("state", ""),
                   overdue=query_args.flag(args.get("overdue")), excluded=args.get("excluded", ""),
                   carried=args.get("carried", ""), supervised=args.get("supervised", ""),
                   repeat=query_args.flag(args.get("repeat")))
        for name in REPORT_FILTERS:
            setattr(f, name, str(args.get(name, "")).strip())
        return f

    def as_args(self) -> dict:
        """The query arguments that give this filter back (``from_args``)."""
        return query_args.as_args(self, {"ticket_type": "type", "section_id": "section"})


def matching(f: LedgerFilter, user: User):
    """The SELECT of the tickets the filter matches that the user may see (the export reads it)."""
    return _query(f, user)


def _query(f: LedgerFilter, user: User):
    query = select(Ticket)
    visible = access.visible_tickets(user)
    if visible is not None:
        query = query.where(visible)
    if f.q:  # full text over the jieba words of number, title, content, enterprise, address and notes
        clause = search_index.match(f.q)
        clause = clause if clause is not None else Ticket.ticket_no == f.q
        phone = repeats.phone_in_query(f.q)
        sees_callers = access.sees_addresses_of_visible(user)
        if phone and sees_callers:  # the caller's number, as the fingerprints keep it (one index range)
            clause = or_(clause, Ticket.id.in_(select(TicketFingerprint.ticket_id)
                                               .where(TicketFingerprint.phone == phone)))
        query = query.where(clause)
        if phone and not sees_callers:  # they see every number masked: a number finds a ticket by its own only
            query = query.where(Ticket.ticket_no.contains(f.q, autoescape=True))
        elif not sees_callers:
            hidden = search_index.found_in_what_they_see(f.q)
            if hidden is not None:
                query = query.where(hidden)
    if f.period:
        problem = rates.period_problem(f.period)
        if problem:
            raise ServiceError(problem)
        start, end = rates.period_bounds(f.period)
        query = query.where(Ticket.received_at >= start, Ticket.received_at < end)
    if f.ticket_type:
        query = query.where(Ticket.ticket_type == f.ticket_type)
    if f.topic:
        query = query.where(Ticket.topic.icontains(f.topic, autoescape=True))  # a typed % or _ is itself
    if f.section_id:
        query = query.where(Ticket.section_id == f.section_id)
    if f.state:
        query = query.where(Ticket.state == f.state)
    if f.overdue:
        query = query.where(conditions.overdue(clock.now()))
    if f.excluded == "yes":
        query = query.where(Ticket.excluded.is_(True))
    elif f.excluded == "no":
        query = query.where(Ticket.excluded.is_(False))
    if f.carried in ("yes", "no"):
        query = query.where(Ticket.carried.is_(f.carried == "yes"))
    elif f.carried == "written_off":
        query = query.where(Ticket.written_off_at.is_not(None))
    if f.repeat:
        confirmed = select(RepeatLink).where(RepeatLink.status == "confirmed")
        query = query.where(or_(Ticket.id.in_(confirmed.with_only_columns(RepeatLink.ticket_id)),
                                Ticket.id.in_(confirmed.with_only_columns(RepeatLink.earlier_id))))
    if f.supervised in ("yes", "no"):
        query = query.where(Ticket.supervised.is_(f.supervised == "yes"))
    return _report_filters(query, f)


REPORT_FILTERS = ("received_from", "received_to", "status", "source", "street", "enterprise", "enterprise_kind",
                  "topic_path")


def _report_filters(query, f: LedgerFilter):
    """The filters a report figure links with: the report's own conditions (one definition for both)."""
    try:
        first = date.fromisoformat(f.received_from) if f.received_from else None
        last = date.fromisoformat(f.received_to) if f.received_to else None
    except ValueError as exc:
        raise ServiceError(_("日期格式应为 YYYY-MM-DD。")) from exc
    try:
        for d in (first, last):
            if d is not None:
                query_args.in_years(d)
    except ValueError:
        raise ServiceError(_("日期应在 %(low)s 年至 %(high)s 年之间。", low=query_args.YEARS[0],
                             high=query_args.YEARS[1])) from None
    query = query.where(*conditions.received_between(first, last))
    if f.status:  # one or more report counts, comma-separated, all of them
        known = conditions.statuses(clock.now())
        for name in f.status.split(","):
            if name not in known:
                raise ServiceError(_("未知的统计口径。"))
            query = query.where(known[name])
    for name in ("source", "street", "enterprise", "enterprise_kind", "topic_path"):
        if getattr(f, name):
            query = query.where(conditions.dimension(name, getattr(f, name)))
    return query


@dataclass
class Page:
    """One page of the ledger, newest first, with the keys of its neighbours (keyset pagination)."""

    rows: list
    total: int  # capped at cap + 1 (shown as "超过 10000 件")
    cap: int = COUNT_CAP
    after: str = ""  # the cursor of the next (older) page, "" on the last
    before: str = ""  # the cursor of the previous (newer) page, "" on the first

    @property
    def capped(self) -> bool:
        return self.total > self.cap


def cursor_of(t: Ticket) -> str:
    return f"{t.received_at.astimezone(UTC).strftime('%Y%m%d%H%M%S%f')}.{t.id}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """A cursor from a link; None for none or a malformed one (the first page then)."""
    try:
        stamp, tid = (value or "").split(".")
        return datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=UTC), int(tid)
    except ValueError:
        return None


def count_cap(f: LedgerFilter) -> int:
    return SEARCH_COUNT_CAP if f.q else COUNT_CAP


def count(f: LedgerFilter, user: User) -> int:
    """How many tickets match, counted up to count_cap + 1."""
    capped = _query(f, user).with_only_columns(Ticket.id).limit(count_cap(f) + 1)
    return db.session.scalar(select(func.count()).select_from(capped.subquery()))


def page_of(f: LedgerFilter, user: User, after: str = "", before: str = "", per_page: int = 30) -> Page:
    """A page by keyset on (received_at, id): as quick on the 30,000th page as on the first.

    A text search with few matches (the capped count says so) sorts those matches instead of walking the
    ledger's index newest first: PostgreSQL cannot tell how rare a word is within a section and would
    otherwise read the whole index to find one match (1.5 s at 1 M tickets)."""
    total = count(f, user)
    query = _query(f, user).options(joinedload(Ticket.section))
    key = tuple_(Ticket.received_at, Ticket.id)
    at, tid = Ticket.received_at, Ticket.id
    if f.q and total <= count_cap(f):
        at, tid = func.coalesce(Ticket.received_at, Ticket.received_at), Ticket.id + 0  # not the index's order
    newer = parse_cursor(before)
    older = parse_cursor(after)
    if newer is not None:
        rows = list(db.session.scalars(query.where(key > tuple_(*newer)).order_by(at, tid).limit(per_page + 1)))
        has_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        has_older = True
    else:
        if older is not None:
            query = query.where(key < tuple_(*older))
        rows = list(db.session.scalars(query.order_by(at.desc(), tid.desc()).limit(per_page + 1)))
        has_older = len(rows) > per_page
        rows = rows[:per_page]
        has_newer = older is not None
    return Page(rows, total, count_cap(f), after=cursor_of(rows[-1]) if rows and has_older else "",
                before=cursor_of(rows[0]) if rows and has_newer else "")


def record_search(f: LedgerFilter, user: User, page: Page) -> None:
    """Every text search is in the access log (what was searched, how many found): a search may look a
    caller up by name or number. By a caller's number it says so, the number masked in the log itself;
    for a reader the number finds only ticket numbers for, it is an ordinary search."""
    if not f.q:
        return
    found = f"超过 {page.cap} 件" if page.capped else f"{page.total} 件"
    phone = repeats.phone_in_query(f.q)
    sees_callers = access.sees_addresses_of_visible(user)
    if phone and sees_callers:
        access.record(user, "view", f"{TITLE}：按来电号码查询", masked=False, detail=f"来电号码 {mask_phone(phone)}，{found}")
    else:
        typed = f.q if sees_callers else mask_text(f.q)  # as they are shown it
        access.record(user, "view", f"{TITLE}搜索", masked=not sees_callers, detail=f"搜索“{typed}”，{found}")


def search(f: LedgerFilter, user: User, page: int = 1, per_page: int = 30) -> tuple[list[Ticket], int]:
    """A page by number (offset; for the first few pages and for callers that want a number)."""
    query = _query(f, user).options(joinedload(Ticket.section))
    rows = db.session.scalars(
        query.order_by(Ticket.received_at.desc(), Ticket.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), count(f, user)


def notes(ticket: Ticket) -> list[TicketNote]:
    return list(db.session.scalars(
        select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.at, TicketNote.id)))


SAME_NOTE_MINUTES = 2  # Back then 保存备注 is seconds; the same words minutes later are a note of their own


def add_note(ticket_id: int, user: User, text: str) -> TicketNote:
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("备注不能为空。"))
    if len(text) > NOTE_LIMIT:
        raise ServiceError(_("备注不能超过 2000 个字。"))
    with unit_of_work():
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(_("工单不存在。"))
        if not access.can_view_ticket(user, ticket):
            raise PermissionDenied(_("您无权查看该工单。"))
        if not user.has_role(*NOTE_ROLES):
            raise PermissionDenied(_("您的角色不能为工单添加备注。"))
        now = clock.now()
        same = db.session.scalar(select(TicketNote).where(  # Back then 保存备注 again: the note is there already
            TicketNote.ticket_id == ticket.id, TicketNote.author_id == user.id, TicketNote.text == text,
            TicketNote.at >= now - timedelta(minutes=SAME_NOTE_MINUTES)).limit(1))
        if same is not None:
            return same
        note = TicketNote(ticket_id=ticket.id, author_id=user.id, at=now, text=text)
        db.session.add(note)
        db.session.flush()
        search_index.refresh(ticket)  # the note's words, so the ledger's search finds it
    return note
