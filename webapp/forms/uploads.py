"""Checks on uploaded evidence files before they are handed to the storage callback."""
from __future__ import annotations

import io
import os
import pathlib
import re

from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from .spec import DEFAULT_ACCEPT, DEFAULT_MAX_BYTES

# Leading bytes of the types we can recognise; a mismatch means a renamed file.
_MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


# A file name is stored and offered again on download: it must survive every file system.
MAX_NAME_BYTES = 255  # the common limit of a name (ext4, NTFS in UTF-16 units, most others)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Windows reserves these names, with or without an extension (`nul.pdf` opens the null device).
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{n}" for n in "123456789¹²³"] + [f"LPT{n}" for n in "123456789¹²³"]
)


def has_upload(upload: object) -> bool:
    """Browsers send an empty part with no file name for an untouched file input."""
    return isinstance(upload, FileStorage) and bool(upload.filename)


def accepted_extensions(schema: dict) -> tuple[str, ...]:
    """Lower-case extensions allowed by x-accept (a safe default if missing)."""
    accept = schema.get("x-accept")
    if isinstance(accept, list) and accept:
        return tuple(str(ext).lower() for ext in accept)
    return DEFAULT_ACCEPT


def max_bytes(schema: dict) -> int:
    """Size limit from x-max-bytes (a default if missing)."""
    limit = schema.get("x-max-bytes")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return limit
    return DEFAULT_MAX_BYTES


def human_size(size: int) -> str:
    """Byte count for people: '10 MB', '500 KB'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(size / 1024, 1):.3g} KB"


def name_problem(filename: str, field: str) -> str | None:
    """Translated reason to refuse a file's name, or None."""
    if _CONTROL_RE.search(filename):
        return gettext("%(field)s: the file name contains a line break or another control character. "
                       "Rename the file and choose it again.", field=field)
    if len(filename.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return gettext("%(field)s: the file name is too long (at most %(limit)d bytes; a Chinese character "
                       "takes 3). Rename the file and choose it again.", field=field, limit=MAX_NAME_BYTES)
    base = pathlib.PurePosixPath(filename.replace("\\", "/")).name
    device = base.split(".", 1)[0].rstrip(" ").upper()
    if device in _WINDOWS_DEVICES:
        return gettext("%(field)s: “%(name)s” is a name Windows reserves for a device. "
                       "Rename the file and choose it again.", field=field, name=base)
    return None


def unreadable_file_part(field: str) -> str:
    """A file part that arrived as plain text: its header broke, most often at a line break in the name."""
    return gettext("%(field)s: the file could not be received; its name probably contains a line break. "
                   "Rename the file and choose it again.", field=field)


def upload_problem(upload: FileStorage, schema: dict, field: str) -> str | None:
    """Translated reason to refuse an upload, or None; leaves the stream at its start."""
    problem = name_problem(upload.filename, field)
    if problem:
        return problem
    extension = pathlib.PurePosixPath(upload.filename.replace("\\", "/")).suffix.lower()
    allowed = accepted_extensions(schema)
    if extension not in allowed:
        return gettext(
            "%(field)s: files of type %(type)s are not accepted (allowed: %(allowed)s).",
            field=field, type=extension or "?", allowed=", ".join(allowed),
        )
    size = stream_size(upload)
    limit = max_bytes(schema)
    if size > limit:
        return gettext(
            "%(field)s: the file is larger than %(limit)s.", field=field, limit=human_size(limit)
        )
    if size == 0:
        return gettext("%(field)s: the file is empty.", field=field)
    head = upload.stream.read(16)
    upload.stream.seek(0)
    if extension in _MAGIC and not head.startswith(_MAGIC[extension]):
        return gettext(
            "%(field)s: the file content does not match its type %(type)s.",
            field=field, type=extension,
        )
    return None


def stream_size(upload: FileStorage) -> int:
    """Size of an upload in bytes; the stream is left at its start."""
    stream = upload.stream
    if not getattr(stream, "seekable", lambda: False)():
        # Buffering is bounded: the whole request is limited by MAX_CONTENT_LENGTH.
        stream = upload.stream = io.BytesIO(stream.read())
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size
