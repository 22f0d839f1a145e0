"""The editable files: names, kinds, limits, and the shipped files they start from."""
from __future__ import annotations

import re
from pathlib import Path

from flask import current_app

# Editable names: a directory and a plain file name (no sub-directories, nothing hidden).
_NAME = re.compile(r"^(workflows|forms)/[A-Za-z0-9_][A-Za-z0-9_.-]{0,150}$")
POLICY_FILE = "workflows/reminders.json"
MAX_BYTES = {"bpmn": 2 * 1024 * 1024, "dmn": 2 * 1024 * 1024, "form": 256 * 1024, "policy": 256 * 1024}


def kind_of(filename: str) -> str | None:
    """'bpmn', 'dmn', 'form' or 'policy' for an editable name; None for anything else."""
    if not isinstance(filename, str) or not _NAME.match(filename) or ".." in filename:
        return None
    if filename == POLICY_FILE:
        return "policy"
    if filename.startswith("workflows/") and filename.endswith(".bpmn"):
        return "bpmn"
    if filename.startswith("workflows/") and filename.endswith(".dmn"):
        return "dmn"
    if filename.startswith("forms/") and filename.endswith(".json"):
        return "form"
    return None


def _dirs() -> dict[str, Path]:
    """Where the shipped files live (configurable, like the engine's own directories)."""
    config = current_app.config
    return {"workflows": Path(config["WORKFLOWS_DIR"]), "forms": Path(config["FORMS_DIR"])}


def policy_path() -> Path:
    """The reminder policy file in force for the default scope's shipped version."""
    configured = current_app.config.get("REMINDER_POLICY_FILE")
    return Path(configured) if configured else _dirs()["workflows"] / "reminders.json"


def _path_of(filename: str) -> Path:
    if filename == POLICY_FILE:
        return policy_path()
    folder, _, name = filename.partition("/")
    return _dirs()[folder] / name


def shipped_names() -> list[str]:
    """Every editable file that ships with the application, sorted."""
    names = []
    for folder, path in _dirs().items():
        if path.is_dir():
            names += [f"{folder}/{p.name}" for p in path.iterdir()
                      if p.is_file() and not p.is_symlink() and kind_of(f"{folder}/{p.name}")]
    if POLICY_FILE not in names and policy_path().is_file():
        names.append(POLICY_FILE)
    return sorted(names)


def shipped_content(filename: str) -> bytes | None:
    """The shipped file's bytes (version 0), or None if it does not ship."""
    if kind_of(filename) is None:
        return None
    path = _path_of(filename)
    if not path.is_file() or path.stat().st_size > MAX_BYTES[kind_of(filename)]:
        return None
    return path.read_bytes()


def shipped_stamp() -> tuple:
    """Changes whenever a shipped file changes (file caches are keyed on it)."""
    stamps = []
    for name in shipped_names():
        status = _path_of(name).stat()
        stamps.append((name, status.st_mtime_ns, status.st_size))
    return tuple(stamps)
