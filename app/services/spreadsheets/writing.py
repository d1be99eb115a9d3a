"""Writing tables: Excel workbooks (every export and import template) and CSV lists, safely.

Text that a spreadsheet program would take for a formula (a cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return: a citizen's ``=HYPERLINK(...)`` in a
title) is written as text, never as a formula: in a workbook as a string cell marked with
a quote prefix, in a CSV file behind an apostrophe. Aware datetimes are written in
Beijing time; dates and datetimes get a date format.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.engine.clock import LOCAL_TZ

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PLAIN = (str, int, float, Decimal, bool, date, time)  # what a cell holds as it is (datetime is a date)


def text_width(text: str) -> int:
    """How many columns of a spreadsheet ``text`` takes: a Chinese character (wide) two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


@dataclass
class Sheet:
    """One worksheet: a title, a header row (bold) and data rows; widths in characters per column."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence] = ()
    widths: Sequence[int] | int | None = None  # one width for every column, or one per column
    formats: dict[int, str] = field(default_factory=dict)  # column index -> number format
    charts: Sequence[ChartSpec] = ()  # native Excel charts over this sheet's columns


@dataclass
class ChartSpec:
    """A native Excel chart of some columns of the sheet (1-based), categories from another column."""

    title: str
    values: Sequence[int]  # the columns drawn, each a series named by its header
    categories: int = 1
    kind: str = "col"  # col, bar (horizontal), line
    anchor: str = "H2"
    width: float = 18  # cm
    height: float = 9


def _add_charts(ws, spec: Sheet, count: int) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference  # noqa: PLC0415 - only workbooks with charts

    for c in spec.charts:
        if not count:
            continue
        chart = LineChart() if c.kind == "line" else BarChart()
        if c.kind == "bar":
            chart.type = "bar"
        chart.title, chart.width, chart.height = c.title, c.width, c.height
        for column in c.values:
            chart.add_data(Reference(ws, min_col=column, min_row=1, max_row=count + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=c.categories, min_row=2, max_row=count + 1))
        ws.add_chart(chart, c.anchor)


def _cell(sheet, value, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)  # Excel keeps no zone: Beijing time
    elif value is not None and not isinstance(value, _PLAIN):
        value = str(value)  # a translated label, an enum ...
    cell = WriteOnlyCell(sheet, value)
    if looks_like_formula(value):
        cell.data_type = "s"  # text, whatever openpyxl guessed from the '='
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    elif number_format:
        cell.number_format = number_format
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def workbook(*sheets: Sheet) -> bytes:
    """An .xlsx file of the given sheets (streamed: a large export is not held as cell objects)."""
    book = Workbook(write_only=True)
    for spec in sheets:
        ws = book.create_sheet(spec.title[:31])
        widths = spec.widths
        if widths is not None:
            per_column = [widths] * len(spec.header) if isinstance(widths, int) else list(widths)
            for index, width in enumerate(per_column, start=1):
                ws.column_dimensions[get_column_letter(index)].width = width
        ws.append([_cell(ws, str(title), bold=True) for title in spec.header])
        count = 0
        for row in spec.rows:
            ws.append([_cell(ws, value, spec.formats.get(index)) for index, value in enumerate(row)])
            count += 1
        if spec.charts:
            _add_charts(ws, spec, count)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV file Excel opens in Chinese (UTF-8 with BOM); formula-like text behind an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([f"'{v}" if looks_like_formula(v) else v for v in row])
    return "\ufeff" + out.getvalue()
