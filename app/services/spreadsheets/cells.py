"""Typed cells: what a spreadsheet cell holds as text, a code, a moment, a date or a number, or why not.

Cells come from openpyxl (str, int, float, bool, datetime, date, time, None) or from a CSV
(str). Every parser takes either and raises :class:`CellError` with a Chinese message
naming the value; the caller adds the row and the column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from openpyxl.utils.datetime import from_excel

from app.engine.clock import LOCAL_TZ
from app.services import _


class CellError(ValueError):
    """A cell that does not hold what its column needs; the message is for the user."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """A cell as text: numbers Excel keeps for 工单编号 or 来电号码 without ``.0``, dates as ISO."""
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


def code(value) -> str:
    """An identifier (工单编号, a phone number): text with full-width digits and letters made plain."""
    return unicodedata.normalize("NFKC", text(value)).strip()


def number(value) -> int | float | None:
    """A number cell, or a number written as text (full-width digits, thousands separators)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s”不是数字", value=text(value)))
    if isinstance(value, int | float):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    written = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    try:
        return int(written)
    except ValueError:
        pass
    try:
        return float(written)
    except ValueError:
        raise CellError(_("“%(value)s”不是数字", value=text(value)[:40])) from None


def choice(value, words: dict[str, str], shown: tuple[str, ...] | list[str]) -> str | None:
    """One of the accepted words (compared without case and width differences) -> its stored value."""
    if is_blank(value):
        return None
    written = unicodedata.normalize("NFKC", text(value)).strip()
    found = words.get(written, words.get(written.lower()))
    if found is None:
        raise CellError(_("“%(value)s”不是有效的值，应为：%(allowed)s", value=written[:20], allowed="、".join(shown)))
    return found


# --------------------------------------------------------------------------- moments and dates

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
                 "%Y年%m月%d日%H:%M:%S", "%Y年%m月%d日%H:%M", "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日%H时%M分",
                 "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M")
_COMMON_FORM = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


class _Unreadable(Exception):
    """Not a moment in any form we know; each parser says so in its own words."""


def _digits_date(value) -> bool:
    """20261125 or 20261125143000 typed into a number cell."""
    return float(value).is_integer() and len(str(int(value))) in (8, 14)


def _from_serial(serial: float) -> datetime:
    if not 20_000 < serial < 80_000:  # 1954 .. 2119
        raise CellError(_("“%(value)s”不是日期时间", value=text(serial)))
    return from_excel(serial)


def _from_text(value) -> tuple[datetime, bool]:
    """A written moment or day -> (naive datetime, whether only a day was written)."""
    written = unicodedata.normalize("NFKC", str(value)).strip()
    written = re.sub(r"\s+", " ", written)
    written = re.sub(r" ?([年月日时分]) ?", r"\1", written)  # 2026 年 11 月 25 日
    written = re.sub(r"(\d{1,2}:\d{2}:\d{2})\.\d+$", r"\1", written)  # 14:30:00.000
    if re.fullmatch(r"\d{5}(\.\d+)?", written):  # an Excel serial written out as text
        return _from_serial(float(written)), False
    fast = _COMMON_FORM.fullmatch(written)
    if fast:  # 2026-11-25 14:30, 2026/11/25 14:30:00, 2026.11.25: most cells, without strptime's misses
        y, mo, d, h, mi, sec = (int(g) if g else 0 for g in fast.group(1, 3, 4, 5, 6, 7))
        try:
            return datetime(y, mo, d, h, mi, sec), fast.group(5) is None
        except ValueError:
            raise _Unreadable from None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(written, fmt), False
        except ValueError:
            continue
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(written, fmt), True
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(written), False
    except ValueError:
        raise _Unreadable from None


def _moment(value) -> tuple[datetime, bool]:
    if isinstance(value, datetime):
        return value, False
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _digits_date(value):
            return _from_text(str(int(value)))
        return _from_serial(float(value)), False
    return _from_text(value)


def parse_datetime(value, end_of_day: bool = False) -> datetime | None:
    """A cell of a date-and-time column as an aware datetime (Asia/Shanghai when the file gives no zone).

    Accepts Excel date cells, Excel serial numbers, and the usual written forms
    (2026-11-25 14:30, 2026/11/25 14:30:00, 2026年11月25日 14时30分, 20261125143000 ...).
    A bare date is the start of the day, or its end for a deadline (``end_of_day``).
    """
    if is_blank(value):
        return None
    try:
        moment, day_only = _moment(value)
    except _Unreadable:
        raise CellError(_("无法识别的日期时间“%(value)s”，请写成 2026-11-25 14:30 这样的格式",
                          value=text(value)[:40])) from None
    if not 2000 <= moment.year <= 2100:
        raise CellError(_("日期“%(value)s”超出合理范围", value=text(value)[:40]))
    if day_only and end_of_day:
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.microsecond:  # Excel keeps times as fractions of a day: round to the second
        moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ)


def parse_date(value) -> date | None:
    """A cell of a date column: an Excel date cell, a serial number or 2026-11-25 / 2026年11月25日 ...

    A written time other than midnight is refused (a date column holds days).
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    try:
        moment, day_only = _moment(value)
    except _Unreadable:
        raise CellError(_("无法识别的日期“%(value)s”，请写成 2026-11-25 这样的格式", value=text(value)[:40])) from None
    if not day_only and moment.time() != datetime.min.time():
        raise CellError(_("“%(value)s”应为日期（不含时间），如 2026-11-25", value=text(value)[:40]))
    if not 1900 <= moment.year <= 2200:
        raise CellError(_("日期“%(value)s”超出合理范围", value=text(value)[:40]))
    return moment.date()
