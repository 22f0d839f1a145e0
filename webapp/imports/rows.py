"""A sheet's rows as plain lists, for imports that take the first sheet as it comes (the training
centre's attendance and score sheets, the earlier title holders), read through the safe reader
of `xlsx.py`; and a cell's value as the text a person typed."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from .xlsx import Workbook


def first_sheet_rows(data: bytes, last: int) -> Iterator[tuple[int, list[object]]]:
    """The first sheet's rows up to row number `last`, in order, as (row number, values): the values
    from column A to the row's last filled cell, None where a cell is empty; rows the sheet leaves out
    are not yielded. The sheet is read no further than the first row past `last`, so a caller that
    wants to know whether a sheet is too long asks for one row more than it accepts.

    The workbook is opened by the first `next()` and closed when the iteration ends (or the generator
    is closed); LayoutError, raised from the iteration, refuses the file as `Workbook` and
    `Sheet.rows` do: not a workbook, no sheet, a zip bomb, a DOCTYPE, a formula, merged cells.
    """
    book = Workbook(data)
    try:
        for number, cells in book.sheet().rows():
            if number > last:
                return
            yield number, [cells.get(index) for index in range(max(cells, default=-1) + 1)]
    finally:
        book.close()


def cell_text(value: object) -> str:
    """A cell's value as the text a person typed: a date (or a datetime) as YYYY-MM-DD, a whole
    number without ".0", anything else stripped; an empty cell is ""."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()
