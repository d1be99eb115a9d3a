"""A page's filter as query arguments and back (the ledger's, the access log's): what a link, a form and
a queued export's stored filter carry.

A flag is written ``"1"``. ``True`` in a link reads back as no flag, so an overdue-filtered ledger's
export link, and its queued job, once exported every ticket. Stored jobs from before hold ``true``,
which still reads back as set.
"""

from __future__ import annotations

from dataclasses import fields

FLAG_SET = ("1", "on", "true", True)  # a checkbox, a link, a stored filter


def flag(value) -> bool:
    return value in FLAG_SET


def as_args(filter_, names: dict[str, str] | None = None) -> dict:
    """The filter dataclass's set fields under their argument ``names`` (default: the field's own)."""
    names = names or {}
    return {names.get(f.name, f.name): "1" if value is True else value
            for f in fields(filter_) if (value := getattr(filter_, f.name))}
