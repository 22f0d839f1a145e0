"""Reading form files safely: file-name rules, size limit, strict UTF-8 JSON."""
from __future__ import annotations

import json
import os
import pathlib
import re

from .errors import FormFileError

# A plain file name: no directories, no leading dot, must end in .json.
FILENAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.json")
MAX_FILE_BYTES = 256 * 1024


def is_plain_filename(name: object) -> bool:
    """True if ``name`` is an acceptable form file name (no path, no URL)."""
    return isinstance(name, str) and FILENAME_RE.fullmatch(name) is not None


def is_ui_filename(name: str) -> bool:
    """UI schemas are told apart from JSON Schemas by their name (SpiffArena convention)."""
    return name.endswith("uischema.json")


def safe_path(forms_dir: pathlib.Path, filename: str) -> pathlib.Path:
    """Resolve ``filename`` to a regular file directly inside ``forms_dir`` or raise."""
    if not is_plain_filename(filename):
        raise FormFileError(
            filename, f"file name {filename!r} must match [A-Za-z0-9_][A-Za-z0-9_.-]*.json"
        )
    try:
        # resolve() follows symlinks, so a link pointing outside is caught below.
        real = (forms_dir / filename).resolve(strict=True)
    except (OSError, RuntimeError):
        raise FormFileError(filename, "file not found in the forms directory") from None
    if real.parent != forms_dir:
        raise FormFileError(filename, "file resolves outside the forms directory")
    if not real.is_file():
        raise FormFileError(filename, "not a regular file")
    return real


def file_stamp(path: pathlib.Path) -> tuple:
    """Identity of a file version, used to invalidate caches when it changes."""
    info = os.stat(path)
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def read_json(path: pathlib.Path, filename: str) -> object:
    """Parse a form file from bytes: at most 256 KB, UTF-8, no duplicate keys, no NaN."""
    with open(path, "rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise FormFileError(filename, f"file is larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        # utf-8-sig: editors on Windows like to add a byte-order mark; accept it.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormFileError(
            filename, f"file is not valid UTF-8 (byte {error.start}); save it as UTF-8"
        ) from None
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as error:
        raise FormFileError(
            filename, f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:
        raise FormFileError(filename, f"invalid JSON: {error}") from None
    except RecursionError:
        raise FormFileError(filename, "JSON is nested too deeply") from None


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """json object hook: a repeated key silently drops a value, so refuse it."""
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    """json constant hook: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not allowed")
