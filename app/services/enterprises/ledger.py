"""The enterprise ledger itself: who keeps it, what a valid entry is, entering, editing, finding, history."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.engine.clock import clock
from app.extensions import db
from app.models import (
    ENTERPRISE_KINDS,
    RISK_LEVELS,
    Enterprise,
    EnterpriseTicket,
    Inspection,
    RectificationOrder,
    Ticket,
)
from app.services import N_, InvalidInput, NotFound, PermissionDenied, _, _l, query_args
from app.services import credit_code as credit
from app.services.enterprises.licence import ensure_watch
from app.services.spreadsheets import CellError, parse_date
from app.services.uow import unit_of_work

EDIT_ROLES = ("inspector", "supervisor")
SOON_DAYS = 30  # a licence expiring within this many days is shown as expiring

# The ledger's fields with their Chinese names (the headers the bureau's spreadsheets carry,
# whatever the interface language), in the order of the forms and the spreadsheets.
FIELDS = [
    ("name", N_("企业名称")),
    ("credit_code", N_("统一社会信用代码")),
    ("kind", N_("企业类型")),
    ("licence_no", N_("许可证号")),
    ("licence_expiry", N_("许可证有效期至")),
    ("address", N_("地址")),
    ("street", N_("街乡镇")),
    ("contact_name", N_("联系人")),
    ("contact_phone", N_("联系电话")),
    ("risk_level", N_("风险等级")),
    ("note", N_("备注")),
]
COLUMNS = [(name, _l(label)) for name, label in FIELDS]  # the same names in the reader's language
LIMITS = {"name": 120, "licence_no": 60, "address": 200, "street": 60, "contact_name": 60, "contact_phone": 30,
          "note": 500}


def can_edit(user) -> bool:
    return user.has_role(*EDIT_ROLES)


def require_edit(user) -> None:
    if not can_edit(user):
        raise PermissionDenied(_("只有检查员或主管可以维护行业台账。"))


def normalise_name(name: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", name or "").split())


def kind_code(value: str | None) -> str | None:
    """A type as code or label (网吧, 旅行社, ...) -> its code, or None."""
    value = normalise_name(value)
    if value in ENTERPRISE_KINDS:
        return value
    for code, (label, _section) in ENTERPRISE_KINDS.items():
        if value and (value == unicodedata.normalize("NFKC", label) or value == label.split("（")[0]):
            return code
    return None


def risk_code(value: str | None) -> str | None:
    value = normalise_name(value)
    if value in RISK_LEVELS:
        return value
    for code, label in RISK_LEVELS.items():
        if value in (label, f"{label}风险"):
            return code
    return None


def clean_fields(raw: dict) -> tuple[dict, dict[str, str]]:
    """Validated enterprise fields and {field: message} for what is wrong (messages in Chinese)."""
    data, errors = {}, {}
    data["name"] = normalise_name(raw.get("name"))
    if not data["name"]:
        errors["name"] = _("请填写企业名称")
    try:
        data["credit_code"] = credit.validate(raw.get("credit_code"))
    except credit.InvalidCreditCode as exc:
        errors["credit_code"] = str(exc)
    kind = kind_code(raw.get("kind"))
    if kind is None:
        errors["kind"] = _("企业类型“%(value)s”无效，可选：%(choices)s", value=raw.get("kind") or "",
                           choices="、".join(label for label, _s in ENTERPRISE_KINDS.values()))
    data["kind"] = kind
    risk = risk_code(raw.get("risk_level") or "medium")
    if risk is None:
        errors["risk_level"] = _("风险等级“%(value)s”无效，可选：高、中、低", value=raw.get("risk_level"))
    data["risk_level"] = risk
    try:
        data["licence_expiry"] = parse_date(raw.get("licence_expiry"))
    except CellError:
        errors["licence_expiry"] = _("许可证有效期“%(value)s”不是有效日期（应为 2026-12-31）",
                                     value=raw.get("licence_expiry"))
    for name, limit in LIMITS.items():
        if name == "name":
            continue
        value = raw.get(name)
        value = "" if value is None else normalise_name(str(value)) if name != "note" else str(value).strip()
        if name == "contact_phone" and isinstance(raw.get(name), float):
            value = str(int(raw[name]))
        data[name] = value
        if len(value) > limit:
            errors[name] = _("%(label)s不能超过 %(n)s 个字", label=dict(COLUMNS)[name], n=limit)
    if len(data["name"]) > LIMITS["name"]:
        errors["name"] = _("企业名称不能超过 %(n)s 个字", n=LIMITS["name"])
    return data, errors


def get(enterprise_id: int) -> Enterprise:
    ent = db.session.get(Enterprise, enterprise_id)
    if ent is None:
        raise NotFound(_("企业不存在。"))
    return ent


def by_code(code: str) -> Enterprise | None:
    return db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))


def add(data: dict) -> Enterprise:
    """A new ledger entry from clean fields, with its licence watch (inside the caller's transaction)."""
    now = clock.now()
    ent = Enterprise(**data, created_at=now, updated_at=now)
    db.session.add(ent)
    db.session.flush()
    ensure_watch(ent)
    return ent


def create(raw: dict, user) -> Enterprise:
    require_edit(user)
    data, errors = clean_fields(raw)
    if errors:
        raise InvalidInput(errors)
    taken = InvalidInput({"credit_code": _("统一社会信用代码 %(code)s 已在台账中。", code=data["credit_code"])})
    try:
        with unit_of_work():
            if by_code(data["credit_code"]) is not None:
                raise taken
            ent = add(data)
    except IntegrityError as exc:
        raise taken from exc
    return ent


def update(ent: Enterprise, raw: dict, user) -> Enterprise:
    require_edit(user)
    data, errors = clean_fields(raw)
    if errors:
        raise InvalidInput(errors)
    with unit_of_work():
        other = by_code(data["credit_code"])
        if other is not None and other.id != ent.id:
            raise InvalidInput({"credit_code": _("统一社会信用代码 %(code)s 已属于 %(name)s。",
                                                 code=data["credit_code"], name=other.name)})
        apply_changes(ent, data)
        ensure_watch(ent)
    return ent


def apply_changes(ent: Enterprise, data: dict) -> bool:
    """Set the fields that differ; True if any did (``updated_at`` follows)."""
    changed = False
    for key, value in data.items():
        if getattr(ent, key) != value:
            setattr(ent, key, value)
            changed = True
    if changed:
        ent.updated_at = clock.now()
    return changed


def _days_from_today(days: int) -> date:
    return clock.local_now().date() + timedelta(days=days)


def search(q: str = "", kind: str = "", risk: str = "", expiring: bool = False, page: int = 1,
           per_page: int = 50) -> tuple[list[Enterprise], int]:
    query = select(Enterprise)
    if q:
        like, E = query_args.like_containing(q.strip()), query_args.LIKE_ESCAPE
        query = query.where(or_(Enterprise.name.ilike(like, escape=E), Enterprise.credit_code.ilike(like.upper(), escape=E),
                                Enterprise.address.ilike(like, escape=E), Enterprise.licence_no.ilike(like, escape=E)))
    if kind:
        query = query.where(Enterprise.kind == kind)
    if risk:
        query = query.where(Enterprise.risk_level == risk)
    if expiring:
        query = query.where(Enterprise.licence_expiry.is_not(None),
                            Enterprise.licence_expiry <= _days_from_today(SOON_DAYS))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Enterprise.name, Enterprise.id)
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def licence_status(ent: Enterprise) -> str:
    """'expired', 'soon' (within 30 days), 'ok' or '' (no expiry on file)."""
    if ent.licence_expiry is None:
        return ""
    if ent.licence_expiry < clock.local_now().date():
        return "expired"
    if ent.licence_expiry <= _days_from_today(SOON_DAYS):
        return "soon"
    return "ok"


@dataclass
class History:
    inspections: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    complaints: list = field(default_factory=list)  # EnterpriseTicket rows


def history(ent: Enterprise) -> History:
    return History(
        inspections=list(db.session.scalars(select(Inspection).where(Inspection.enterprise_id == ent.id)
                                            .order_by(Inspection.created_at.desc(), Inspection.id.desc()))),
        orders=list(db.session.scalars(select(RectificationOrder).join(Inspection)
                                       .where(Inspection.enterprise_id == ent.id)
                                       .order_by(RectificationOrder.issued_at.desc()))),
        complaints=list(db.session.scalars(select(EnterpriseTicket).join(Ticket)
                                           .where(EnterpriseTicket.enterprise_id == ent.id)
                                           .order_by(Ticket.received_at.desc()))),
    )


def counts() -> dict[int, tuple[int, int]]:
    """{enterprise id: (inspections, complaints)} for the ledger list."""
    insp = dict(db.session.execute(select(Inspection.enterprise_id, func.count(Inspection.id))
                                   .where(Inspection.enterprise_id.is_not(None))
                                   .group_by(Inspection.enterprise_id)).all())
    comp = dict(db.session.execute(select(EnterpriseTicket.enterprise_id, func.count(EnterpriseTicket.id))
                                   .group_by(EnterpriseTicket.enterprise_id)).all())
    return {k: (insp.get(k, 0), comp.get(k, 0)) for k in set(insp) | set(comp)}
