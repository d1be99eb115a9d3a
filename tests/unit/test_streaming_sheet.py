"""The streamed workbook of large exports holds exactly what openpyxl's ``workbook`` writes for the same rows."""

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from app.services.spreadsheets import Sheet, workbook
from app.services.spreadsheets.streaming import StreamingSheet

HEADER = ["文本", "时间", "日期", "数", "是否", "空"]
ROWS = [
    ["网吧接纳未成年人 <b> & \"引号\"", datetime(2026, 11, 3, 1, 30, 15, tzinfo=UTC), date(2026, 11, 3), 3, True, None],
    ['=HYPERLINK("http://evil.example/","点我")', datetime(2026, 1, 1, 0, 0, tzinfo=UTC), date(1900, 1, 5), 2.5, False,
     None],
    ["  前后空格  ", None, None, Decimal("7.25"), None, "+1 像公式"],
    ["第一行\n第二行", datetime(1899, 12, 31, 12, 0), None, -4, None, "@提及"],
]


def _cells(data: bytes) -> list[list[tuple]]:
    ws = load_workbook(io.BytesIO(data)).active
    return [[(c.value, c.data_type, c.number_format, bool(c.quotePrefix), bool(c.font.b)) for c in row]
            for row in ws.iter_rows()]


def test_the_streamed_sheet_equals_openpyxls():
    expected = _cells(workbook(Sheet("案件台账", HEADER, ROWS, widths=16)))
    out = io.BytesIO()
    sheet = StreamingSheet(out, "案件台账", HEADER, widths=16)
    for row in ROWS:
        sheet.append(row)
    sheet.close()
    assert _cells(out.getvalue()) == expected
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["案件台账"] and book.active.column_dimensions["A"].width == 16
    assert "<f>" not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()


def test_characters_xml_cannot_hold_are_dropped():
    out = io.BytesIO()
    sheet = StreamingSheet(out, "表", ["a"])
    sheet.append(["响\x00应\x1f时间"])
    sheet.close()
    assert load_workbook(out).active["A2"].value == "响应时间"
