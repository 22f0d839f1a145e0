"""A report table as an .xlsx workbook (openpyxl's write-only mode: constant memory)."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .queries import Table


def _safe(value):
    """Text that a spreadsheet would run as a formula is written as text (CSV/Excel injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def workbook_bytes(table: Table, scope_name: str) -> bytes:
    """One sheet: the title, the header row, the rows, the total row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="报表")
    title = WriteOnlyCell(sheet, value=f"{table.title} · {scope_name}")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_safe(value) for value in row])
    if table.total:
        sheet.append([_safe(value) for value in table.total])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
