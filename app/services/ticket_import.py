"""导入工单: the city/district platform's Excel (.xlsx) or CSV export, previewed, then imported.

``read_file`` parses a file into rows of ticket fields, each with its problems named by
row (as Excel numbers it) and column; ``preview`` sorts the rows into new / identical /
conflicting / invalid against the database without writing anything; ``run_import``
hands every new row to ``intake.receive_ticket`` (one transaction per ticket, idempotent
on 工单编号), so importing the same file twice changes nothing the second time and an
interrupted import is finished by importing the file again.

The background job (``start_job``) runs ``run_import`` in a thread with its own app
context and session, writing its progress to an ``ImportJob`` row the progress page polls.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import ImportJob, Ticket, User
from app.models.ticket import NATURES, SOURCES, TICKET_TYPES, URGENCIES
from app.services import Conflict, NotFound, PermissionDenied, ServiceError, _, _l, intake, ticket_rules
from app.services.uow import unit_of_work

log = logging.getLogger("jiesu.import")

# The platform's column names (domain.md), in export order, with the few other spellings
# seen in exports; matched after normalising spaces, full-width characters and brackets.
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("ticket_no", "工单编号", ("工单号",)),
    ("ticket_type", "工单类型", ()),
    ("topic", "问题分类", ()),
    ("title", "标题", ("工单标题",)),
    ("content", "主要内容", ("诉求内容",)),
    ("caller_name", "来电人", ("来电人姓名",)),
    ("caller_phone", "来电号码", ("联系电话", "来电电话")),
    ("district", "被反映区", ()),
    ("street", "街乡镇", ("街道乡镇",)),
    ("community", "社区", ()),
    ("address", "地址", ("详细地址",)),
    ("enterprise", "涉及企业", ()),
    ("called_at", "来电时间", ()),
    ("dispatched_at", "派单时间", ()),
    ("platform_deadline", "办理时限", ("平台办理时限",)),
    ("urgency", "紧急程度", ()),
    ("nature", "工单性质", ()),
    ("source", "来源", ("工单来源",)),
]
COLUMN_NAMES = {name: label for name, label, _aliases in COLUMNS}
REQUIRED_COLUMNS = ("ticket_no", "ticket_type", "title", "content")
REQUIRED_VALUES = ("ticket_no", "ticket_type", "title", "content")
MAX_LENGTH = {"ticket_no": 40, "topic": 120, "title": 200, "content": 5000, "caller_name": 60,
              "caller_phone": 30, "district": 60, "street": 60, "community": 60, "address": 200,
              "enterprise": 120}
ENUMS = {"ticket_type": TICKET_TYPES, "urgency": URGENCIES, "nature": NATURES, "source": SOURCES}
ENUM_DEFAULTS = {"urgency": "一般", "nature": "主办", "source": "其他"}
DATE_FIELDS = ("called_at", "dispatched_at", "platform_deadline")

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 10  # an export may carry a title line or two above the header

NEW, IDENTICAL, CONFLICT, INVALID, FAILED = "new", "identical", "conflict", "invalid", "failed"
KIND_LABELS = {NEW: _l("新工单"), IDENTICAL: _l("已存在（相同）"), CONFLICT: _l("编号冲突"),
               INVALID: _l("数据有误"), FAILED: _l("导入失败")}
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt")
ALLOWED_EXTENSIONS = EXCEL_EXTENSIONS + CSV_EXTENSIONS


class ImportFileError(ServiceError):
    """The file as a whole cannot be imported (type, encoding, header, size)."""


@dataclass
class ImportRow:
    row: int  # as Excel shows it (1 = first line of the sheet); for CSV the record number
    ticket_no: str = ""
    title: str = ""
    fields: dict | None = None  # ticket fields, None when the row is invalid
    errors: list[str] = field(default_factory=list)  # full messages naming row and column
    checksum: str = ""
    kind: str = ""  # NEW, IDENTICAL, CONFLICT, INVALID (set by classify)
    note: str = ""  # why it is identical / conflicting

    def as_dict(self) -> dict:
        return {"row": self.row, "ticket_no": self.ticket_no, "title": self.title, "kind": self.kind,
                "messages": list(self.errors) or ([self.note] if self.note else [])}


@dataclass
class ParsedFile:
    filename: str
    file_type: str  # xlsx / csv
    encoding: str  # CSV only
    sheet: str  # xlsx only
    header_row: int
    columns: dict[str, str]  # field -> column name as written in the file
    ignored_columns: list[str]
    rows: list[ImportRow]


@dataclass
class Preview:
    parsed: ParsedFile
    counts: dict[str, int]

    def first(self, kind: str, n: int = 20) -> list[ImportRow]:
        return [r for r in self.parsed.rows if r.kind == kind][:n]

    def to_json(self, n: int = 20) -> dict:
        """What the preview page shows, small enough to keep next to the stored upload."""
        p = self.parsed
        return {"filename": p.filename, "file_type": p.file_type, "encoding": p.encoding, "sheet": p.sheet,
                "header_row": p.header_row, "columns": list(p.columns.values()),
                "ignored_columns": p.ignored_columns, "total": len(p.rows), "counts": self.counts,
                "samples": {kind: [r.as_dict() for r in self.first(kind, n)]
                            for kind in (NEW, IDENTICAL, CONFLICT, INVALID)}}


@dataclass
class ImportSummary:
    total: int = 0
    done: int = 0
    created: int = 0
    skipped: int = 0
    conflicts: int = 0
    invalid: int = 0
    failed: int = 0
    problems: list[dict] = field(default_factory=list)  # ImportRow.as_dict() of every row not imported

    def add_problem(self, row: ImportRow, kind: str, messages: list[str]) -> None:
        counter = {CONFLICT: "conflicts", INVALID: "invalid", FAILED: "failed"}[kind]
        setattr(self, counter, getattr(self, counter) + 1)
        self.problems.append({"row": row.row, "ticket_no": row.ticket_no, "title": row.title, "kind": kind,
                              "messages": messages})

    @property
    def errors(self) -> int:
        return self.conflicts + self.invalid + self.failed

    @property
    def nothing_imported_for_errors(self) -> bool:
        """Errors, and not one row is now in the system (neither created nor already present)."""
        return self.errors > 0 and self.created + self.skipped == 0


# --------------------------------------------------------------------------- reading


def _config(name: str, default):
    try:
        return current_app.config.get(name, default)
    except RuntimeError:  # no app context
        return default


def file_size(n: int) -> str:
    return f"{n / 1048576:.0f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"


def check_filename(filename: str) -> str:
    """The file's kind from its name, or a message saying which files are accepted."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xls":
        raise ImportFileError(_("不支持旧版 Excel 97-2003（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入。"))
    if suffix not in ALLOWED_EXTENSIONS:
        raise ImportFileError(_("不支持的文件类型“%(ext)s”：请选择平台导出的 Excel（.xlsx）或 CSV（.csv）文件。",
                                ext=suffix or filename or "?"))
    return "xlsx" if suffix in EXCEL_EXTENSIONS else "csv"


def read_file(path: str | Path, filename: str | None = None) -> ParsedFile:
    """Parse an export into rows. Raises ImportFileError when the file as a whole is unusable."""
    path = Path(path)
    filename = filename or path.name
    file_type = check_filename(filename)
    size = path.stat().st_size
    max_bytes = _config("JIESU_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    if size == 0:
        raise ImportFileError(_("文件是空的。"))
    if size > max_bytes:
        raise ImportFileError(_("文件太大（%(size)s），单次导入上限为 %(max)s，请拆分后导入。",
                                size=file_size(size), max=file_size(max_bytes)))
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("不支持旧版 Excel 97-2003（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入。"))
    if magic.startswith(b"PK\x03\x04"):
        file_type = "xlsx"  # an Excel workbook, whatever its name says
    elif file_type == "xlsx":
        raise ImportFileError(_("文件“%(name)s”不是有效的 Excel（.xlsx）文件。", name=filename))
    if file_type == "xlsx":
        return _read_xlsx(path, filename)
    return _read_csv(path, filename)


def _read_xlsx(path: Path, filename: str) -> ParsedFile:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise ImportFileError(_("文件“%(name)s”无法作为 Excel 工作簿打开，可能已损坏。", name=filename)) from exc
    try:
        first_problem = None
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            try:
                return _parse_rows(rows, filename, "xlsx", "", sheet.title)
            except _NoHeader as exc:
                first_problem = first_problem or exc
        raise ImportFileError(str(first_problem) if first_problem else _("工作簿中没有工作表。"))
    finally:
        workbook.close()


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030/GBK"
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("无法识别文件“%(name)s”的编码：请另存为 UTF-8 或 GBK 编码的 CSV 文件。",
                                name=filename)) from exc


def _read_csv(path: Path, filename: str) -> ParsedFile:
    try:
        text, encoding = _decode(path.read_bytes(), filename)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("无法识别文件“%(name)s”的编码：请另存为 UTF-8 或 GBK 编码的 CSV 文件。",
                                name=filename)) from exc
    if "\x00" in text:
        raise ImportFileError(_("文件“%(name)s”不是文本格式的 CSV 文件。", name=filename))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _parse_rows(reader, filename, "csv", encoding, "")
    except _NoHeader as exc:
        raise ImportFileError(str(exc)) from exc
    except csv.Error as exc:
        raise ImportFileError(_("CSV 文件格式有误：%(error)s", error=str(exc))) from exc


class _NoHeader(ImportFileError):
    pass


def _norm_header(value) -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return re.sub(r"\s+", "", text).strip("*:")


_BY_HEADER = {}
for _name, _label, _aliases in COLUMNS:
    for _spelling in (_label, *_aliases):
        _BY_HEADER[_norm_header(_spelling)] = _name


def _match_header(cells) -> tuple[dict[int, str], list[str], list[str]]:
    """column index -> field; ignored column names; fields named twice.

    Exact names win; a name with a bracketed note (来电时间（北京时间）) is matched by its stem
    when no column carries that name exactly.
    """
    mapping: dict[int, str] = {}
    doubled: list[str] = []
    loose: list[tuple[int, str]] = []
    texts = [(index, _norm_header(cell)) for index, cell in enumerate(cells)]
    for index, text in texts:
        name = _BY_HEADER.get(text)
        if name is None:
            loose.append((index, text))
        elif name in mapping.values():
            doubled.append(COLUMN_NAMES[name])
        else:
            mapping[index] = name
    ignored = []
    for index, text in loose:
        name = _BY_HEADER.get(re.sub(r"\(.*?\)$", "", text))
        if name is not None and name not in mapping.values():
            mapping[index] = name
        elif text:
            ignored.append(str(cells[index]).strip())
    return dict(sorted(mapping.items())), ignored, doubled


def _parse_rows(rows: Iterable, filename: str, file_type: str, encoding: str, sheet: str) -> ParsedFile:
    iterator: Iterator = iter(rows)
    header = None
    row_number = 0
    for row_number, cells in enumerate(iterator, start=1):
        mapping, ignored, doubled = _match_header(cells or ())
        if "ticket_no" in mapping.values() or len(mapping) >= 3:
            header = (mapping, ignored, doubled)
            break
        if row_number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        where = _("工作表“%(sheet)s”", sheet=sheet) if sheet else _("文件")
        raise _NoHeader(_("%(where)s的前 %(n)s 行中找不到表头：表头应含“工单编号”“标题”“主要内容”等平台导出的列名。",
                          where=where, n=HEADER_SEARCH_ROWS))
    mapping, ignored, doubled = header
    if doubled:
        raise ImportFileError(_("第 %(row)s 行表头中这些列出现了不止一次：%(columns)s。",
                                row=row_number, columns="、".join(doubled)))
    missing = [COLUMN_NAMES[name] for name in REQUIRED_COLUMNS if name not in mapping.values()]
    if missing:
        raise ImportFileError(_("缺少必需的列：%(missing)s（表头在第 %(row)s 行，找到的列：%(found)s）。",
                                missing="、".join(missing), row=row_number,
                                found="、".join(COLUMN_NAMES[n] for n in mapping.values()) or _("无")))
    max_rows = _config("JIESU_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    parsed_rows: list[ImportRow] = []
    for number, cells in enumerate(iterator, start=row_number + 1):
        if not cells or all(_blank(c) for c in cells):
            continue
        if len(parsed_rows) >= max_rows:
            raise ImportFileError(_("文件超过单次导入上限 %(max)s 行，请拆分后分批导入。", max=max_rows))
        raw = {name: (cells[index] if index < len(cells) else None) for index, name in mapping.items()}
        parsed_rows.append(parse_row(number, raw))
    if not parsed_rows:
        raise ImportFileError(_("文件中表头下面没有数据行。"))
    return ParsedFile(filename=filename, file_type=file_type, encoding=encoding, sheet=sheet,
                      header_row=row_number, columns={n: COLUMN_NAMES[n] for n in mapping.values()},
                      ignored_columns=ignored, rows=parsed_rows)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- one row


def _text(value) -> str:
    """A cell as text: numbers Excel keeps for 工单编号 or 来电号码 without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
                 "%Y年%m月%d日%H:%M:%S", "%Y年%m月%d日%H:%M", "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日%H时%M分",
                 "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M")
_COMMON_FORM = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


class _BadValue(Exception):
    pass


def parse_datetime(value, end_of_day: bool = False) -> datetime | None:
    """A cell of a date column as an aware datetime (Asia/Shanghai when the file gives no zone).

    Accepts Excel date cells, Excel serial numbers, and the usual written forms
    (2026-11-25 14:30, 2026/11/25 14:30:00, 2026年11月25日 14时30分, 20261125143000 ...).
    A bare date is the start of the day, or its end for a deadline (``end_of_day``).
    """
    if _blank(value):
        return None
    moment: datetime | None = None
    day_only = False
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment, day_only = datetime(value.year, value.month, value.day), True
    elif isinstance(value, int | float) and not isinstance(value, bool) and not _digits_date(value):
        moment = _from_serial(float(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = re.sub(r"\s+", " ", text)
        text = re.sub(r"(\d{1,2}:\d{2}:\d{2})\.\d+$", r"\1", text)  # 14:30:00.000
        fast = _COMMON_FORM.fullmatch(text)
        if re.fullmatch(r"\d{5}(\.\d+)?", text):  # an Excel serial written out as text
            moment = _from_serial(float(text))
        elif fast:  # 2026-11-25 14:30, 2026/11/25 14:30:00, 2026.11.25: most cells, without strptime's misses
            y, mo, d, h, mi, sec = (int(g) if g else 0 for g in fast.group(1, 3, 4, 5, 6, 7))
            try:
                moment = datetime(y, mo, d, h, mi, sec)
            except ValueError:
                raise _BadValue(_("无法识别的日期时间“%(value)s”，请写成 2026-11-25 14:30 这样的格式",
                                  value=text[:40])) from None
            day_only = fast.group(5) is None
        else:
            for fmt in _DATE_FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                for fmt in _DAY_FORMATS:
                    try:
                        moment, day_only = datetime.strptime(text, fmt), True
                        break
                    except ValueError:
                        continue
                else:
                    try:
                        moment = datetime.fromisoformat(text)
                    except ValueError:
                        raise _BadValue(_("无法识别的日期时间“%(value)s”，请写成 2026-11-25 14:30 这样的格式",
                                          value=text[:40])) from None
    if moment is None:
        raise _BadValue(_("无法识别的日期时间“%(value)s”，请写成 2026-11-25 14:30 这样的格式", value=str(value)[:40]))
    if not 2000 <= moment.year <= 2100:
        raise _BadValue(_("日期“%(value)s”超出合理范围", value=_text(value)[:40]))
    if day_only and end_of_day:
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.microsecond:  # Excel keeps times as fractions of a day: round to the second
        moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ)


def _digits_date(value) -> bool:
    """20261125 or 20261125143000 typed into a number cell."""
    return float(value).is_integer() and len(str(int(value))) in (8, 14)


def _from_serial(serial: float) -> datetime:
    from openpyxl.utils.datetime import from_excel

    if not 20_000 < serial < 80_000:  # 1954 .. 2119
        raise _BadValue(_("“%(value)s”不是日期时间", value=_text(serial)))
    return from_excel(serial)


def parse_row(number: int, raw: dict) -> ImportRow:
    """One data row (field -> cell value) into ticket fields, or the problems found in it."""
    row = ImportRow(row=number)
    problems: list[tuple[str, str]] = []  # (field, message)
    fields: dict = {}
    for name in COLUMN_NAMES:
        value = raw.get(name)
        if name in DATE_FIELDS:
            try:
                fields[name] = parse_datetime(value, end_of_day=name == "platform_deadline")
            except _BadValue as exc:
                problems.append((name, str(exc)))
            continue
        text = _text(value)
        if name in ("ticket_no", "caller_phone"):
            text = unicodedata.normalize("NFKC", text).strip()
        if name in REQUIRED_VALUES and not text:
            problems.append((name, _("不能为空")))
        elif name in ENUMS:
            text = text or ENUM_DEFAULTS.get(name, "")
            if text and text not in ENUMS[name]:
                problems.append((name, _("“%(value)s”不是有效的值，应为：%(allowed)s",
                                         value=text[:20], allowed="、".join(ENUMS[name]))))
        elif name in MAX_LENGTH and len(text) > MAX_LENGTH[name]:
            problems.append((name, _("超过 %(max)s 个字（共 %(n)s 个字）", max=MAX_LENGTH[name], n=len(text))))
        fields[name] = text
    row.ticket_no = fields.get("ticket_no", "")[:40]
    row.title = fields.get("title", "")[:60]
    broken = {name for name, _message in problems}
    problems += [(name, message) for name, message in ticket_rules.problems(fields).items() if name not in broken]
    if problems:
        row.errors = [_("第 %(row)s 行「%(column)s」：%(problem)s", row=number, column=COLUMN_NAMES[name],
                        problem=message) for name, message in problems]
        return row
    row.fields = fields
    row.checksum = intake.content_checksum(fields)
    return row


# --------------------------------------------------------------------------- against the database


def classify(parsed: ParsedFile) -> dict[str, int]:
    """Mark every row new / identical / conflict / invalid against what is stored now. Writes nothing."""
    numbers = list({r.ticket_no for r in parsed.rows if r.fields is not None})
    stored: dict[str, str] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        for number, checksum in db.session.execute(
                select(Ticket.ticket_no, Ticket.intake_checksum).where(Ticket.ticket_no.in_(chunk))):
            stored[number] = checksum
    seen: dict[str, ImportRow] = {}
    counts = {NEW: 0, IDENTICAL: 0, CONFLICT: 0, INVALID: 0}
    for row in parsed.rows:
        row.note = ""
        if row.fields is None:
            row.kind = INVALID
        elif row.ticket_no in seen:
            first = seen[row.ticket_no]
            if first.checksum == row.checksum:
                row.kind = IDENTICAL
                row.note = _("与第 %(row)s 行完全相同，只导入一次", row=first.row)
            else:
                row.kind = CONFLICT
                row.note = _("第 %(row)s 行：工单编号 %(no)s 与第 %(first)s 行相同，但内容不同",
                             row=row.row, no=row.ticket_no, first=first.row)
        else:
            seen[row.ticket_no] = row
            if row.ticket_no not in stored:
                row.kind = NEW
            elif not stored[row.ticket_no] or stored[row.ticket_no] == row.checksum:
                row.kind = IDENTICAL
                row.note = _("系统中已有此工单，内容相同")
            else:
                row.kind = CONFLICT
                row.note = _("第 %(row)s 行：工单编号 %(no)s 已存在且内容不同", row=row.row, no=row.ticket_no)
        counts[row.kind] += 1
    return counts


def preview(parsed: ParsedFile) -> Preview:
    return Preview(parsed, classify(parsed))


def preview_file(path: str | Path, filename: str | None = None) -> Preview:
    return preview(read_file(path, filename))


def run_import(parsed: ParsedFile, actor: User | None = None,
               progress: Callable[[ImportSummary], None] | None = None) -> ImportSummary:
    """Import every new row, each in its own transaction; identical rows are skipped, the rest reported.

    ``progress`` is called after each row with the running summary (the caller throttles).
    """
    if actor is not None and not actor.has_role("dispatcher", "duty"):
        raise PermissionDenied(_("只有派单员或值班员可以导入工单。"))
    classify(parsed)  # again: the database may have changed since the preview
    summary = ImportSummary(total=len(parsed.rows))
    for row in parsed.rows:
        if row.kind == NEW:
            try:
                result = intake.receive_ticket(row.fields, actor, channel="import")
            except Conflict as exc:  # stored meanwhile with other content
                summary.add_problem(row, CONFLICT, [_("第 %(row)s 行：%(error)s", row=row.row, error=str(exc))])
            except ServiceError as exc:
                summary.add_problem(row, FAILED, [_("第 %(row)s 行：%(error)s", row=row.row, error=str(exc))])
            except Exception as exc:  # keep going: one bad ticket must not stop the other 9,999
                db.session.rollback()
                log.exception("import row %s (%s) failed", row.row, row.ticket_no)
                summary.add_problem(row, FAILED, [_("第 %(row)s 行：保存失败（%(error)s），请稍后重新导入此文件",
                                                    row=row.row, error=type(exc).__name__)])
            else:
                if result.created:
                    summary.created += 1
                else:
                    summary.skipped += 1
        elif row.kind == IDENTICAL:
            summary.skipped += 1
        elif row.kind == CONFLICT:
            summary.add_problem(row, CONFLICT, [row.note])
        else:
            summary.add_problem(row, INVALID, list(row.errors))
        summary.done += 1
        if progress is not None:
            progress(summary)
    return summary


# --------------------------------------------------------------------------- uploads and jobs

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def upload_dir() -> Path:
    path = Path(current_app.config["JIESU_UPLOAD_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class StoredUpload:
    token: str
    path: Path
    filename: str
    user_id: int
    uploaded_at: str
    preview: dict | None = None


def store_upload(stream, filename: str, user: User) -> StoredUpload:
    """Keep an uploaded file under JIESU_UPLOAD_DIR with a token, check and preview it.

    A file that cannot be imported at all is deleted again and its problem raised.
    """
    if not user.has_role("dispatcher", "duty"):
        raise PermissionDenied(_("只有派单员或值班员可以导入工单。"))
    filename = Path((filename or "").replace("\\", "/")).name[:200]
    if not filename:
        raise ImportFileError(_("请选择要导入的文件。"))
    check_filename(filename)
    _clean_old_uploads()
    max_bytes = _config("JIESU_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    token = secrets.token_urlsafe(18)
    path = upload_dir() / (token + Path(filename).suffix.lower())
    written = 0
    with path.open("wb") as out:
        while chunk := stream.read(1 << 16):
            written += len(chunk)
            if written > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise ImportFileError(_("文件太大，单次导入上限为 %(max)s，请拆分后导入。",
                                        max=file_size(max_bytes)))
            out.write(chunk)
    try:
        result = preview_file(path, filename)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    upload = StoredUpload(token, path, filename, user.id, clock.now().isoformat(), result.to_json())
    _meta_path(token).write_text(json.dumps({
        "filename": filename, "stored": path.name, "user_id": user.id, "uploaded_at": upload.uploaded_at,
        "preview": upload.preview}, ensure_ascii=False), encoding="utf-8")
    return upload


def _meta_path(token: str) -> Path:
    return upload_dir() / f"{token}.json"


def get_upload(token: str, user: User) -> StoredUpload:
    """A stored upload of this user's, or NotFound-like ServiceError."""
    if not _TOKEN.match(token or ""):
        raise NotFound(_("找不到这次上传的文件，请重新上传。"))
    meta_path = _meta_path(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(_("找不到这次上传的文件（可能已导入或已过期），请重新上传。")) from exc
    path = upload_dir() / meta["stored"]
    if meta["user_id"] != user.id or not path.exists():
        raise NotFound(_("找不到这次上传的文件（可能已导入或已过期），请重新上传。"))
    return StoredUpload(token, path, meta["filename"], meta["user_id"], meta["uploaded_at"], meta.get("preview"))


def discard_upload(token: str) -> None:
    if not _TOKEN.match(token or ""):
        return
    for path in upload_dir().glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def _clean_old_uploads(max_age: float = 24 * 3600) -> None:
    """Uploads previewed but never imported keep callers' personal data: drop them after a day."""
    cutoff = time.time() - max_age
    for path in upload_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


_threads: list[threading.Thread] = []


def start_job(upload: StoredUpload, user: User) -> ImportJob:
    """Record an ImportJob and run it in a background thread; a second confirm returns the same job."""
    if not user.has_role("dispatcher", "duty"):
        raise PermissionDenied(_("只有派单员或值班员可以导入工单。"))
    existing = db.session.scalar(select(ImportJob).where(ImportJob.token == upload.token,
                                                         ImportJob.status != "failed"))
    if existing is not None:
        return existing
    with unit_of_work():
        job = ImportJob(token=upload.token, filename=upload.filename, user_id=user.id, status="queued",
                        total=(upload.preview or {}).get("total", 0), errors=[], created_at=clock.now())
        db.session.add(job)
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_job, args=(app, job.id, str(upload.path), upload.filename, user.id),
                              name=f"jiesu-import-{job.id}", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()
    return job


def wait_for_jobs(timeout: float = 600) -> None:
    """Join the import threads still running (tests and shutdown)."""
    for thread in list(_threads):
        thread.join(timeout)


def _write_job(job_id: int, **values) -> None:
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(updated_at=clock.now(), **values))
    db.session.commit()


def _counts(summary: ImportSummary) -> dict:
    return {"total": summary.total, "done": summary.done, "created": summary.created,
            "skipped": summary.skipped, "conflicts": summary.conflicts, "invalid": summary.invalid,
            "failed": summary.failed}


def run_job(job_id: int, path: str, filename: str, user_id: int | None) -> ImportSummary | None:
    """Import one stored upload, writing progress to its ImportJob (call inside an app context)."""
    _write_job(job_id, status="running", started_at=clock.now())
    last = [time.monotonic()]

    def progress(summary: ImportSummary) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or summary.done == summary.total:
            last[0] = now
            _write_job(job_id, **_counts(summary))

    try:
        parsed = read_file(path, filename)
        _write_job(job_id, total=len(parsed.rows))
        actor = db.session.get(User, user_id) if user_id else None
        summary = run_import(parsed, actor, progress)
    except ServiceError as exc:
        db.session.rollback()
        _write_job(job_id, status="failed", message=str(exc)[:500], finished_at=clock.now())
        return None
    except Exception as exc:
        db.session.rollback()
        log.exception("import job %s failed", job_id)
        _write_job(job_id, status="failed", finished_at=clock.now(),
                   message=_("导入中断（%(error)s）：已导入的工单保留，重新导入同一文件可补齐其余行。",
                             error=type(exc).__name__)[:500])
        return None
    _write_job(job_id, status="done", errors=summary.problems, finished_at=clock.now(), **_counts(summary))
    return summary


def _run_job(app, job_id: int, path: str, filename: str, user_id: int | None) -> None:
    with app.app_context():
        try:
            run_job(job_id, path, filename, user_id)
        finally:
            Path(path).unlink(missing_ok=True)
            Path(path).with_suffix(".json").unlink(missing_ok=True)
            db.session.remove()


def job_for_token(token: str, user: User) -> ImportJob | None:
    """The job already started from this upload (a second click on 确认导入 lands there)."""
    return db.session.scalar(select(ImportJob).where(ImportJob.token == token, ImportJob.user_id == user.id,
                                                     ImportJob.status != "failed").order_by(ImportJob.id.desc()))


def get_job(job_id: int, user: User) -> ImportJob:
    job = db.session.get(ImportJob, job_id, populate_existing=True)
    if job is None:
        raise NotFound(_("导入任务不存在。"))
    if job.user_id != user.id and not user.has_role("dispatcher", "duty", "supervisor"):
        raise PermissionDenied(_("无权查看该导入任务。"))
    return job


def recent_jobs(user: User, limit: int = 10) -> list[ImportJob]:
    return list(db.session.scalars(select(ImportJob).where(ImportJob.user_id == user.id)
                                   .order_by(ImportJob.id.desc()).limit(limit)))


STALE_AFTER = timedelta(minutes=5)


def job_is_stale(job: ImportJob) -> bool:
    """A running job that stopped writing progress (its server was restarted)."""
    beat = job.updated_at or job.started_at or job.created_at
    return not job.finished and beat is not None and clock.now() - beat > STALE_AFTER
