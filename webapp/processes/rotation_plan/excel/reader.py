"""Read an uploaded workbook safely and check its layout: refuse what is not plainly a filled template.

Refused as a whole, with the place named: not an .xlsx, too big (also once unzipped), a sheet missing,
a header that differs, merged cells, formula cells, too many rows. Values come back as text, dates
or numbers per cell, with their row number.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .sheets import MAX_ROWS, SHEETS, Sheet

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the upload: where (sheet, row, column) and what, in the user's language."""

    sheet: str
    row: int | None
    column: str | None
    message: str


class LayoutError(Exception):
    """The workbook is not a usable template; nothing in it is read."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class Cell:
    """A value as typed in the sheet."""

    row: int
    column: str
    value: object


def read_workbook(data: bytes) -> dict[str, list[dict[str, Cell]]]:
    """sheet key → rows (column key → Cell), blank rows skipped; LayoutError if the layout is wrong."""
    _check_container(data)
    try:
        book = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise LayoutError([Problem("", None, None, _("The file is not a readable Excel workbook (.xlsx)."))]) from None
    problems: list[Problem] = []
    result = {}
    for sheet in SHEETS:
        if sheet.title not in book.sheetnames:
            problems.append(Problem(sheet.title, None, None,
                                    _("The sheet “%(sheet)s” is missing: start from the template.", sheet=sheet.title)))
            continue
        rows = _read_sheet(book[sheet.title], sheet, problems)
        result[sheet.key] = rows
    if problems:
        raise LayoutError(problems)
    return result


def _check_container(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise LayoutError([Problem("", None, None, _("The file is larger than 5 MB."))])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise LayoutError([Problem("", None, None, _("The workbook is too large once unpacked."))])
    except zipfile.BadZipFile:
        raise LayoutError([Problem("", None, None, _("The file is not a readable Excel workbook (.xlsx)."))]) from None


def _read_sheet(ws, sheet: Sheet, problems: list[Problem]) -> list[dict[str, Cell]]:
    width = len(sheet.columns)
    for merged in ws.merged_cells.ranges:
        where = _("header row") if merged.min_row == 1 else _("row %(row)s", row=merged.min_row)
        problems.append(Problem(sheet.title, merged.min_row, get_column_letter(merged.min_col),
                                _("Merged cells (%(range)s, %(where)s) are not allowed: unmerge them.",
                                  range=merged.coord, where=where)))
    if ws.max_row > MAX_ROWS + 1:
        problems.append(Problem(sheet.title, None, None, _("At most %(count)s rows per sheet.", count=MAX_ROWS)))
        return []
    header = [ws.cell(row=1, column=i + 1).value for i in range(max(width, ws.max_column))]
    for index, column in enumerate(sheet.columns):
        found = str(header[index]).strip() if header[index] is not None else ""
        if found != column.title:
            problems.append(Problem(sheet.title, 1, get_column_letter(index + 1),
                                    _("The header should be “%(expected)s” but is “%(found)s”: start from the template.",
                                      expected=column.title, found=found)))
    extra = [i for i in range(width, len(header)) if header[i] not in (None, "")]
    for index in extra:
        problems.append(Problem(sheet.title, 1, get_column_letter(index + 1), _("Unexpected column: remove it.")))
    rows = []
    for cells in ws.iter_rows(min_row=2, max_col=max(width, ws.max_column)):
        row_number = cells[0].row
        for cell in cells:
            if cell.data_type == "f":
                problems.append(Problem(sheet.title, row_number, cell.column_letter,
                                        _("Formulas are not allowed: paste the values instead.")))
        values = {column.key: Cell(row_number, get_column_letter(i + 1), _plain(cells[i].value))
                  for i, column in enumerate(sheet.columns)}
        if all(cell.value in (None, "") for cell in values.values()):
            continue
        rows.append(values)
    return rows


def _plain(value):
    """Trim text; keep dates, numbers and booleans."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, (date, int, float, bool)) or value is None:
        return value
    return str(value)
