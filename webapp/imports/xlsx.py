"""Read one sheet of an uploaded .xlsx safely and fast: a streaming expat parse of the sheet's XML.

openpyxl (read-only mode) builds an element tree and an object per cell; for a province's 40,000
rows that alone took most of an import's minute, and a sheet without a `<dimension>` (openpyxl's
own write-only output) is parsed twice. Here the sheet part is fed to expat in chunks and only the
values are kept: shared and inline strings, numbers, booleans, ISO dates, and numbers in a date
format turned into datetimes (openpyxl's own format rules and epoch arithmetic are reused).

Refused as a whole, with the place named (`LayoutError`): not a zip or not a workbook, too large
unpacked or packed too densely (a zip bomb), any DOCTYPE (entity tricks), a missing sheet,
merged cells, formula cells. What a sheet must look like beyond that is the caller's business.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from flask_babel import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

MAX_UNZIPPED_BYTES = 120 * 1024 * 1024
MAX_RATIO = 200  # unpacked / packed, per part: real sheets stay far below
CHUNK = 1 << 16
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
# What a damaged archive or part raises while it is read (bad CRC, truncated stream, unknown method).
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError, RuntimeError, OSError)


@dataclass(frozen=True)
class Problem:
    """One thing wrong: row and column (None for the whole file) and what, in the user's language."""

    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("Row %(row)s: %(message)s", row=self.row, message=self.message)
        return _("Row %(row)s, column %(column)s: %(message)s", row=self.row, column=self.column, message=self.message)


class LayoutError(Exception):
    """The workbook is not usable; nothing in it is read."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def whole(message: str) -> LayoutError:
    """A refusal of the whole file."""
    return LayoutError([Problem(None, None, message)])


def _not_a_workbook() -> LayoutError:
    return whole(_("The file is not an Excel workbook (.xlsx): start from the template."))


def check_archive(archive: zipfile.ZipFile) -> None:
    """A workbook's parts are there, and nothing unpacks to too much or from too little (zip bomb)."""
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_a_workbook()
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise whole(_("The workbook is too large once unpacked."))
    for info in infos:
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise whole(_("The workbook is packed suspiciously densely (a “zip bomb”?): it is refused."))


def _parse(archive: zipfile.ZipFile, part: str, start=None, end=None, text=None, limit: int | None = None) -> None:
    """Feed one XML part to expat in chunks; a DOCTYPE (entity declarations) refuses the file."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_doctype
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                if limit is not None and stream.tell() > limit:
                    break
            parser.Parse(b"", True)
    except (expat.ExpatError, *_DAMAGED):
        raise whole(_("The file is not a readable Excel workbook (.xlsx).")) from None


def _tag(name: str) -> str:
    return name.rpartition("}")[2]


class Workbook:
    """An opened workbook: its sheets by name, shared strings and date styles, read once."""

    def __init__(self, data: bytes):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError):
            raise _not_a_workbook() from None
        check_archive(self.archive)
        self.sheets: dict[str, str] = {}  # name → part, in the workbook's order
        self.epoch = CALENDAR_WINDOWS_1900
        try:
            self._read_workbook()
            self.strings = self._read_strings()
            self.date_styles = self._read_date_styles()
        except (*_DAMAGED, ValueError):
            raise whole(_("The file is not a readable Excel workbook (.xlsx).")) from None

    def close(self) -> None:
        self.archive.close()

    def _part(self, name: str) -> bool:
        return name in self.archive.NameToInfo

    def _read_workbook(self) -> None:
        rels: dict[str, tuple[str, str]] = {}

        def rel(name, attrs):
            if _tag(name) == "Relationship":
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                rels[attrs.get("Id")] = (attrs.get("Type", ""), target)

        if self._part("xl/_rels/workbook.xml.rels"):
            _parse(self.archive, "xl/_rels/workbook.xml.rels", start=rel)
        self._rels = rels
        order: list[tuple[str, str]] = []

        def sheet(name, attrs):
            tag = _tag(name)
            if tag == "sheet":
                target = rels.get(attrs.get(f"{_NS_REL}}}id"), ("", ""))[1]
                order.append((attrs.get("name", ""), target))
            elif tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904

        _parse(self.archive, "xl/workbook.xml", start=sheet)
        self.sheets = {name: part for name, part in order if self._part(part)}

    def _related(self, kind: str, default: str) -> str | None:
        for rel_type, target in self._rels.values():
            if rel_type.endswith("/" + kind):
                return target if self._part(target) else None
        return default if self._part(default) else None

    def _read_strings(self) -> list[str]:
        part = self._related("sharedStrings", "xl/sharedStrings.xml")
        strings: list[str] = []
        if part is None:
            return strings
        pieces: list[str] = []
        state = {"in_t": False, "phonetic": 0}

        def start(name, _attrs):
            tag = _tag(name)
            if tag == "si":
                pieces.clear()
            elif tag == "rPh":
                state["phonetic"] += 1
            elif tag == "t" and not state["phonetic"]:
                state["in_t"] = True

        def end(name):
            tag = _tag(name)
            if tag == "si":
                strings.append("".join(pieces))
            elif tag == "rPh":
                state["phonetic"] -= 1
            elif tag == "t":
                state["in_t"] = False

        def text(data):
            if state["in_t"]:
                pieces.append(data)

        _parse(self.archive, part, start, end, text)
        return strings

    def _read_date_styles(self) -> frozenset[int]:
        part = self._related("styles", "xl/styles.xml")
        if part is None:
            return frozenset()
        custom: dict[int, str] = {}
        formats: list[int] = []
        depth = {"cellXfs": False}

        def start(name, attrs):
            tag = _tag(name)
            if tag == "numFmt":
                custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                depth["cellXfs"] = True
            elif tag == "xf" and depth["cellXfs"]:
                formats.append(int(attrs.get("numFmtId", "0") or 0))

        def end(name):
            if _tag(name) == "cellXfs":
                depth["cellXfs"] = False

        _parse(self.archive, part, start, end)
        return frozenset(index for index, fmt in enumerate(formats)
                         if is_date_format(custom.get(fmt, BUILTIN_FORMATS.get(fmt, ""))))

    def sheet(self, name: str | None = None) -> "Sheet":
        """The sheet of that name (the first one when None); LayoutError if there is none."""
        if name is None:
            if not self.sheets:
                raise _not_a_workbook()
            return Sheet(self, next(iter(self.sheets.values())))
        if name not in self.sheets:
            raise whole(_("The sheet “%(sheet)s” is missing: start from the template.", sheet=name))
        return Sheet(self, self.sheets[name])


class _Formula(Exception):
    def __init__(self, row: int, column: int):
        self.row, self.column = row, column


class _Merged(Exception):
    pass


class Sheet:
    """One worksheet, read row by row."""

    def __init__(self, book: Workbook, part: str):
        self.book, self.part = book, part

    def size(self) -> int:
        """The last row the sheet's `<dimension>` declares, read from the part's first bytes; a sheet
        without one (openpyxl's write-only output) has its `<row>` tags counted instead."""
        found: list[int | None] = []

        def start(name, attrs):
            tag = _tag(name)
            if tag == "dimension" and not found:
                numbers = [int(m.group(2)) for m in _CELL_REF.finditer(attrs.get("ref", ""))]
                found.append(max(numbers) if numbers else None)
            elif tag == "sheetData" and not found:
                found.append(None)

        try:
            _parse(self.book.archive, self.part, start=start, limit=CHUNK)
        except LayoutError:
            pass  # the part is cut short, so not well-formed: what was found is enough
        if found and found[0]:
            return found[0]
        count, tail = 0, b""
        try:
            with self.book.archive.open(self.part) as stream:
                while chunk := stream.read(1 << 20):
                    window = tail + chunk
                    count += window.count(b"<row ") + window.count(b"<row>") - tail.count(b"<row ") - tail.count(b"<row>")
                    tail = chunk[-8:]
        except _DAMAGED:
            raise whole(_("The file is not a readable Excel workbook (.xlsx).")) from None
        return count

    def rows(self) -> Iterator[tuple[int, dict[int, object]]]:
        """(row number, {column index from 0: value}) for every row the sheet holds, in order; empty
        cells are left out. LayoutError at a formula cell or at merged cells."""
        book = self.book
        strings, dates, epoch = book.strings, book.date_styles, book.epoch
        ready: list[tuple[int, dict]] = []
        row: dict[int, object] = {}
        text: list[str] = []
        number, column, kind, style, formula, in_text, phonetic = 0, -1, "n", 0, False, False, 0
        local = _LocalNames()

        # Plain expat (no namespace processing, the tags' local names cached): these two handlers
        # run for every element of the sheet, so they stay as small as they can.
        def start(name, attrs):
            nonlocal number, column, kind, style, formula, in_text, phonetic
            tag = local[name]
            if tag == "c":
                ref = attrs.get("r")
                if ref:
                    column = -1
                    for letter in ref:
                        if letter > "9":
                            column = (column + 1) * 26 + ord(letter) - 65
                        else:
                            break
                else:
                    column += 1
                kind = attrs.get("t", "n")
                style = attrs.get("s")
                formula = False
                text.clear()
            elif tag == "v" or tag == "t" and not phonetic:
                in_text = True
            elif tag == "row":
                found = attrs.get("r")
                number = int(found) if found else number + 1
                column = -1
                row.clear()
            elif tag == "f":
                formula = True
            elif tag == "rPh":
                phonetic += 1
            elif tag == "mergeCell":
                raise _Merged()

        def end(name):
            nonlocal in_text, phonetic
            tag = local[name]
            if tag == "c":
                if formula:
                    raise _Formula(number, column)
                value = _value(kind, "".join(text), style is not None and int(style) in dates, strings, epoch)
                if value is not None:
                    row[column] = value
            elif tag == "v" or tag == "t":
                in_text = False
            elif tag == "row":
                ready.append((number, dict(row)))
            elif tag == "rPh":
                phonetic -= 1

        def characters(data):
            if in_text:
                text.append(data)

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_doctype
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = characters
        try:
            with book.archive.open(self.part) as stream:
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                    yield from ready
                    ready.clear()
                parser.Parse(b"", True)
                yield from ready
        except _Formula as found:
            raise LayoutError([Problem(found.row, get_column_letter(found.column + 1),
                                       _("Formulas are not allowed: paste the values instead."))]) from None
        except _Merged:
            raise LayoutError([Problem(1, None, _("Merged cells are not allowed: unmerge them (the header too)."))]) from None
        except (expat.ExpatError, ValueError, IndexError, OverflowError, *_DAMAGED):
            raise whole(_("The file is not a readable Excel workbook (.xlsx).")) from None


class _LocalNames(dict):
    """Tag → its local name (`x:row` → `row`), computed once per distinct tag."""

    def __missing__(self, name: str) -> str:
        self[name] = local = name.rpartition(":")[2]
        return local


def _refuse_doctype(*_args):
    raise whole(_("The file is not a readable Excel workbook (.xlsx)."))


def _value(kind: str, raw: str, is_date: bool, strings: list[str], epoch):
    """A cell's value from its type and text, as openpyxl gives it (data_only=False)."""
    if kind == "s":
        return strings[int(raw)] if raw else None
    if kind in ("inlineStr", "str", "e"):
        return raw if raw or kind == "inlineStr" else None
    if not raw:
        return None
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "d":
        return from_ISO8601(raw)
    number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    if is_date:
        return from_excel(number, epoch)
    return number
