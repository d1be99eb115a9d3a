"""重复反映: repeat callers and repeat events, detected at intake and confirmed by a dispatcher.

Runs for every new ticket, whatever the channel (hand entry, platform push, file import),
on ``TicketCreated`` in the ticket's own transaction. It must stay cheap (an import
of 10,000 rows calls it 10,000 times), so it:

- writes one ``TicketFingerprint`` row (normalised phone / address / enterprise + call time);
- looks up earlier tickets through the fingerprint's per-key indexes, limited to the time
  window and to the most recent ``MAX_CANDIDATES`` per key;
- segments text (jieba) only when a ticket about the same place exists in the window,
  and keeps the tokens on the fingerprint so each ticket is segmented at most once.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, exists, func, insert, or_, select, union, update
from sqlalchemy.orm import aliased, joinedload, load_only

from app.engine.clock import clock
from app.extensions import db
from app.models import Ticket, User
from app.models.repeats import (
    KEY_KINDS,
    LINK_KINDS,
    LINK_STATUSES,
    RepeatGroup,
    RepeatGroupMember,
    RepeatLink,
    TicketFingerprint,
)
from app.services import (
    N_,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    _,
    access,
    masking,
    query_args,
    repeat_groups,
    rules_settings,
    textsim,
    ticket_rules,
    timeline,
)
from app.services.events import TicketCreated
from app.services.masking import mask_phone
from app.services.uow import unit_of_work

log = logging.getLogger("jiesu.repeats")

MAX_CANDIDATES = 50  # most recent earlier tickets compared per key
MAX_LINKS = 10  # suggestions kept per kind for one new ticket
DECIDER_ROLES = ("dispatcher", "duty", "supervisor")
REGISTER_ROLES = ("dispatcher", "duty", "supervisor", "leader", "analyst")
NOTE_LIMIT = 300  # a decision's 说明 and a take-back's 撤销原因 (characters; RepeatLink.note is String(300))

_PLACEHOLDERS = {"", "无", "暂无", "不详", "未知", "不清楚", "空", "null", "none", "na", "n/a", "-", "--", "/"}
_BEIJING_DISTRICTS = ("东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区", "通州区",
                      "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区")
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")
_NOT_WORD = re.compile(r"[\W_]+")
_BRACKETED = re.compile(r"\([^)]{0,12}\)")

_PHONE_LIKE = re.compile(r"^\+?[\d\s()-]+$")

SUSPECTED_CALLER = N_("疑似重复反映：同一来电号码%(days)s天内另有 %(callers)s 件，待派单员确认")
SUSPECTED_EVENT = N_("疑似重复反映：同一地址或企业的相似诉求 %(events)s 件，待派单员确认")
SUSPECTED_BOTH = N_("疑似重复反映：同一来电号码%(days)s天内另有 %(callers)s 件；同一地址或企业的相似诉求 %(events)s 件，待派单员确认")
CONFIRMED = N_("确认%(link)s：与 %(earlier)s")
REJECTED = N_("否定%(link)s：与 %(earlier)s")
REOPENED = N_("撤销%(link)s的“%(decision)s”：与 %(earlier)s，重新待确认")


# ------------------------------------------------------------------ normalising

def normalise_phone(value: str | None) -> str:
    """Digits only; +86 / 0086 dropped from mobile numbers; fewer than 7 digits is no number."""
    digits = re.sub(r"\D", "", value or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            digits = digits[len(prefix):]
    return digits if len(digits) >= 7 else ""


def phone_in_query(q: str | None) -> str:
    """The caller's number a search box was given (digits, spaces, brackets, -, a leading +; full width
    folded), normalised as the fingerprints keep it; "" when the search is not a phone number."""
    text = ticket_rules.half_width(q or "").strip()
    return normalise_phone(text) if _PHONE_LIKE.match(text) else ""


def _plain(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").lower().strip()
    return "" if text in _PLACEHOLDERS else text


def normalise_address(value: str | None) -> str:
    """东城区东华路１８号 and 北京市 东华路18号 are the same place: 东华路18号."""
    text = _NOT_WORD.sub("", _plain(value))
    for prefix in ("北京市", "北京"):
        text = text.removeprefix(prefix)
    for district in _BEIJING_DISTRICTS:
        if text.startswith(district):
            text = text[len(district):]
            break
    return text[:200] if len(text) >= 2 else ""


def normalise_enterprise(value: str | None) -> str:
    """悦途国际旅行社有限公司, 悦途国际旅行社（北京）有限公司 and 悦途国际旅行社 are one enterprise."""
    text = _BRACKETED.sub("", _plain(value))
    text = _NOT_WORD.sub("", text)
    for prefix in ("北京市", "北京"):
        text = text.removeprefix(prefix)
    for form in _LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            text = text[: -len(form)]
            break
    return text[:120] if len(text) >= 2 else ""


def ticket_instant(ticket: Ticket) -> datetime:
    """When the citizen called (来电时间), else when the desk received the ticket."""
    return ticket.called_at or ticket.received_at


# ------------------------------------------------------------------ fingerprints

def fingerprint(ticket: Ticket, new: bool = False) -> TicketFingerprint:
    """The ticket's fingerprint, created on first call (flushed, so the checks' queries see it).

    The one made for the ticket being created is kept in ``session.info`` for the other
    intake checks of the same transaction (the identity map holds clean objects weakly).
    ``new``: the ticket was stored in this transaction, so it has no row to look up.
    """
    cached_id, cached = db.session.info.get("intake_fingerprint", (None, None))
    if cached_id == ticket.id and cached in db.session:
        return cached
    fp = None if new else db.session.get(TicketFingerprint, ticket.id)
    if fp is None:
        fp = TicketFingerprint(ticket_id=ticket.id, at=ticket_instant(ticket),
                               phone=normalise_phone(ticket.caller_phone),
                               address=normalise_address(ticket.address),
                               enterprise=normalise_enterprise(ticket.enterprise))
        db.session.add(fp)
        db.session.flush()
    db.session.info["intake_fingerprint"] = (ticket.id, fp)
    return fp


def _text_tokens(ticket: Ticket, mask: masking.Mask = masking.FULL) -> list[str]:
    """Title and content words, without the ticket's own enterprise and address (what candidates share);
    with ``mask``, the words of the text as that reader is shown it."""
    text = unicodedata.normalize("NFKC", f"{mask.text(ticket.title)}\n{mask.text(ticket.content)}")
    names = (ticket.enterprise, ticket.address, normalise_enterprise(ticket.enterprise), normalise_address(ticket.address))
    remove = tuple(sorted({unicodedata.normalize("NFKC", v).strip() for v in names if v}, key=len, reverse=True))
    return textsim.tokens(text, remove)


def tokens_of(fp: TicketFingerprint, ticket: Ticket | None = None) -> list[str]:
    """The ticket's content words, segmented once and kept on its fingerprint."""
    if fp.tokens is None:
        ticket = ticket or db.session.get(Ticket, fp.ticket_id)
        fp.tokens = " ".join(_text_tokens(ticket))
    return fp.tokens.split()


def _stored_tokens(ticket_id: int, tokens: str | None) -> str:
    """A candidate's tokens: stored, or segmented now and stored for next time (one UPDATE)."""
    if tokens is not None:
        return tokens
    tokens = " ".join(_text_tokens(db.session.get(Ticket, ticket_id)))
    db.session.execute(update(TicketFingerprint).where(TicketFingerprint.ticket_id == ticket_id)
                       .values(tokens=tokens).execution_options(synchronize_session=False))
    return tokens


def backfill_fingerprints(batch: int = 500) -> int:
    """Fingerprint tickets stored before repeat detection existed (the detection itself is not re-run)."""
    done = 0
    while True:
        missing = db.session.scalars(
            select(Ticket).outerjoin(TicketFingerprint, TicketFingerprint.ticket_id == Ticket.id)
            .where(TicketFingerprint.ticket_id.is_(None)).limit(batch)).all()
        if not missing:
            return done
        with unit_of_work():
            for ticket in missing:
                fingerprint(ticket)
        done += len(missing)


# ------------------------------------------------------------------ detection

def _candidates(column, value: str, fp: TicketFingerprint, window: timedelta, limit: int, *extra) -> list:
    """(ticket_id, at, *extra) of the most recent other tickets with this key in the window (one index range).

    Run on the session's connection (Core): plain rows, without the ORM's per-statement overhead."""
    return db.session.connection().execute(
        select(TicketFingerprint.ticket_id, TicketFingerprint.at, *extra)
        .where(column == value, TicketFingerprint.at >= fp.at - window, TicketFingerprint.at <= fp.at + window,
               TicketFingerprint.ticket_id != fp.ticket_id)
        .order_by(TicketFingerprint.at.desc())
        .limit(limit)).all()


def _oriented(fp: TicketFingerprint, other_id: int, other_at: datetime) -> tuple[int, int]:
    """(later, earlier): a ticket imported after a later one is still the earlier of the two."""
    if (other_at, other_id) <= (fp.at, fp.ticket_id):
        return fp.ticket_id, other_id
    return other_id, fp.ticket_id


def rules_for(ticket: Ticket) -> rules_settings.Rules:
    """The settings, read once per new ticket and shared by its intake checks (same transaction)."""
    cached = db.session.info.get("intake_rules")
    if cached is not None and cached[0] == ticket.id:
        return cached[1]
    rules = rules_settings.load()
    db.session.info["intake_rules"] = (ticket.id, rules)
    return rules


def detect(ticket: Ticket, rules: rules_settings.Rules | None = None) -> list[dict]:
    """Suggest links from a new ticket to earlier ones: same phone number, or similar content at
    the same address or enterprise, within the window. Returns the links added (as row dicts)."""
    rules = rules or rules_for(ticket)
    fp = fingerprint(ticket, new=True)  # flushed: everything pending is written once, here
    with db.session.no_autoflush:  # the lookups below read only fingerprints, none of them pending
        return _detect(ticket, fp, rules)


def _detect(ticket: Ticket, fp: TicketFingerprint, rules: rules_settings.Rules) -> list[dict]:
    window = timedelta(days=rules.window_days)
    now = clock.now()
    links: list[dict] = []

    def link(other_id, other_at, kind, key_kind, key_value, score):
        later, earlier = _oriented(fp, other_id, other_at)
        links.append({"ticket_id": later, "earlier_id": earlier, "kind": kind, "key_kind": key_kind,
                      "key_value": key_value, "score": score, "status": "suggested", "created_at": now, "note": ""})

    if fp.phone:
        for other_id, other_at in _candidates(TicketFingerprint.phone, fp.phone, fp, window, MAX_LINKS):
            link(other_id, other_at, "caller", "phone", fp.phone, 1.0)

    scored: dict[int, tuple] = {}
    for kind, column in (("enterprise", TicketFingerprint.enterprise), ("address", TicketFingerprint.address)):
        value = getattr(fp, kind)
        if not value:
            continue
        rows = _candidates(column, value, fp, window, MAX_CANDIDATES, TicketFingerprint.tokens)
        if not rows:
            continue
        mine = tokens_of(fp, ticket)
        for other_id, other_at, other_tokens in rows:
            if other_id not in scored:
                score = textsim.similarity(mine, _stored_tokens(other_id, other_tokens))
                scored[other_id] = (score, other_id, other_at, kind, value)
    threshold = rules.event_threshold / 100.0
    best = sorted((s for s in scored.values() if s[0] >= threshold), key=lambda s: (-s[0], -s[1]))[:MAX_LINKS]
    for score, other_id, other_at, kind, value in best:
        link(other_id, other_at, "event", kind, value, round(score, 3))

    if links:
        db.session.execute(insert(RepeatLink), links)
        callers = sum(1 for lk in links if lk["kind"] == "caller")
        events = len(links) - callers
        message = SUSPECTED_BOTH if callers and events else SUSPECTED_CALLER if callers else SUSPECTED_EVENT
        timeline.add(ticket, "repeat", message, at=now, days=rules.window_days, callers=callers, events=events)
    return links


def on_ticket_created(event: TicketCreated) -> None:
    """At intake (wired with a guard: a fault raises an alert, the ticket is kept)."""
    detect(event.ticket)



# ------------------------------------------------------------------ reading

def get_link(link_id: int) -> RepeatLink:
    link = db.session.get(RepeatLink, link_id)
    if link is None:
        raise NotFound(_("重复反映关联不存在。"))
    return link


_STATUS_ORDER = {"suggested": 0, "confirmed": 1, "rejected": 2}


def _links_of(ticket_id):
    """Links with the ticket on either side; ``ticket_id`` a value or a bind parameter."""
    return (RepeatLink.ticket_id == ticket_id) | (RepeatLink.earlier_id == ticket_id)


@functools.lru_cache(maxsize=2)
def _links_statement(limited: bool):
    query = (select(RepeatLink).where(_links_of(bindparam("ticket_id")))
             .order_by(case(_STATUS_ORDER, value=RepeatLink.status, else_=3), RepeatLink.score.desc(),
                       RepeatLink.id)
             .options(joinedload(RepeatLink.ticket), joinedload(RepeatLink.earlier)))
    return query.limit(bindparam("limit")) if limited else query


def links_for(ticket: Ticket, limit: int | None = None) -> list[RepeatLink]:
    """Links in which the ticket takes part, either side, suggestions first (at most ``limit``), with
    both tickets in the same statement (built once, bound per call)."""
    params = {"ticket_id": ticket.id} if limit is None else {"ticket_id": ticket.id, "limit": limit}
    return list(db.session.scalars(_links_statement(limit is not None), params))


def links_count(ticket: Ticket) -> int:
    return db.session.scalar(select(func.count(RepeatLink.id)).where(_links_of(ticket.id))) or 0


def can_decide(user: User) -> bool:
    return user.has_role(*DECIDER_ROLES)


def may_unmask(user: User) -> bool:
    """Phone numbers and addresses in the register: only for roles that must reach callers."""
    return access.reaches_callers(user)


def mask_key(key_kind: str, value: str, unmasked: bool) -> str:
    if unmasked or key_kind == "enterprise":
        return value
    if key_kind == "phone":

        return mask_phone(value)
    return value[:3] + "*" * max(3, len(value) - 3)


def compare(link: RepeatLink, user: User) -> dict:
    """What the side-by-side page shows besides the two tickets: the words they share, of the texts as
    ``user`` is shown them (a masked reader was shown the caller's number, name and card among them)."""
    shared = textsim.common_tokens(_text_tokens(link.ticket, masking.for_viewer(user, link.ticket)),
                                   _text_tokens(link.earlier, masking.for_viewer(user, link.earlier)))
    return {"shared_words": shared}


# ------------------------------------------------------------------ deciding

def decide(link_id: int, user: User, confirm: bool, note: str = "") -> RepeatLink:
    """Confirm or reject a suggested link; of two people deciding at once, one wins."""
    if not can_decide(user):
        raise PermissionDenied(_("只有派单员、值班员或主管可以确认重复反映。"))
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput({"note": _("说明不能超过 300 个字（现 %(n)s 个字）。", n=len(note))})
    with unit_of_work():
        link = get_link(link_id)
        if link.status != "suggested":
            who = link.decided_by.name if link.decided_by else ""
            raise Conflict(_("该关联已由 %(who)s 处理为“%(status)s”。", who=who, status=_(link.status_label)))
        now = clock.now()
        status = "confirmed" if confirm else "rejected"
        result = db.session.execute(
            update(RepeatLink).where(RepeatLink.id == link.id, RepeatLink.status == "suggested")
            .values(status=status, decided_by_id=user.id, decided_at=now, note=note)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict(_("该关联刚被他人处理，请刷新后查看。"))
        if confirm:  # the register's group of this key, in this transaction
            repeat_groups.refresh(link.kind, link.key_kind, link.key_value)
        label = LINK_KINDS[link.kind]
        timeline.add(link.ticket_id, "repeat", CONFIRMED if confirm else REJECTED, user,
                     [[N_("说明"), note]] if note else None, at=now, link=label, earlier=link.earlier.ticket_no)
    db.session.refresh(link)
    return link


def reopen(link_id: int, user: User, reason: str, was: str) -> RepeatLink:
    """Take back a decision made by mistake: the link is 待确认 again, for anyone who may decide.

    ``was`` is the status the person saw (confirmed or rejected): if someone took it back or decided
    again meanwhile, nothing changes (Conflict). A confirmed link leaves the register's group in the
    same transaction; the timeline keeps who decided what and who took it back, and why."""
    if not can_decide(user):
        raise PermissionDenied(_("只有派单员、值班员或主管可以确认重复反映。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _("请填写撤销的原因。")})
    if len(reason) > NOTE_LIMIT:
        raise InvalidInput({"reason": _("撤销原因不能超过 300 个字（现 %(n)s 个字）。", n=len(reason))})
    with unit_of_work():
        link = get_link(link_id)
        if link.status == "suggested" or link.status != was:
            raise Conflict(_("该关联现为“%(status)s”，已有人处理过，请刷新后查看。", status=_(link.status_label)))
        result = db.session.execute(
            update(RepeatLink).where(RepeatLink.id == link.id, RepeatLink.status == was)
            .values(status="suggested", decided_by_id=None, decided_at=None, note="")
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict(_("该关联刚被他人处理，请刷新后查看。"))
        if was == "confirmed":  # the register's group without it
            repeat_groups.refresh(link.kind, link.key_kind, link.key_value)
        timeline.add(link.ticket_id, "repeat", REOPENED, user, [[N_("原因"), reason]], at=clock.now(),
                     link=LINK_KINDS[link.kind], decision=LINK_STATUSES[was], earlier=link.earlier.ticket_no)
    db.session.refresh(link)
    return link


# ------------------------------------------------------------------ register

@dataclass
class RegisterRow:
    kind: str
    key_kind: str
    key_value: str
    shown_key: str
    tickets: list = field(default_factory=list)  # Ticket rows, newest first
    first_at: datetime | None = None
    last_at: datetime | None = None

    @property
    def count(self) -> int:
        return len(self.tickets)

    @property
    def kind_label(self) -> str:
        return LINK_KINDS.get(self.kind, self.kind)

    @property
    def key_label(self) -> str:
        return KEY_KINDS.get(self.key_kind, self.key_kind)

    @property
    def latest(self):
        return self.tickets[0] if self.tickets else None


REGISTER_PAGE = 50  # groups per page of the register
# what the register shows of a group's tickets (and the masking decision reads); the rest loads if touched
REGISTER_TICKET_COLUMNS = (Ticket.ticket_no, Ticket.title, Ticket.called_at, Ticket.received_at, Ticket.section_id)


def _register_filters(kind: str, q: str, date_from, date_to, min_count: int, unmasked: bool) -> list:
    """The register's filters on its groups (``repeat_group``): kind, tickets, dates, the search."""
    where = [RepeatGroup.n >= min_count] + ([RepeatGroup.kind == kind] if kind in LINK_KINDS else [])
    if date_from:
        where.append(RepeatGroup.last_at >= date_from)  # a group overlaps the period
    if date_to:
        where.append(RepeatGroup.first_at <= date_to)
    needle = ticket_rules.half_width(q or "").strip().lower()  # １３８… typed with a Chinese IME
    needle = phone_in_query(needle) or needle  # 138-1111-2222 finds the caller kept as 13811112222
    if needle:
        where.append(_searched(needle, unmasked))
    return where


SEARCH_IDS = 5000  # a search matching at most this many groups filters by their ids (one scan of the members)


def _searched(needle: str, unmasked: bool):
    """Groups whose key (as this reader sees it) or one of whose tickets' number or enterprise holds the words:
    found once by one scan of the narrow member table, then filtered by id (else by the subquery itself)."""
    like = query_args.like_containing(needle)
    member = aliased(RepeatGroupMember)  # (not the members the totals count)
    in_tickets = (exists().where(member.group_id == RepeatGroup.id,
                                 or_(member.ticket_no_lower.like(like, escape=query_args.LIKE_ESCAPE), member.enterprise_lower.like(like, escape=query_args.LIKE_ESCAPE)))
                  .correlate(RepeatGroup))
    shown = RepeatGroup.key_value.like(like, escape=query_args.LIKE_ESCAPE) if unmasked else and_(RepeatGroup.key_kind == "enterprise",
                                                                   RepeatGroup.key_value.like(like, escape=query_args.LIKE_ESCAPE))
    ids = db.session.scalars(union(
        select(RepeatGroupMember.group_id).where(or_(RepeatGroupMember.ticket_no_lower.like(like, escape=query_args.LIKE_ESCAPE),
                                                     RepeatGroupMember.enterprise_lower.like(like, escape=query_args.LIKE_ESCAPE))),
        select(RepeatGroup.id).where(shown)).limit(SEARCH_IDS + 1)).all()
    return RepeatGroup.id.in_(ids) if len(ids) <= SEARCH_IDS else or_(shown, in_tickets)


def register(user: User, kind: str = "", q: str = "", date_from: datetime | None = None,
             date_to: datetime | None = None, min_count: int = 2, page: int = 1,
             per_page: int = REGISTER_PAGE) -> list[RegisterRow]:
    """重复反映登记: confirmed links grouped by phone (callers) or by address / enterprise (events),
    with the number of tickets in each group, most tickets first; one page of the kept groups."""
    if not user.has_role(*REGISTER_ROLES):
        raise PermissionDenied(_("您没有查看重复反映登记的权限。"))
    unmasked = may_unmask(user)
    g = RepeatGroup
    found = db.session.execute(
        select(g.id, g.kind, g.key_kind, g.key_value, g.first_at, g.last_at)
        .where(*_register_filters(kind, q, date_from, date_to, min_count, unmasked))
        .order_by(g.n.desc(), g.last_at.desc(), g.key_value, g.kind, g.key_kind)
        .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    rows = {r.id: RegisterRow(r.kind, r.key_kind, r.key_value, mask_key(r.key_kind, r.key_value, unmasked),
                              first_at=r.first_at, last_at=r.last_at) for r in found}
    shown = sum(r.key_kind in ("phone", "address") for r in found)
    if (unmasked and shown) or q:  # callers' numbers or addresses shown, or a search that may be by one
        access.record(user, "view", "重复反映登记", masked=not unmasked,
                      detail=(f"搜索“{mask_phone(q) if phone_in_query(q) else q}”，" if q else "")
                      + f"第 {max(page, 1)} 页，按号码或地址的 {shown} 组")
    if rows:  # the tickets of the groups on this page, newest first
        for group_id, t in db.session.execute(
                select(RepeatGroupMember.group_id, Ticket).join(Ticket, Ticket.id == RepeatGroupMember.ticket_id)
                .where(RepeatGroupMember.group_id.in_(list(rows))).options(load_only(*REGISTER_TICKET_COLUMNS))
                .order_by(func.coalesce(Ticket.called_at, Ticket.received_at).desc(), Ticket.id.desc())):
            rows[group_id].tickets.append(t)
    return list(rows.values())


def register_totals(user: User, kind: str = "", q: str = "", date_from: datetime | None = None,
                    date_to: datetime | None = None, min_count: int = 2) -> dict:
    """The register's counts over all its groups (not one page): callers, events, tickets, groups.
    Unfiltered (a kind at most), the kept totals; else counted over the groups that match."""
    if min_count == 2 and not (q or "").strip() and date_from is None and date_to is None:
        kept = repeat_groups.totals()
        row = kind if kind in LINK_KINDS else repeat_groups.ALL
        groups, tickets = kept.get(row, (0, 0))
        per_kind = {k: kept.get(k, (0, 0))[0] for k in LINK_KINDS if row in (k, repeat_groups.ALL)}
        return {"caller": per_kind.get("caller", 0), "event": per_kind.get("event", 0), "tickets": tickets,
                "groups": groups}
    where = _register_filters(kind, q, date_from, date_to, min_count, may_unmask(user))
    tickets = select(func.count(func.distinct(RepeatGroupMember.ticket_id)))
    if min_count < 2 and not (q or "").strip() and date_from is None and date_to is None:
        # every group of a confirmed link has two tickets: all members count
        tickets = tickets.where(RepeatGroupMember.kind == kind) if kind in LINK_KINDS else tickets
    else:
        tickets = tickets.join(RepeatGroup, RepeatGroup.id == RepeatGroupMember.group_id).where(*where)
    groups = select(func.count().filter(RepeatGroup.kind == "caller").label("caller"),
                    func.count().filter(RepeatGroup.kind == "event").label("event"),
                    func.count().label("total")).where(*where).subquery("matched")
    caller, event, total, n = db.session.execute(  # one round trip
        select(groups.c.caller, groups.c.event, groups.c.total, tickets.scalar_subquery())).one()
    return {"caller": caller, "event": event, "tickets": n or 0, "groups": total}


def register_counts(rows: list[RegisterRow]) -> dict:
    return {"caller": sum(1 for r in rows if r.kind == "caller"),
            "event": sum(1 for r in rows if r.kind == "event"),
            "tickets": len({t.id for r in rows for t in r.tickets})}
