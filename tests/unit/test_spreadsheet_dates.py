"""Dates and times as people write them in spreadsheets (text, Excel cells, serial numbers)."""

from __future__ import annotations

from datetime import datetime

from app.services import spreadsheets
from tests.conftest import shanghai


def test_dates_in_the_formats_people_write():
    expect = shanghai(2026, 11, 25, 14, 30)
    for value in ("2026-11-25 14:30", "2026/11/25 14:30:00", "2026/11/25 14:30", "2026年11月25日 14:30",
                  "2026年11月25日14时30分", "2026-11-25T14:30:00+08:00", "20261125143000", "２０２６-１１-２５ １４:３０",
                  datetime(2026, 11, 25, 14, 30), datetime(2026, 11, 25, 14, 29, 59, 999_800), 46351.604166666664):
        assert spreadsheets.parse_datetime(value) == expect, value
    assert spreadsheets.parse_datetime("2026-11-25") == shanghai(2026, 11, 25, 0, 0)
    assert spreadsheets.parse_datetime("2026/11/25", end_of_day=True) == shanghai(2026, 11, 25, 23, 59, 59)
    assert spreadsheets.parse_datetime("") is None and spreadsheets.parse_datetime(None) is None
