"""A page's filter as query arguments and back (the ledger's, the access log's): what a link, a form and
a queued export's stored filter carry.

A flag is written ``"1"``. ``True`` in a link reads back as no flag, so an overdue-filtered ledger's
export link, and its queued job, once exported every ticket. Stored jobs from before hold ``true``,
which still reads back as set.

Numbers are read with ``request.args.get(name, default, type=row_id)`` (``page``, ``year``): out of
range is a ``ValueError``, which ``get`` answers with the default. ``?page=99999999999999999999`` once
reached SQLite (an OverflowError), ``?year=10000`` a ``date`` (a ValueError): both a 500.
"""

from __future__ import annotations

from dataclasses import fields

FLAG_SET = ("1", "on", "true", True)  # a checkbox, a link, a stored filter
DB_INT_MAX = 2**31 - 1  # the id columns are INTEGER: 32 bits on PostgreSQL (SQLite would take 64)
DB_INT_MIN = -(2**31)
MAX_PAGE = 100_000  # its offset stays far inside DB_INT_MAX
YEARS = (2000, 2100)  # the working calendar's years


def _within(value, low: int, high: int) -> int:
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{number} is not within {low}..{high}")
    return number


def row_id(value) -> int:
    """An id a database column holds, else ValueError."""
    return _within(value, 0, DB_INT_MAX)


def page(value) -> int:
    """A page number from 1 to MAX_PAGE, else ValueError."""
    return _within(value, 1, MAX_PAGE)


def year(value) -> int:
    """A year within YEARS, else ValueError."""
    return _within(value, *YEARS)


def in_years(d):
    """``d`` (a date) if its year is within YEARS, else ValueError: a report, the ledger's 接收日期 or a
    考核期 of 0001-01-01 or 9999-12-31 once overflowed ``date`` arithmetic or the database's
    timestamps (a 500)."""
    if not YEARS[0] <= d.year <= YEARS[1]:
        raise ValueError(f"{d} is not within the years {YEARS[0]}..{YEARS[1]}")
    return d


def row_id_or_none(value) -> int | None:
    """An id written as digits (a stored filter, a form's list), or None."""
    try:
        return row_id(value) if str(value).isdigit() else None
    except ValueError:
        return None


def flag(value) -> bool:
    return value in FLAG_SET


def as_args(filter_, names: dict[str, str] | None = None) -> dict:
    """The filter dataclass's set fields under their argument ``names`` (default: the field's own)."""
    names = names or {}
    return {names.get(f.name, f.name): "1" if value is True else value
            for f in fields(filter_) if (value := getattr(filter_, f.name))}


LIKE_ESCAPE = "\\"


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape=LIKE_ESCAPE``: a typed % or _ is itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_containing(text: str) -> str:
    """A LIKE pattern (with ``escape=LIKE_ESCAPE``) for values holding ``text``."""
    return f"%{like_escaped(text)}%"
