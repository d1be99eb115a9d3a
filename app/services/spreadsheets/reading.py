"""Reading a table: an Excel workbook (.xlsx, openpyxl) or a CSV file (UTF-8, GBK, UTF-16), by its header.

A :class:`Layout` names the columns an import knows (with the other spellings seen in
files) and what each holds. :func:`read_table` finds the header row among the first rows,
matches the column names after normalising width, spaces, marks and case (a name with a
bracketed note, 来电时间（北京时间）, by its stem), and turns every data row into typed
values with its problems named by column. A file that cannot be read at all raises
:class:`TableFileError` with a Chinese message; a bad cell only marks its row.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.services import N_, InvalidInput, _
from app.services.spreadsheets import cells, unpacking

EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt")
ALLOWED_EXTENSIONS = EXCEL_EXTENSIONS + CSV_EXTENSIONS
HEADER_SEARCH_ROWS = 10  # a file may carry a title line or two above its header
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
KINDS = ("text", "code", "datetime", "deadline", "date", "number", "raw")


class TableFileError(InvalidInput):
    """The file as a whole cannot be imported (type, encoding, header, size): the upload field's error."""

    def __init__(self, message: str):
        super().__init__({"file": message})


@dataclass(frozen=True)
class Column:
    """One column an import reads: its field name, its header as the bureau's files write it, what it holds."""

    name: str
    label: str  # the Chinese header (files carry it whatever the interface language)
    aliases: tuple[str, ...] = ()  # other spellings seen in files
    kind: str = "text"  # text, code (identifiers), datetime, deadline (a bare date is its end), date, number, raw
    required: bool = False  # the header must have the column and every row a value
    blank_ok: bool = False  # a required column whose blank cells the import judges itself
    max_length: int | None = None
    choices: dict[str, str] | None = None  # accepted words -> stored value
    shown: tuple[str, ...] = ()  # the words a message offers (default: the stored values)
    default: object = None  # for a blank cell of a column with choices

    def convert(self, value):
        """The cell as this column's value; raises ``cells.CellError``."""
        if self.choices is not None:
            found = cells.choice(value, self.choices, self.shown or tuple(dict.fromkeys(self.choices.values())))
            return self.default if found is None else found
        if self.kind == "raw":
            return value
        if self.kind == "datetime":
            return cells.parse_datetime(value)
        if self.kind == "deadline":
            return cells.parse_datetime(value, end_of_day=True)
        if self.kind == "date":
            return cells.parse_date(value)
        if self.kind == "number":
            return cells.number(value)
        written = cells.code(value) if self.kind == "code" else cells.text(value)
        if self.max_length is not None and len(written) > self.max_length:
            raise cells.CellError(_("超过 %(max)s 个字（共 %(n)s 个字）", max=self.max_length, n=len(written)))
        return written


def normalise_header(value) -> str:
    """A header cell as compared: full-width folded, no spaces, no required-marks or colons, lower case."""
    written = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return re.sub(r"\s+", "", written).strip("*:").lower()


@dataclass
class TableRow:
    number: int  # as Excel shows it (1 = the sheet's first line); for CSV the record number
    raw: dict  # field -> the cell as read
    values: dict = field(default_factory=dict)  # field -> typed value (None where the cell has a problem)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field or "", message)

    def add(self, name: str, message: str) -> None:
        self.problems.append((name, str(message)))

    @property
    def ok(self) -> bool:
        return not self.problems

    def has_problem(self, name: str) -> bool:
        return any(n == name for n, _m in self.problems)


class Layout:
    """The columns of one kind of file, and how many bytes and rows one file may have."""

    def __init__(self, columns: Iterable[Column], max_bytes: int = DEFAULT_MAX_BYTES,
                 max_rows: int = DEFAULT_MAX_ROWS):
        self.columns = tuple(columns)
        self.by_name = {c.name: c for c in self.columns}
        self.labels = {c.name: c.label for c in self.columns}
        self.required = tuple(c.name for c in self.columns if c.required)
        self.max_bytes, self.max_rows = max_bytes, max_rows
        self._by_header = {}
        for column in self.columns:
            for spelling in (column.label, *column.aliases):
                self._by_header[normalise_header(spelling)] = column.name

    def match_header(self, header) -> tuple[dict[int, str], list[str], list[str]]:
        """column index -> field; ignored column names; fields named twice.

        Exact names win; a name with a bracketed note is matched by its stem when no column
        carries that name exactly.
        """
        mapping: dict[int, str] = {}
        doubled: list[str] = []
        loose: list[tuple[int, str]] = []
        for index, written in enumerate(normalise_header(h) for h in header):
            name = self._by_header.get(written)
            if name is None:
                loose.append((index, written))
            elif name in mapping.values():
                doubled.append(self.labels[name])
            else:
                mapping[index] = name
        ignored = []
        for index, written in loose:
            name = self._by_header.get(re.sub(r"\(.*?\)$", "", written))
            if name is not None and name not in mapping.values():
                mapping[index] = name
            elif written:
                ignored.append(str(header[index]).strip())
        return dict(sorted(mapping.items())), ignored, doubled

    def looks_like_header(self, mapping: dict[int, str]) -> bool:
        key = self.required[0] if self.required else None
        return key in mapping.values() or len(mapping) >= min(3, len(self.required or self.columns))

    def row(self, number: int, raw: dict) -> TableRow:
        """One data row (field -> cell) into typed values, a problem per bad cell."""
        row = TableRow(number, raw)
        for column in self.columns:
            value = raw.get(column.name)
            if column.required and not column.blank_ok and cells.is_blank(value):
                row.values[column.name] = None
                row.add(column.name, _("不能为空"))
                continue
            try:
                row.values[column.name] = column.convert(value)
            except cells.CellError as exc:
                row.values[column.name] = None
                row.add(column.name, str(exc))
        return row

    def messages(self, row: TableRow, with_row: bool = True) -> list[str]:
        """The row's problems as sentences: 第 6 行「来电时间」：…… (without the row: 「来电时间」：……)."""
        if not with_row:
            return [_("「%(column)s」：%(problem)s", column=self.labels[name], problem=m) if name in self.labels
                    else m for name, m in row.problems]
        return [_("第 %(row)s 行「%(column)s」：%(problem)s", row=row.number, column=self.labels[name], problem=m)
                if name in self.labels else _("第 %(row)s 行：%(problem)s", row=row.number, problem=m)
                for name, m in row.problems]


@dataclass
class Table:
    filename: str
    file_type: str  # xlsx / csv
    encoding: str  # CSV only
    sheet: str  # xlsx only
    header_row: int
    columns: dict[str, str]  # field -> its label, for the columns the file has
    ignored_columns: list[str]  # names in the header no column of the layout has
    rows: list[TableRow]


def file_size(n: int) -> str:
    return f"{n / 1048576:.0f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"


OLD_EXCEL = N_("不支持旧版 Excel 97-2003（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入。")


def check_filename(filename: str) -> str:
    """The file's kind from its name, or a message saying which files are accepted."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xls":
        raise TableFileError(_(OLD_EXCEL))
    if suffix not in ALLOWED_EXTENSIONS:
        raise TableFileError(_("不支持的文件类型“%(ext)s”：请选择 Excel（.xlsx）或 CSV（.csv）文件。",
                               ext=suffix or filename or "?"))
    return "xlsx" if suffix in EXCEL_EXTENSIONS else "csv"


def detect(head: bytes, filename: str) -> str:
    """xlsx or csv, from the first bytes and the name; raises TableFileError for anything else."""
    file_type = check_filename(filename)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableFileError(_(OLD_EXCEL))
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"  # an Excel workbook, whatever its name says
    if file_type == "xlsx":
        raise TableFileError(_("文件“%(name)s”不是有效的 Excel（.xlsx）文件。", name=filename))
    return "csv"


def read_table(source: str | Path | bytes, layout: Layout, filename: str | None = None,
               max_bytes: int | None = None, max_rows: int | None = None) -> Table:
    """Read a file (a path, or its bytes) with a layout. Raises TableFileError when it is unusable as a whole."""
    if isinstance(source, bytes):
        data, size = source, len(source)
        filename = filename or "upload"
    else:
        path = Path(source)
        data, size = None, path.stat().st_size
        filename = filename or path.name
    max_bytes = layout.max_bytes if max_bytes is None else max_bytes
    if size == 0:
        raise TableFileError(_("文件是空的。"))
    if size > max_bytes:
        raise TableFileError(_("文件太大（%(size)s），单次导入上限为 %(max)s，请拆分后导入。",
                               size=file_size(size), max=file_size(max_bytes)))
    if data is None:
        with path.open("rb") as fh:
            head = fh.read(8)
    else:
        head = data[:8]
    file_type = detect(head, filename)
    reader = _Reader(layout, filename, layout.max_rows if max_rows is None else max_rows)
    if file_type == "csv":
        return reader.csv(data if data is not None else path.read_bytes())
    if data is not None:
        return reader.xlsx(io.BytesIO(data))
    with path.open("rb") as fh:  # a file object: openpyxl would judge a path by its name (a staged file has none)
        return reader.xlsx(fh)


class _NoHeader(TableFileError):
    pass


class _Reader:
    def __init__(self, layout: Layout, filename: str, max_rows: int):
        self.layout, self.filename, self.max_rows = layout, filename, max_rows

    def xlsx(self, source) -> Table:
        from openpyxl import load_workbook

        try:
            unpacking.check(source, self.filename)  # before openpyxl unpacks a zip bomb
            workbook = load_workbook(source, read_only=True, data_only=True)
        except unpacking.Refused as refused:
            raise TableFileError(str(refused)) from None
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ParseError ...
            raise TableFileError(_("文件“%(name)s”无法作为 Excel 工作簿打开，可能已损坏。", name=self.filename)) from exc
        try:
            first_problem = None
            for sheet in workbook.worksheets:
                try:
                    return self.rows(self._sheet_rows(sheet), "xlsx", "", sheet.title)
                except _NoHeader as exc:
                    first_problem = first_problem or exc
            raise first_problem or TableFileError(_("工作簿中没有工作表。"))
        finally:
            workbook.close()

    def _sheet_rows(self, sheet) -> Iterator:
        """The sheet's rows as openpyxl parses them, lazily: a sheet it cannot parse is an invalid file."""
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # ParseError (entity expansion, broken XML), BadZipFile (CRC), ValueError ...
                raise TableFileError(_("文件“%(name)s”不是有效的 Excel（.xlsx）文件。", name=self.filename)) from exc
            yield values

    def csv(self, data: bytes) -> Table:
        text, encoding = self._decode(data)
        if "\x00" in text:
            raise TableFileError(_("文件“%(name)s”不是文本格式的 CSV 文件。", name=self.filename))
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max(",\t;", key=first_line.count) if first_line else ","
        try:
            return self.rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), "csv", encoding, "")
        except csv.Error as exc:
            raise TableFileError(_("CSV 文件格式有误：%(error)s", error=str(exc))) from exc

    def _decode(self, data: bytes) -> tuple[str, str]:
        try:
            if data.startswith(b"\xef\xbb\xbf"):
                return data[3:].decode("utf-8"), "UTF-8 (BOM)"
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
                return data.decode("utf-16"), "UTF-16"
            try:
                return data.decode("utf-8"), "UTF-8"
            except UnicodeDecodeError:
                return data.decode("gb18030"), "GB18030/GBK"
        except UnicodeDecodeError as exc:
            raise TableFileError(_("无法识别文件“%(name)s”的编码：请另存为 UTF-8 或 GBK 编码的 CSV 文件。",
                                   name=self.filename)) from exc

    def rows(self, rows: Iterable, file_type: str, encoding: str, sheet: str) -> Table:
        layout = self.layout
        iterator: Iterator = iter(rows)
        header, header_row = None, 0
        for header_row, values in enumerate(iterator, start=1):
            mapping, ignored, doubled = layout.match_header(values or ())
            if layout.looks_like_header(mapping):
                header = (mapping, ignored, doubled)
                break
            if header_row >= HEADER_SEARCH_ROWS:
                break
        if header is None:
            where = _("工作表“%(sheet)s”", sheet=sheet) if sheet else _("文件")
            raise _NoHeader(_("%(where)s的前 %(n)s 行中找不到表头：表头应含%(names)s等列名。", where=where,
                              n=HEADER_SEARCH_ROWS,
                              names="".join(f"“{layout.labels[n]}”" for n in layout.required[:4])))
        mapping, ignored, doubled = header
        if doubled:
            raise TableFileError(_("第 %(row)s 行表头中这些列出现了不止一次：%(columns)s。",
                                   row=header_row, columns="、".join(doubled)))
        missing = [layout.labels[n] for n in layout.required if n not in mapping.values()]
        if missing:
            raise TableFileError(_("缺少必需的列：%(missing)s（表头在第 %(row)s 行，找到的列：%(found)s）。",
                                   missing="、".join(missing), row=header_row,
                                   found="、".join(layout.labels[n] for n in mapping.values()) or _("无")))
        parsed: list[TableRow] = []
        for number, values in enumerate(iterator, start=header_row + 1):
            if not values or all(cells.is_blank(v) for v in values):
                continue
            if len(parsed) >= self.max_rows:
                raise TableFileError(_("文件超过单次导入上限 %(max)s 行，请拆分后分批导入。", max=self.max_rows))
            raw = {name: (values[index] if index < len(values) else None) for index, name in mapping.items()}
            parsed.append(layout.row(number, raw))
        if not parsed:
            raise TableFileError(_("文件中表头下面没有数据行。"))
        return Table(filename=self.filename, file_type=file_type, encoding=encoding, sheet=sheet,
                     header_row=header_row, columns={n: layout.labels[n] for n in mapping.values()},
                     ignored_columns=ignored, rows=parsed)
