"""The ledger in spreadsheets: import (staged upload, preview per row, all rows or none), export, template.

Rows are matched on the credit code: a known enterprise is updated, an unknown one added,
so importing the same file twice (or the export itself) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Enterprise, Inspection, User
from app.services import ServiceError, _, _l, access
from app.services import credit_code as credit
from app.services.enterprises.ledger import (
    COLUMNS,
    FIELDS,
    add,
    apply_changes,
    by_code,
    clean_fields,
    counts,
    require_edit,
)
from app.services.enterprises.licence import ensure_watch
from app.services.spreadsheets import Column, Layout, Sheet, StagedImport, Table, workbook

REQUIRED = ("name", "credit_code", "kind")
# Cells go to the entry form's checks (clean_fields) as text; the expiry as it is (a date cell or text).
LAYOUT = Layout([Column(name, label, kind="raw" if name == "licence_expiry" else "text", required=name in REQUIRED,
                        blank_ok=True) for name, label in FIELDS], max_bytes=10 * 1024 * 1024, max_rows=20_000)
HEADERS = list(LAYOUT.labels.values())
NEW, UPDATED, UNCHANGED, INVALID = "新增", "更新", "无变化", "有误"


@dataclass
class ImportRow:
    number: int  # the spreadsheet's row number
    data: dict
    errors: dict[str, str]
    action: str = ""  # NEW / UPDATED / UNCHANGED / INVALID
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    @property
    def valid(self) -> bool:
        return all(not r.errors for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def preview_import(table: Table) -> ImportPreview:
    """Check every row like the entry form does, and against the ledger; nothing is written."""
    labels = dict(COLUMNS)
    preview = ImportPreview([])
    seen: dict[str, int] = {}
    for typed in table.rows:
        data, errors = clean_fields(typed.values)
        errors = {**dict(typed.problems), **errors}
        code = data.get("credit_code")
        if code and code in seen:
            errors["credit_code"] = _("与第 %(n)s 行的统一社会信用代码重复", n=seen[code])
        elif code:
            seen[code] = typed.number
        row = ImportRow(typed.number, data, errors)
        if errors:
            row.action = INVALID
        else:
            ent = by_code(code)
            if ent is None:
                row.action = NEW
            else:
                row.changes = [str(labels[k]) for k, v in data.items() if getattr(ent, k) != v]
                row.action = UPDATED if row.changes else UNCHANGED
        preview.rows.append(row)
    return preview


def apply_import(table: Table, user: User) -> ImportPreview:
    """Write a checked spreadsheet (inside the caller's transaction): all rows or none."""
    require_edit(user)
    preview = preview_import(table)
    if not preview.valid:
        raise ServiceError(_("表格有误，未导入：请先修正预览中标出的行。"))
    for row in preview.rows:
        ent = by_code(row.data["credit_code"])
        if ent is None:
            add(row.data)
        elif apply_changes(ent, row.data):
            ensure_watch(ent)
    return preview


IMPORT = StagedImport("enterprises", LAYOUT, authorize=require_edit, check=preview_import, apply=apply_import,
                      conflict_message=_l("导入时有企业被他人同时录入，请重新预览后再导入。"))


def export_workbook(user: User) -> bytes:
    """The whole ledger with each enterprise's inspections, complaints and latest outcome; imports back unchanged.
    It holds the contacts' names and phone numbers: the export is in the access log."""
    per = counts()
    latest = dict(db.session.execute(
        select(Inspection.enterprise_id, Inspection.outcome).where(Inspection.outcome != "")
        .order_by(Inspection.closed_at)).all())
    rows = []
    for ent in db.session.scalars(select(Enterprise).order_by(Enterprise.name, Enterprise.id)):
        n_insp, n_comp = per.get(ent.id, (0, 0))
        rows.append([ent.name, ent.credit_code, ent.kind_label, ent.licence_no, ent.licence_expiry, ent.address,
                     ent.street, ent.contact_name, ent.contact_phone, ent.risk_label, ent.note, n_insp, n_comp,
                     latest.get(ent.id, "")])
    content = workbook(Sheet("行业台账", [*HEADERS, "检查次数", "投诉次数", "最近检查结论"], rows,
                             widths=(30, 22, 18, 20, 14, 36, 12, 10, 16, 8, 20, 10, 10, 12)))
    access.record(user, "export", f"行业台账 {len(rows)} 家（含联系人、联系电话）")
    return content


def template_workbook() -> bytes:
    """An empty import template with the expected headers and one example row."""
    example = ["示例网咖有限公司", credit.complete("91110105MA01ABCD0"), "网吧", "文网文〔2025〕0001号", "2027-06-30",
               "东华路1号", "东华街道", "张三", "010-12345678", "高", "示例行，导入前请删除"]
    return workbook(Sheet("行业台账", HEADERS, [example], widths=(30, 22, 18, 20, 14, 36, 12, 10, 16, 8, 20)))
