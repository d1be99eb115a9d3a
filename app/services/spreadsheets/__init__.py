"""Spreadsheets in and out: one way to read a table, stage an upload, preview, confirm, and write a workbook.

- ``reading``: a :class:`Layout` of columns (aliases, kinds) and :func:`read_table` for .xlsx/.csv
- ``cells``: typed cells (text, codes, dates, moments, numbers, choices) with Chinese messages
- ``staging``: uploads kept on the server (``app/services/files.py``) until confirmed or expired
- ``importer``: :class:`StagedImport`, the upload -> preview -> confirm pipeline each import subclasses
- ``jobs``: long imports in a background thread with a progress row
- ``writing``: workbooks and CSV files for exports, formulas neutralised
"""

from app.services.spreadsheets.cells import CellError, parse_date, parse_datetime
from app.services.spreadsheets.importer import StagedImport
from app.services.spreadsheets.reading import (
    ALLOWED_EXTENSIONS,
    Column,
    Layout,
    Table,
    TableFileError,
    TableRow,
    file_size,
    read_table,
)
from app.services.spreadsheets.staging import AlreadyImported, Expired
from app.services.spreadsheets.writing import XLSX_MIMETYPE, ChartSpec, Sheet, csv_text, workbook

__all__ = [
    "ALLOWED_EXTENSIONS", "XLSX_MIMETYPE", "AlreadyImported", "CellError", "ChartSpec", "Column", "Expired", "Layout",
    "Sheet", "StagedImport", "Table", "TableFileError", "TableRow", "csv_text", "file_size", "parse_date",
    "parse_datetime", "read_table", "workbook",
]
