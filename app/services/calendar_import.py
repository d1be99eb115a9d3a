"""工作日历 from a spreadsheet: one row per day that differs from Mon-Fri (日期, 类型, 名称).

The upload is staged (app/services/spreadsheets) between the preview and the confirmation; all
rows or none. Rows are checked like a hand entry (a holiday on a weekday, a make-up working day
on a weekend). Importing does not confirm the year: the calendar page does, after a look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.extensions import db
from app.models import CalendarDay
from app.services import ServiceError, _, _l, calendar_admin
from app.services.spreadsheets import Column, Layout, StagedImport, Table, cells

KIND_WORDS = {"放假": "holiday", "休息": "holiday", "节假日": "holiday", "法定节假日": "holiday", "holiday": "holiday",
              "调休上班": "workday", "上班": "workday", "调休": "workday", "workday": "workday"}
LAYOUT = Layout([
    Column("day", "日期", ("date",), kind="date", required=True),
    Column("kind", "类型", ("安排", "type"), required=True, choices=KIND_WORDS, shown=("放假", "调休上班")),
    Column("name", "名称", ("节日", "节日名称", "name"), max_length=40),
], max_bytes=1024 * 1024, max_rows=2000)


@dataclass
class ImportRow:
    line: int
    raw: dict
    day: date | None = None
    is_workday: bool | None = None
    name: str = ""
    errors: list[str] = field(default_factory=list)
    status: str = "new"  # new, changed, same, error
    before: CalendarDay | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    def _with(self, status):
        return [r for r in self.rows if r.status == status]

    @property
    def errors(self):
        return self._with("error")

    @property
    def new(self):
        return self._with("new")

    @property
    def changed(self):
        return self._with("changed")

    @property
    def same(self):
        return self._with("same")

    @property
    def writes(self):
        return self.new + self.changed


def authorize(user) -> None:
    calendar_admin._check(user)


def check(table: Table) -> ImportPreview:
    rows, seen = [], set()
    for typed in table.rows:
        v = typed.values
        row = ImportRow(typed.number, {k: cells.text(x) for k, x in typed.raw.items()}, day=v["day"],
                        is_workday=v["kind"] == "workday" if v["kind"] else None)
        row.name = (v.get("name") or "").strip()
        row.errors = [m for _n, m in typed.problems]
        if row.day is not None and row.is_workday is not None:
            if not row.name:
                row.name = _("调休") if row.is_workday else _("节假日")
            if row.is_workday and row.day.weekday() < 5:
                row.errors.append(_("%(day)s 本来就是工作日，无需设为调休上班。", day=row.day))
            if not row.is_workday and row.day.weekday() >= 5:
                row.errors.append(_("%(day)s 本来就是周末，无需设为节假日。", day=row.day))
            if row.day in seen:
                row.errors.append(_("与上面的行重复。"))
            seen.add(row.day)
        if row.errors:
            row.status = "error"
        else:
            row.before = db.session.get(CalendarDay, row.day)
            if row.before is None:
                row.status = "new"
            elif (row.before.is_workday, row.before.name) == (row.is_workday, row.name):
                row.status = "same"
            else:
                row.status = "changed"
        rows.append(row)
    return ImportPreview(rows)


def apply(table: Table, actor) -> ImportPreview:
    preview = check(table)
    if preview.errors:
        raise ServiceError(_("文件中有 %(n)s 行有误，未导入任何一行。", n=len(preview.errors)))
    for row in preview.writes:
        db.session.merge(CalendarDay(day=row.day, is_workday=row.is_workday, name=row.name))
    years = sorted({r.day.year for r in preview.writes})
    for year in years:
        calendar_admin._touch(year, "file")
    if years:
        calendar_admin._mark_changed(years)
    return preview


IMPORT = StagedImport("calendar", LAYOUT, authorize=authorize, check=check, apply=apply,
                      conflict_message=_l("日历刚被他人修改，请重新上传预览。"))
