"""行业台账: the enterprise ledger, its Excel import and export, complaint links, licence watch.

Licence expiry warnings are a BPMN process per enterprise (processes/licence_watch.bpmn,
business key ``enterprise:<id>``): a timer 30 days before the expiry raises the 证照到期预警
task for inspectors. It runs on the same timer sweep as everything else (no cron job), the
lead time is in the diagram, and an edited expiry reaches the waiting instance as the
message ``licence_changed``.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.engine import instances
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_iso
from app.extensions import db
from app.models import (
    ENTERPRISE_KINDS,
    RISK_LEVELS,
    Enterprise,
    EnterpriseTicket,
    Inspection,
    ProcessInstance,
    ProcessVersion,
    RectificationOrder,
    Ticket,
    User,
)
from app.services import (
    N_,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
    _,
    _l,
    access,
    cells,
    timeline,
)
from app.services import credit_code as credit
from app.services.events import TicketCreated, WorkItemCreated
from app.services.process import apply_snapshot
from app.services.uow import unit_of_work

WATCH_PROCESS = "licence_watch"
EDIT_ROLES = ("inspector", "supervisor")

# Excel columns (the import accepts them in any order; the export writes them in this order).
COLUMNS = [
    ("name", _l("企业名称")),
    ("credit_code", _l("统一社会信用代码")),
    ("kind", _l("企业类型")),
    ("licence_no", _l("许可证号")),
    ("licence_expiry", _l("许可证有效期至")),
    ("address", _l("地址")),
    ("street", _l("街乡镇")),
    ("contact_name", _l("联系人")),
    ("contact_phone", _l("联系电话")),
    ("risk_level", _l("风险等级")),
    ("note", _l("备注")),
]
# the Chinese headers are what the bureau's spreadsheets carry, whatever the interface language
HEADERS = {"企业名称": "name", "统一社会信用代码": "credit_code", "企业类型": "kind", "许可证号": "licence_no",
           "许可证有效期至": "licence_expiry", "地址": "address", "街乡镇": "street", "联系人": "contact_name",
           "联系电话": "contact_phone", "风险等级": "risk_level", "备注": "note"}
LIMITS = {"name": 120, "licence_no": 60, "address": 200, "street": 60, "contact_name": 60, "contact_phone": 30,
          "note": 500}
LINKED = N_("关联台账企业：%(name)s")


def can_edit(user) -> bool:
    return user.has_role(*EDIT_ROLES)


def _require_edit(user) -> None:
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


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalise_name(str(value)).replace("/", "-").replace(".", "-")
    text = text.replace("年", "-").replace("月", "-").replace("日", "")
    return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))


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
        data["licence_expiry"] = _parse_date(raw.get("licence_expiry"))
    except ValueError:
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


def create(raw: dict, user) -> Enterprise:
    _require_edit(user)
    data, errors = clean_fields(raw)
    if errors:
        raise InvalidInput(errors)
    try:
        with unit_of_work():
            if by_code(data["credit_code"]) is not None:
                raise InvalidInput({"credit_code": _("统一社会信用代码 %(code)s 已在台账中。", code=data["credit_code"])})
            now = clock.now()
            ent = Enterprise(**data, created_at=now, updated_at=now)
            db.session.add(ent)
            db.session.flush()
            ensure_watch(ent)
    except IntegrityError as exc:
        raise InvalidInput({"credit_code": _("统一社会信用代码 %(code)s 已在台账中。", code=data["credit_code"])}) from exc
    return ent


def update(ent: Enterprise, raw: dict, user) -> Enterprise:
    _require_edit(user)
    data, errors = clean_fields(raw)
    if errors:
        raise InvalidInput(errors)
    with unit_of_work():
        other = by_code(data["credit_code"])
        if other is not None and other.id != ent.id:
            raise InvalidInput({"credit_code": _("统一社会信用代码 %(code)s 已属于 %(name)s。",
                                                      code=data["credit_code"], name=other.name)})
        _apply(ent, data)
        ensure_watch(ent)
    return ent


def _apply(ent: Enterprise, data: dict) -> bool:
    changed = False
    for key, value in data.items():
        if getattr(ent, key) != value:
            setattr(ent, key, value)
            changed = True
    if changed:
        ent.updated_at = clock.now()
    return changed


def search(q: str = "", kind: str = "", risk: str = "", expiring: bool = False, page: int = 1,
           per_page: int = 50) -> tuple[list[Enterprise], int]:
    query = select(Enterprise)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like.upper()),
                                Enterprise.address.ilike(like), Enterprise.licence_no.ilike(like)))
    if kind:
        query = query.where(Enterprise.kind == kind)
    if risk:
        query = query.where(Enterprise.risk_level == risk)
    if expiring:
        query = query.where(Enterprise.licence_expiry.is_not(None),
                            Enterprise.licence_expiry <= _days_from_today(30))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Enterprise.name, Enterprise.id)
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def _days_from_today(days: int) -> date:
    from datetime import timedelta

    return clock.local_now().date() + timedelta(days=days)


def licence_status(ent: Enterprise) -> str:
    """'expired', 'soon' (within 30 days), 'ok' or '' (no expiry on file)."""
    if ent.licence_expiry is None:
        return ""
    today = clock.local_now().date()
    if ent.licence_expiry < today:
        return "expired"
    if ent.licence_expiry <= _days_from_today(30):
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


# -- complaints (tickets) linked to enterprises ---------------------------------------------------

def match_by_name(name: str | None) -> list[Enterprise]:
    name = normalise_name(name)
    if not name:
        return []
    return list(db.session.scalars(select(Enterprise).where(func.lower(Enterprise.name) == name.lower())))


def suggestions(ticket: Ticket, limit: int = 8) -> list[Enterprise]:
    """Enterprises whose name matches the ticket's 涉及企业 exactly or partly."""
    name = normalise_name(ticket.enterprise)
    if not name:
        return []
    like = f"%{name[:12]}%"
    return list(db.session.scalars(select(Enterprise).where(
        or_(func.lower(Enterprise.name) == name.lower(), Enterprise.name.ilike(like))).limit(limit)))


def links_for_ticket(ticket: Ticket) -> list[EnterpriseTicket]:
    return list(db.session.scalars(select(EnterpriseTicket).where(EnterpriseTicket.ticket_id == ticket.id)
                                   .order_by(EnterpriseTicket.id)))


def link_on_intake(event: TicketCreated) -> None:
    """At intake: link the new ticket to the ledger enterprise named in 涉及企业."""
    ticket = event.ticket
    for ent in match_by_name(ticket.enterprise):
        db.session.add(EnterpriseTicket(enterprise_id=ent.id, ticket_id=ticket.id, how="auto",
                                        linked_at=clock.now()))


def can_link(user, ticket: Ticket) -> bool:
    return access.can_view_ticket(user, ticket) and user.has_role(
        "handler", "dispatcher", "duty", "supervisor", "inspector")


def link(ent: Enterprise, ticket: Ticket, user) -> EnterpriseTicket:
    if not can_link(user, ticket):
        raise PermissionDenied(_("您不能为该工单关联企业。"))
    try:
        with unit_of_work():
            existing = db.session.scalar(select(EnterpriseTicket).where(
                EnterpriseTicket.enterprise_id == ent.id, EnterpriseTicket.ticket_id == ticket.id))
            if existing is not None:
                return existing
            row = EnterpriseTicket(enterprise_id=ent.id, ticket_id=ticket.id, how="hand", linked_by_id=user.id,
                                   linked_at=clock.now())
            db.session.add(row)
            timeline.add(ticket, "link", LINKED, user, name=ent.name)
    except IntegrityError as exc:
        raise Conflict(_("该工单刚被他人关联到此企业。")) from exc
    return row


def unlink(row_id: int, user) -> None:
    with unit_of_work():
        row = db.session.get(EnterpriseTicket, row_id)
        if row is None:
            raise NotFound(_("关联不存在。"))
        if not can_link(user, row.ticket):
            raise PermissionDenied(_("您不能为该工单取消关联。"))
        db.session.delete(row)


def ticket_by_no(ticket_no: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.ticket_no == (ticket_no or "").strip()))


# -- Excel import and export ------------------------------------------------------------------------

@dataclass
class ImportRow:
    number: int  # the spreadsheet's row number
    data: dict
    errors: dict[str, str]
    action: str = ""  # 新增 / 更新 / 无变化 / 有误
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    problems: list[str] = field(default_factory=list)  # problems of the file itself

    @property
    def valid(self) -> bool:
        return not self.problems and all(not r.errors for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def read_workbook(content: bytes) -> ImportPreview:
    """Parse and check a ledger spreadsheet; nothing is written."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        return ImportPreview([], [_("无法读取文件：请上传 Excel（.xlsx）文件。")])
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return ImportPreview([], [_("表格是空的。")])
    columns = {}
    for index, title in enumerate(header):
        key = HEADERS.get(normalise_name(str(title or "")))
        if key:
            columns[key] = index
    missing = [label for key, label in (("name", "企业名称"), ("credit_code", "统一社会信用代码"), ("kind", "企业类型"))
               if key not in columns]
    if missing:
        return ImportPreview([], [_("表头缺少列：%(cols)s（第一行应为列名：%(all)s）", cols="、".join(missing),
                                    all="、".join(HEADERS))])
    preview = ImportPreview([])
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        raw = {key: values[i] if i < len(values) else None for key, i in columns.items()}
        data, errors = clean_fields(raw)
        code = data.get("credit_code")
        if code and code in seen:
            errors["credit_code"] = _("与第 %(n)s 行的统一社会信用代码重复", n=seen[code])
        elif code:
            seen[code] = number
        row = ImportRow(number, data, errors)
        if errors:
            row.action = "有误"
        else:
            ent = by_code(code)
            if ent is None:
                row.action = "新增"
            else:
                row.changes = [str(dict(COLUMNS)[k]) for k, v in data.items() if getattr(ent, k) != v]
                row.action = "更新" if row.changes else "无变化"
        preview.rows.append(row)
    if not preview.rows:
        preview.problems.append(_("表格中没有数据行。"))
    wb.close()
    return preview


def import_workbook(content: bytes, user) -> ImportPreview:
    """Apply a checked spreadsheet: all rows or none; idempotent on the credit code."""
    _require_edit(user)
    preview = read_workbook(content)
    if not preview.valid:
        raise ServiceError(_("表格有误，未导入：请先修正预览中标出的行。"))
    try:
        with unit_of_work():
            now = clock.now()
            for row in preview.rows:
                ent = by_code(row.data["credit_code"])
                if ent is None:
                    ent = Enterprise(**row.data, created_at=now, updated_at=now)
                    db.session.add(ent)
                    db.session.flush()
                    ensure_watch(ent)
                elif _apply(ent, row.data):
                    ensure_watch(ent)
    except IntegrityError as exc:
        raise Conflict(_("导入时有企业被他人同时录入，请重新预览后再导入。")) from exc
    return preview


def export_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "行业台账"
    ws.append([*HEADERS, "检查次数", "投诉次数", "最近检查结论"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    per = counts()
    latest = dict(db.session.execute(
        select(Inspection.enterprise_id, Inspection.outcome).where(Inspection.outcome != "")
        .order_by(Inspection.closed_at)).all())
    for ent in db.session.scalars(select(Enterprise).order_by(Enterprise.name, Enterprise.id)):
        n_insp, n_comp = per.get(ent.id, (0, 0))
        cells.append_row(ws, [ent.name, ent.credit_code, ent.kind_label, ent.licence_no, ent.licence_expiry,
                              ent.address, ent.street, ent.contact_name, ent.contact_phone, ent.risk_label, ent.note,
                              n_insp, n_comp, latest.get(ent.id, "")])
    for column, width in zip("ABCDEFGHIJKLMN", (30, 22, 18, 20, 14, 36, 12, 10, 16, 8, 20, 10, 10, 12), strict=True):
        ws.column_dimensions[column].width = width
    for cell in ws["E"][1:]:
        cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    """An empty import template with the expected headers and one example row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "行业台账"
    ws.append(list(HEADERS))
    ws.append(["示例网咖有限公司", credit.complete("91110105MA01ABCD0"), "网吧", "文网文〔2025〕0001号", "2027-06-30",
               "东华路1号", "东华街道", "张三", "010-12345678", "高", "示例行，导入前请删除"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- licence expiry watch (processes/licence_watch.bpmn) ----------------------------------------------

def _expiry_iso(ent: Enterprise) -> str | None:
    if not ent.active or ent.licence_expiry is None:
        return None
    return to_iso(datetime.combine(ent.licence_expiry, time(9, 0), tzinfo=LOCAL_TZ))


def watch_instance(ent: Enterprise) -> ProcessInstance | None:
    return db.session.scalar(
        select(ProcessInstance).join(ProcessVersion, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessInstance.business_key == f"enterprise:{ent.id}", ProcessInstance.status == "running",
               ProcessVersion.process_key == WATCH_PROCESS)
        .order_by(ProcessInstance.id.desc()).limit(1))


def ensure_watch(ent: Enterprise, actor: User | None = None) -> None:
    """Keep the enterprise's licence watch in step with the ledger (inside the caller's transaction)."""
    expiry = _expiry_iso(ent)
    instance = watch_instance(ent)
    if instance is None:
        if expiry is None or instances.current_version(WATCH_PROCESS) is None:
            return
        data = {"enterprise_id": ent.id, "subject": ent.name, "licence_no": ent.licence_no,
                "licence_expiry": expiry}
        instance, snap = instances.start(WATCH_PROCESS, data, business_key=f"enterprise:{ent.id}")
        apply_snapshot(instance, None, snap, actor)
        return
    if instances.snapshot(instance).data.get("licence_expiry") == expiry:
        return
    if "licence_changed" in instances.waiting_messages(instance):
        snap = instances.send_message(instance, "licence_changed", {"licence_expiry": expiry},
                                      result_var="licence_change")
        apply_snapshot(instance, None, snap, actor)
    # else the 证照到期预警 task is open: the inspector records the renewal there


def name_enterprise_in_title(event: WorkItemCreated) -> None:
    """A licence task's title names the enterprise, so inboxes say whose it is."""
    key = event.instance.business_key or ""
    if key.startswith("enterprise:"):
        ent = db.session.get(Enterprise, int(key.split(":", 1)[1]))
        if ent is not None:
            event.item.title = f"{event.item.title}：{ent.name}"[:120]
