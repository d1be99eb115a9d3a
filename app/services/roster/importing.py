"""排班 from a spreadsheet: date, shift, person, post per row; checked like a hand entry; all rows or none.

Rows already in the roster are left as they are, so importing the same file twice changes
nothing. The upload is staged on the server (``app.services.spreadsheets``) between the
preview and the confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app.engine import calendar_store
from app.engine.clock import clock
from app.extensions import db
from app.models import User
from app.models.roster import SHIFT_KINDS, DutyAssignment
from app.services import ServiceError, _, _l
from app.services.roster.duty import ROLE_WORDS
from app.services.roster.editing import check_assignment, check_edit
from app.services.roster.shifts import SHIFT_WORDS, kinds_for, shift_times
from app.services.spreadsheets import Column, Layout, Sheet, StagedImport, Table, cells, workbook

HEADER = ("日期", "班次", "姓名/用户名", "岗位")
LAYOUT = Layout([
    Column("day", "日期", ("值班日期", "date"), kind="date", required=True),
    Column("shift", "班次", ("shift",), required=True, choices=SHIFT_WORDS, shown=("日班", "夜班", "节假日值班")),
    Column("person", "姓名/用户名", ("姓名", "用户名", "人员", "值班人员", "name", "username"), required=True),
    Column("role", "岗位", ("值班岗位", "role"), required=True, choices=ROLE_WORDS,
           shown=("值班派单员", "值班员", "值班领导")),
], max_bytes=5 * 1024 * 1024, max_rows=5000)


@dataclass
class ImportRow:
    line: int  # the spreadsheet row number, as Excel shows it
    raw: dict  # the cells as text, shown where a value is wrong
    day: date | None = None
    kind: str | None = None
    user: User | None = None
    role: str | None = None
    errors: list[str] = field(default_factory=list)
    exists: bool = False

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "exists" if self.exists else "new"


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    @property
    def errors(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def new(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "new"]

    @property
    def existing(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == "exists"]


def _find_person(text: str) -> tuple[User | None, str | None]:
    user = db.session.scalar(select(User).where(User.username == text))
    if user is not None:
        return user, None
    matches = list(db.session.scalars(select(User).where(User.name == text)))
    if len(matches) == 1:
        return matches[0], None
    if len(matches) > 1:
        return None, _("姓名“%(name)s”对应多名用户（%(usernames)s），请填写用户名。", name=text,
                       usernames="、".join(u.username for u in matches))
    return None, _("找不到用户“%(name)s”（按用户名和姓名都未找到）。", name=text)


def preview_import(table: Table) -> ImportPreview:
    """Check every row against the users, the calendar, the stored roster and the rows above it. Writes nothing."""
    cal = calendar_store.get_calendar()
    times = shift_times()
    parsed: list[ImportRow] = []
    seen: set[tuple] = set()
    pending: list[tuple] = []
    for typed in table.rows:
        values = typed.values
        row = ImportRow(typed.number, {k: cells.text(v) for k, v in typed.raw.items()}, day=values["day"],
                        kind=values["shift"], role=values["role"])
        if values["person"]:
            row.user, problem = _find_person(values["person"])
            if problem:
                typed.add("person", problem)
        if typed.ok:
            key = (row.day, row.kind, row.user.id, row.role)
            stored = db.session.scalar(select(DutyAssignment.id).where(
                DutyAssignment.day == row.day, DutyAssignment.shift == row.kind,
                DutyAssignment.user_id == row.user.id, DutyAssignment.duty_role == row.role))
            if key in seen:
                typed.add("", _("与上面的行重复。"))
            elif stored is not None:
                row.exists = True
            else:
                for problem in check_assignment(row.day, row.kind, row.user, row.role, pending, cal, times):
                    typed.add("", problem)
                if typed.ok:
                    pending.append(key)
            seen.add(key)
        row.errors = LAYOUT.messages(typed, with_row=False)
        parsed.append(row)
    return ImportPreview(parsed)


def apply_import(table: Table, actor: User) -> ImportPreview:
    """Add the file's new assignments (inside the caller's transaction); refused as a whole while any row is wrong."""
    check_edit(actor)
    preview = preview_import(table)
    if preview.errors:
        raise ServiceError(_("文件中有 %(n)s 行错误，未导入任何排班；请修改后重新上传。", n=len(preview.errors)))
    now = clock.now()
    for row in preview.new:
        db.session.add(DutyAssignment(day=row.day, shift=row.kind, user_id=row.user.id, duty_role=row.role,
                                      created_at=now, created_by_id=actor.id, note="导入"))
    return preview


IMPORT = StagedImport("roster", LAYOUT, authorize=check_edit, check=preview_import, apply=apply_import,
                      conflict_message=_l("排班刚被他人修改，请重新上传预览。"))


def template_workbook() -> bytes:
    """An example file with the expected header, for the import page."""
    today = clock.local_now().date()
    rows = [[day, SHIFT_KINDS[kind], "zhiban", "值班员"] for day in (today, today + timedelta(days=1))
            for kind in kinds_for(day)]
    return workbook(Sheet("排班", HEADER, rows, widths=(14, 12, 16, 12)))
