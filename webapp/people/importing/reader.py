"""Read an uploaded workbook safely, streaming, and refuse what is not plainly a filled template.

Refused as a whole, with the place named: not an .xlsx (renamed files too), larger than the limit,
too large once unpacked or packed too densely (a zip bomb), a missing sheet, a header that differs,
merged cells, formula cells, too many rows (10 MB of empty rows too). openpyxl parses through
defusedxml when it is installed (it is a dependency), so XML entity tricks are refused as well.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .sheet import COLUMNS, HEADERS, MAX_ROWS, SHEET_TITLE

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 120 * 1024 * 1024
MAX_RATIO = 200  # unpacked / packed, per part: real sheets stay far below
# Blank rows tolerated in a row before the sheet is refused (a sheet padded with empty rows).
MAX_BLANK_RUN = 2_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong: row and column (None for the whole file) and what, in the user's language."""

    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class LayoutError(Exception):
    """The workbook is not a usable template; nothing in it is read."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _whole(message: str) -> LayoutError:
    return LayoutError([Problem(None, None, message)])


def check_container(data: bytes) -> None:
    """Cheap checks before anything is parsed (run in the request, so a bad file is refused at once)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise _whole(_("The file is larger than %(size)s MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if not data:
        raise _whole(_("The file is empty."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise _whole(_("The file is not an Excel workbook (.xlsx): start from the template."))
            if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
                raise _whole(_("The workbook is too large once unpacked."))
            for info in infos:
                if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _whole(_("The workbook is packed suspiciously densely (a “zip bomb”?): it is refused."))
            sheet_part = _sheet_part(archive)
            if sheet_part and _has_merged_cells(archive, sheet_part):
                raise LayoutError([Problem(1, None, _("Merged cells are not allowed: unmerge them (the header too)."))])
    except zipfile.BadZipFile:
        raise _whole(_("The file is not an Excel workbook (.xlsx): start from the template.")) from None


def _sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The zip part of the teachers' sheet (the first worksheet when names cannot be resolved)."""
    parts = sorted(name for name in archive.namelist() if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"))
    return parts[0] if parts else None


def _has_merged_cells(archive: zipfile.ZipFile, part: str) -> bool:
    """Scan the sheet's XML for <mergeCell> without parsing it (read-only mode does not report them)."""
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
    """Rows the sheet declares (its dimension), for the progress bar; 0 if unknown."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else None
        return max(0, (sheet.max_row or 1) - 1) if sheet is not None else 0
    finally:
        book.close()


def read_rows(data: bytes) -> Iterator[Row]:
    """The filled rows, streaming; LayoutError at the first thing that makes the sheet unusable."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise _whole(_("The file is not a readable Excel workbook (.xlsx).")) from None
    try:
        if SHEET_TITLE not in book.sheetnames:
            raise _whole(_("The sheet “%(sheet)s” is missing: start from the template.", sheet=SHEET_TITLE))
        sheet = book[SHEET_TITLE]
        if (sheet.max_row or 0) > MAX_ROWS + 1 + MAX_BLANK_RUN:
            raise _whole(_("At most %(count)s rows per sheet.", count=MAX_ROWS))
        width = len(COLUMNS)
        rows = sheet.iter_rows()
        header = next(rows, None)
        _check_header(header, width)
        blank_run = 0
        count = 0
        for cells in rows:
            count += 1
            if count > MAX_ROWS + MAX_BLANK_RUN:
                raise _whole(_("At most %(count)s rows per sheet.", count=MAX_ROWS))
            values = {}
            number = None
            for index, cell in enumerate(cells):
                if getattr(cell, "row", None) is not None:
                    number = cell.row
                if cell.value is None:
                    continue
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    raise LayoutError([Problem(number, get_column_letter(index + 1),
                                               _("Formulas are not allowed: paste the values instead."))])
                if index >= width:
                    if cell.value not in ("",):
                        raise LayoutError([Problem(number, get_column_letter(index + 1),
                                                   _("Unexpected column: remove it."))])
                    continue
                values[COLUMNS[index].key] = _plain(cell.value)
            if not any(v not in (None, "") for v in values.values()):
                blank_run += 1
                if blank_run > MAX_BLANK_RUN:
                    raise _whole(_("More than %(count)s empty rows in a row: delete them and upload again.",
                                   count=MAX_BLANK_RUN))
                continue
            blank_run = 0
            yield Row(number or count + 1, values)
    finally:
        book.close()


def _check_header(header, width: int) -> None:
    problems = []
    found = [cell.value for cell in header] if header else []
    for index, title in enumerate(HEADERS):
        value = str(found[index]).strip() if index < len(found) and found[index] is not None else ""
        if value != title:
            problems.append(Problem(1, get_column_letter(index + 1),
                                    _("The header should be “%(expected)s” but is “%(found)s”: start from the template.",
                                      expected=title, found=value)))
    for index in range(width, len(found)):
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
