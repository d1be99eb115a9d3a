"""A one-sheet workbook written row by row straight into its file: large exports (the ledger's).

openpyxl spends about 0.4 ms per row of the ledger's 37 columns on cell objects, styles and its
XML writer, and holds the whole sheet in memory when it saves. Here openpyxl makes the
workbook's shell once (styles, workbook, relationships, the header row, the column widths and a frozen header,
exactly as :func:`app.services.spreadsheets.writing.workbook` would), and the rows are written
as SpreadsheetML text into the zip entry of the sheet as they come, cells as openpyxl writes
them: text inline (``t="inlineStr"``), formula-like text as text with a quote prefix (never a
formula), aware datetimes in Beijing time with the date-time format, booleans, numbers. Control
characters that XML cannot hold are dropped (openpyxl refuses the whole file for one).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from app.engine.clock import LOCAL_TZ
from app.services.spreadsheets.writing import FORMULA_STARTS, _cell

SHEET = "xl/worksheets/sheet1.xml"
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_SPECIAL = re.compile(r"[&<>\r\000-\010\013\014\016-\037]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_EPOCH = datetime(1899, 12, 30)
_FIRST_TRUE_DAY = datetime(1900, 3, 1)  # before it Excel's 1900 leap-year bug shifts serials: openpyxl's way


def _shell(title: str, header: Sequence[str], widths: int | Sequence[int] | None,
           freeze_header: bool) -> tuple[bytes, dict[str, str]]:
    """The workbook made by openpyxl with the header and one sample row, and the style index of
    each kind of cell the rows use (read from that sample row)."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(title[:31])
    if widths is not None:
        for index in range(1, len(header) + 1):
            width = widths if isinstance(widths, int) else widths[index - 1]
            ws.column_dimensions[get_column_letter(index)].width = width
    if freeze_header:
        ws.freeze_panes = "A2"  # the header row stays in view while scrolling
    ws.append([_cell(ws, str(h), bold=True) for h in header])
    ws.append([_cell(ws, "=quoted"), _cell(ws, datetime(2026, 1, 1, 8, 0)), _cell(ws, date(2026, 1, 1))])
    out = io.BytesIO()
    book.save(out)
    xml = zipfile.ZipFile(out).read(SHEET).decode()
    styles = re.findall(r'<c r="[A-C]2" s="(\d+)"', xml)
    return out.getvalue(), dict(zip(("quoted", "datetime", "date"), styles, strict=True))


class StreamingSheet:
    """``append`` rows, then ``close()``; ``target`` is a path or a binary file object."""

    def __init__(self, target, title: str, header: Sequence[str], widths: int | Sequence[int] | None = None,
                 compresslevel: int = 1, freeze_header: bool = False):
        shell, styles = _shell(title, header, widths, freeze_header)
        self._quoted = f' s="{styles["quoted"]}" t="inlineStr"><is><t'
        self._dt = f' s="{styles["datetime"]}" t="n"><v>'
        self._date = f' s="{styles["date"]}" t="n"><v>'
        self._letters = [get_column_letter(i) for i in range(1, len(header) + 1)]
        source = zipfile.ZipFile(io.BytesIO(shell))
        sheet_xml = source.read(SHEET).decode()
        self._head = sheet_xml[:sheet_xml.index("</row>") + len("</row>")]  # up to the header row
        self._tail = sheet_xml[sheet_xml.index("</sheetData>"):]
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        for item in source.infolist():
            if item.filename != SHEET:
                self._zip.writestr(item, source.read(item.filename))
        self._out = self._zip.open(SHEET, "w", force_zip64=True)
        self._out.write(self._head.encode())
        self._row = 1
        self.closed = False

    def append(self, values: Sequence) -> None:
        self._row += 1
        r = str(self._row)
        parts = [f'<row r="{r}">']
        add = parts.append
        for letter, value in zip(self._letters, values, strict=False):
            if value is None:
                continue
            kind = value.__class__
            if kind is str or (isinstance(value, str)):
                text = value
                if _SPECIAL.search(value):  # most text has nothing to escape: one scan, no copy
                    value = _ILLEGAL.sub("", value)
                    text = value.translate(_ESCAPES)
                space = ' xml:space="preserve"' if value != value.strip() else ""
                if value.startswith(FORMULA_STARTS):
                    add(f'<c r="{letter}{r}"{self._quoted}{space}>{text}</t></is></c>')
                else:
                    add(f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif kind is bool:
                add(f'<c r="{letter}{r}" t="b"><v>{int(value)}</v></c>')
            elif kind is int or kind is float or kind is Decimal:
                add(f'<c r="{letter}{r}" t="n"><v>{value}</v></c>')
            elif kind is datetime:
                if value.tzinfo is not None:
                    value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
                serial = (value - _EPOCH) / _DAY if value >= _FIRST_TRUE_DAY else to_excel(value)
                add(f'<c r="{letter}{r}"{self._dt}{serial}</v></c>')
            elif kind is date:
                add(f'<c r="{letter}{r}"{self._date}{to_excel(value)}</v></c>')
            elif kind is time or isinstance(value, (int, float)):
                add(f'<c r="{letter}{r}" t="n"><v>{to_excel(value) if kind is time else value}</v></c>')
            else:  # a translated label, an enum ...: its text
                self._row -= 1
                return self.append([str(v) if v is value else v for v in values])
        add("</row>")
        self._out.write("".join(parts).encode())

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._out.write(self._tail.encode())
        self._out.close()
        self._zip.close()

    def discard(self) -> None:
        """Stop without finishing the file (the caller removes it)."""
        if not self.closed:
            self.closed = True
            try:
                self._out.close()
                self._zip.close()
            except (OSError, ValueError):  # half written: it is thrown away anyway
                pass


_DAY = datetime(2000, 1, 2) - datetime(2000, 1, 1)
