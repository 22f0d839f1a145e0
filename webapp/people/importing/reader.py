"""Read an uploaded workbook safely, streaming, and refuse what is not plainly a filled template.

Refused as a whole, with the place named: not an .xlsx (renamed files too), larger than the limit,
too large once unpacked or packed too densely (a zip bomb), a missing sheet, a header that differs,
merged cells, formula cells, too many rows (10 MB of empty rows too). The sheet is parsed by the
shared streaming reader (`webapp.imports.xlsx`), which refuses any DOCTYPE, so XML entity tricks
are refused as well.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from ...imports.xlsx import LayoutError, Problem, Workbook, check_archive, whole
from .sheet import COLUMNS, HEADERS, KEYS, MAX_ROWS, SHEET_TITLE

__all__ = ["COLUMN_LETTERS", "LayoutError", "Problem", "Row", "check_container", "count_rows", "read_rows"]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Blank rows tolerated in a row before the sheet is refused (a sheet padded with empty rows).
MAX_BLANK_RUN = 2_000


def check_container(data: bytes) -> None:
    """Cheap checks before anything is parsed (run in the request, so a bad file is refused at once)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise whole(_("The file is larger than %(size)s MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if not data:
        raise whole(_("The file is empty."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive)
            sheet_part = _sheet_part(archive)
            if sheet_part and _has_merged_cells(archive, sheet_part):
                raise LayoutError([Problem(1, None, _("Merged cells are not allowed: unmerge them (the header too)."))])
    except zipfile.BadZipFile:
        raise whole(_("The file is not an Excel workbook (.xlsx): start from the template.")) from None


def _sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The zip part of the teachers' sheet (the first worksheet when names cannot be resolved)."""
    parts = sorted(name for name in archive.namelist() if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"))
    return parts[0] if parts else None


def _has_merged_cells(archive: zipfile.ZipFile, part: str) -> bool:
    """Scan the sheet's XML for <mergeCell> without parsing it (refused before the background job starts)."""
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            if b"<mergeCell " in tail + chunk or b":mergeCell " in tail + chunk:
                return True
            tail = chunk[-32:]
    return False


@dataclass
class Row:
    """One sheet row: its number and the values by column key."""

    number: int
    values: dict

    def letter(self, key: str) -> str:
        return COLUMN_LETTERS[key]


COLUMN_LETTERS = {column.key: get_column_letter(index + 1) for index, column in enumerate(COLUMNS)}


def count_rows(data: bytes) -> int:
    """Rows the sheet declares (its dimension, else its row tags), for the progress bar; 0 if unknown."""
    book = Workbook(data)
    try:
        return max(0, book.sheet(SHEET_TITLE).size() - 1) if SHEET_TITLE in book.sheets else 0
    finally:
        book.close()


def read_rows(data: bytes) -> Iterator[Row]:
    """The filled rows, streaming; LayoutError at the first thing that makes the sheet unusable."""
    book = Workbook(data)
    try:
        sheet = book.sheet(SHEET_TITLE)
        if sheet.size() > MAX_ROWS + 1 + MAX_BLANK_RUN:
            raise whole(_("At most %(count)s rows per sheet.", count=MAX_ROWS))
        rows = sheet.rows()
        first = next(rows, None)
        # Row 1 is the header; a sheet whose first row is further down has an empty header.
        has_header = first is not None and first[0] == 1
        _check_header(first[1] if has_header else {})
        yield from _data_rows(([] if has_header or first is None else [first]), rows)
    finally:
        book.close()


def _data_rows(first: list, rows: Iterator) -> Iterator[Row]:
    width = len(COLUMNS)
    blank_run, last = 0, 1
    for number, cells in _chain(first, rows):
        if number > MAX_ROWS + MAX_BLANK_RUN + 1:
            raise whole(_("At most %(count)s rows per sheet.", count=MAX_ROWS))
        values = {}
        for index, value in cells.items():
            if isinstance(value, str) and value.startswith("="):
                raise LayoutError([Problem(number, get_column_letter(index + 1),
                                           _("Formulas are not allowed: paste the values instead."))])
            if index >= width:
                if value != "":
                    raise LayoutError([Problem(number, get_column_letter(index + 1), _("Unexpected column: remove it."))])
                continue
            values[KEYS[index]] = _plain(value)
        blank_run += number - last - 1  # rows the sheet leaves out are empty rows
        last = number
        filled = any(v not in (None, "") for v in values.values())
        if not filled:
            blank_run += 1
        if blank_run > MAX_BLANK_RUN:
            raise whole(_("More than %(count)s empty rows in a row: delete them and upload again.", count=MAX_BLANK_RUN))
        if filled:
            blank_run = 0
            yield Row(number, values)


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _check_header(cells: dict) -> None:
    problems = []
    found = [cells.get(index) for index in range(max(cells, default=-1) + 1)]
    for index, title in enumerate(HEADERS):
        value = str(found[index]).strip() if index < len(found) and found[index] is not None else ""
        if value != title:
            problems.append(Problem(1, get_column_letter(index + 1),
                                    _("The header should be “%(expected)s” but is “%(found)s”: start from the template.",
                                      expected=title, found=value)))
    for index in range(len(COLUMNS), len(found)):
        if found[index] not in (None, ""):
            problems.append(Problem(1, get_column_letter(index + 1), _("Unexpected column: remove it.")))
    if problems:
        raise LayoutError(problems)


def _plain(value):
    """Trim text; keep dates, numbers and booleans."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, (date, int, float, bool)):
        return value
    return str(value)
