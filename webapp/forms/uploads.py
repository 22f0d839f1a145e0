"""Checks on uploaded evidence files before they are handed to the storage callback."""
from __future__ import annotations

import io
import os
import pathlib

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


def upload_problem(upload: FileStorage, schema: dict, field: str) -> str | None:
    """Translated reason to refuse an upload, or None; leaves the stream at its start."""
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
