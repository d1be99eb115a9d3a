"""Spreadsheet cells that stay text: citizens write ``=HYPERLINK(...)`` into titles too.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
as a formula by Excel (or by LibreOffice, or after a CSV round trip); every export writes such
values as text: in a workbook as a string cell with Excel's quote prefix (what typing an
apostrophe first does: shown as typed, still text after editing), in CSV with a leading
apostrophe (OWASP's advice). Used by every export in the service layer.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value):
    """A value for a CSV cell: formula-like text gets a leading apostrophe; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def append_row(ws, values) -> None:
    """``ws.append(values)`` for an openpyxl worksheet, formula-like text kept as text."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
