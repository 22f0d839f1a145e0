"""Coercing an HTML form post into typed JSON, following the field specs.

Only declared fields are read, so unknown and private keys never reach task
data. Empty inputs are left out ('' means absent), and a row of a repeated
section with nothing filled in is dropped.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable

from werkzeug.datastructures import FileStorage, MultiDict

from . import messages
from .checks import is_safe_key
from .errors import FieldError
from .spec import MAX_ROWS, FieldSpec, main_type
from .uploads import has_upload, unreadable_file_part, upload_problem
from .validation import EVIDENCE_ID_RE

ABSENT = object()  # "leave this key out", distinct from None / False / []
StoreFile = Callable[[FileStorage, dict], str]

_TRUE_VALUES = {"true", "on", "1", "yes"}
_INTEGER_RE = re.compile(r"[+-]?\d{1,18}")
_NUMBER_RE = re.compile(r"[+-]?(\d{1,18}(\.\d{0,18})?|\.\d{1,18})([eE][+-]?\d{1,3})?")
_NAME_BREAK_RE = re.compile(r"[.\[]")


class Submission:
    """The posted fields and files, the storage callback, and errors found so far."""

    def __init__(self, form: MultiDict, files: MultiDict, store_file: StoreFile,
                 allowed_evidence: set[str] | None):
        """``allowed_evidence``: ids that may be kept from hidden inputs (None: any)."""
        self.form = form
        self.files = files
        self.store_file = store_file
        self.allowed_evidence = allowed_evidence
        self.errors: list[FieldError] = []
        self.filled = self._filled_prefixes()

    def _filled_prefixes(self) -> set[str]:
        """Every name prefix ('papers', 'papers[3]', ...) under which something was filled in."""
        names = [key for key in self.form.keys()
                 if any(value.strip() for value in self.form.getlist(key))]
        names += [key for key in self.files.keys()
                  if any(has_upload(upload) for upload in self.files.getlist(key))]
        prefixes = set()
        for name in names:
            prefixes.update(name[:match.start()] for match in _NAME_BREAK_RE.finditer(name))
            prefixes.add(name)
        return prefixes

    def error(self, path: tuple, label: str, message: str) -> None:
        """Record a problem with one field."""
        self.errors.append(FieldError(path, label, message))

    def kept_evidence(self, spec: FieldSpec, name: str, path: tuple) -> list[str]:
        """Evidence ids posted back in hidden inputs (only well-formed and, if known, allowed).

        Anything else under a file field's name is a file part that arrived as text: a line break
        in the file name ends the part's header early, and the parser then sees a plain field.
        Saying so beats dropping the file silently.
        """
        kept = []
        if any(value and not EVIDENCE_ID_RE.fullmatch(value) for value in self.form.getlist(name)):
            self.error(path, spec.label, unreadable_file_part(spec.label))
        for value in self.form.getlist(name):
            if (EVIDENCE_ID_RE.fullmatch(value) and value not in kept
                    and (self.allowed_evidence is None or value in self.allowed_evidence)):
                kept.append(value)
        return kept

    def store(self, spec: FieldSpec, upload: FileStorage, path: tuple) -> object:
        """Check and store one upload; its evidence id, or ABSENT after recording an error."""
        problem = upload_problem(upload, spec.upload_schema, spec.label)
        if problem is None:
            try:
                return self.store_file(upload, spec.upload_schema)
            except ValueError as error:  # the store's own refusal, already translated
                problem = str(error)
        self.error(path, spec.label, problem)
        return ABSENT


def evidence_in(specs: list[FieldSpec], data: object) -> set[str]:
    """Evidence ids stored in the file fields of previously saved data."""
    found: set[str] = set()
    if not isinstance(data, dict):
        return found
    for spec in specs:
        value = data.get(spec.key)
        if spec.kind == "evidence" and isinstance(value, str):
            found.add(value)
        elif spec.kind == "evidence_list" and isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
        elif spec.kind == "group":
            found |= evidence_in(spec.children, value)
        elif spec.kind == "repeat" and isinstance(value, list):
            for row in value:
                found |= evidence_in(spec.children, row)
    return found


def has_file_field(specs: list[FieldSpec]) -> bool:
    """True if any field of the form (in groups and repeated rows too) takes an upload."""
    return any(spec.kind in ("evidence", "evidence_list") or has_file_field(spec.children) for spec in specs)


def join_name(prefix: str, key: str) -> str:
    """Name of a sub-field: 'address' + 'city' -> 'address.city'."""
    return f"{prefix}.{key}" if prefix else key


def parse_object(specs: list[FieldSpec], source: str, path: tuple, sub: Submission) -> dict:
    """Typed values of the fields of one object; empty fields are left out."""
    result = {}
    for spec in specs:
        if not is_safe_key(spec.key):  # specs are filtered already; never trust one layer
            continue
        value = _PARSERS[spec.kind](spec, join_name(source, spec.key), path + (spec.key,), sub)
        if value is not ABSENT:
            result[spec.key] = value
    return result


def _text(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Single-line text: surrounding whitespace removed."""
    return sub.form.get(name, "").strip() or ABSENT


def _textarea(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Multi-line text, kept as typed (Chinese paragraphs start with full-width spaces)."""
    value = sub.form.get(name, "").replace("\r\n", "\n")
    return value if value.strip() else ABSENT


def parse_number(text: str, integer: bool) -> int | float | None:
    """The number in ``text``, or None if it is not one (or not whole when ``integer``)."""
    text = text.strip()
    if _INTEGER_RE.fullmatch(text):
        return int(text)
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = float(text)
    if not math.isfinite(value):
        return None
    if integer:
        return int(value) if value.is_integer() and abs(value) < 2**53 else None
    return value


def _number(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Integer or number input; a bad number is an error, not an exception."""
    text = sub.form.get(name, "").strip()
    if not text:
        return ABSENT
    integer = main_type(spec.schema) == "integer"
    value = parse_number(text, integer)
    if value is None:
        message = messages.whole_number if integer else messages.number
        sub.error(path, spec.label, message(spec.label))
        return ABSENT
    return value


def _checkbox(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """A checkbox is posted only when ticked."""
    return sub.form.get(name, "").strip().lower() in _TRUE_VALUES


def _decode_choice(spec: FieldSpec, token: str) -> object:
    """The typed value of a posted option; unknown tokens pass through for validation to reject."""
    for choice in spec.choices:
        if choice.token == token:
            return choice.value
    return token


def _choice(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Select or radio group."""
    token = sub.form.get(name, "")
    return _decode_choice(spec, token) if token else ABSENT


def _checkboxes(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Checkbox group: every ticked option, once, in posted order."""
    tokens = list(dict.fromkeys(token for token in sub.form.getlist(name) if token))
    # Not cut at maxItems: too many ticks must be refused by validation (a ballot naming too
    # many candidates is invalid, not shortened). MAX_ROWS still bounds the work.
    values = [_decode_choice(spec, token) for token in tokens[:MAX_ROWS]]
    return values or ABSENT


def _uploads(sub: Submission, name: str) -> list[FileStorage]:
    """Files actually chosen in a file input."""
    return [upload for upload in sub.files.getlist(name) if has_upload(upload)]


def _evidence(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """One file: a new upload replaces the id kept in the hidden input."""
    uploads = _uploads(sub, name)
    if uploads:
        stored = sub.store(spec, uploads[0], path)
        if stored is not ABSENT:
            return stored
    kept = sub.kept_evidence(spec, name, path)
    return kept[0] if kept else ABSENT


def _evidence_list(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Several files: the kept ids plus the new uploads."""
    ids = sub.kept_evidence(spec, name, path)
    for upload in _uploads(sub, name):
        if len(ids) >= spec.max_rows:
            sub.error(path, spec.label, messages.too_many_items(spec.label, spec.max_rows))
            break
        stored = sub.store(spec, upload, path)
        if stored is not ABSENT and stored not in ids:
            ids.append(stored)
    return ids or ABSENT


def _lines(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Array of plain scalars edited as a textarea, one item per line."""
    item_type = main_type(spec.item_schema)
    items = []
    for line in sub.form.get(name, "").splitlines():
        if not line.strip() or len(items) >= spec.max_rows:
            continue
        if item_type in ("integer", "number"):
            value = parse_number(line, item_type == "integer")
            if value is None:
                message = messages.whole_number if item_type == "integer" else messages.number
                sub.error(path, spec.label, message(spec.label))
                return ABSENT
            items.append(value)
        else:
            items.append(line.strip())
    return items or ABSENT


def _group(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Nested object: absent when none of its fields was filled in."""
    if name not in sub.filled:
        return ABSENT
    return parse_object(spec.children, name, path, sub) or ABSENT


def _repeat(spec: FieldSpec, name: str, path: tuple, sub: Submission) -> object:
    """Array of objects from 'name[i].sub' keys: re-indexed, empty rows dropped, capped."""
    row_re = re.compile(re.escape(name) + r"\[([0-9]{1,6})\]")
    indices = sorted({int(m.group(1)) for m in map(row_re.fullmatch, sub.filled) if m})
    rows = []
    for index in indices:
        if len(rows) >= spec.max_rows:
            sub.error(path, spec.label, messages.too_many_items(spec.label, spec.max_rows))
            break
        errors_before = len(sub.errors)
        row = parse_object(spec.children, f"{name}[{index}]", path + (len(rows),), sub)
        # A row with only bad input is kept (as {}) so its errors point at a real row.
        if row or len(sub.errors) > errors_before:
            rows.append(row)
    return rows or ABSENT


_PARSERS: dict[str, Callable[[FieldSpec, str, tuple, Submission], object]] = {
    "text": _text,
    "date": _text,
    "email": _text,
    "textarea": _textarea,
    "number": _number,
    "checkbox": _checkbox,
    "select": _choice,
    "radio": _choice,
    "checkboxes": _checkboxes,
    "evidence": _evidence,
    "evidence_list": _evidence_list,
    "lines": _lines,
    "group": _group,
    "repeat": _repeat,
}
