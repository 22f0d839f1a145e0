"""Files that a committed row points to: on disk durably before the transaction commits.

A row commits durably (PostgreSQL's fsync, SQLite's journal); a file written next to it sits in
the page cache until the kernel flushes it. After a crash the row could cite bytes that were
never written, or half of them. Write such files here: the bytes are fsynced under a temporary
name, renamed into place, and the directory's entry (and those of directories made for it)
fsynced too.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_durably(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically and durably (readers see the old file or the whole new one)."""
    created = make_directories(path.parent)
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    sync_directories(path.parent, *created)


def make_directories(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; return the directories whose entries changed
    (each new directory's parent), for `sync_directories`."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return [path.parent for path in missing]


def sync_directories(*directories: Path) -> None:
    """Make the directories' entries (a renamed or created name) durable."""
    for directory in directories:
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
