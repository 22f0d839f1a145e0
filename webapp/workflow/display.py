"""Show form data people entered as label/value pairs, in the page's language."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from ..i18n import is_english


@dataclass
class Entry:
    """One answered field: a label and either a text value, evidence ids, or nested rows."""

    label: str
    text: str = ""
    evidence: list[str] = field(default_factory=list)
    rows: list[list["Entry"]] = field(default_factory=list)


def localized(node: dict, key: str) -> str | None:
    """`title`/`description` in the page's language (the `x-<key>-en` variant for English)."""
    if is_english() and node.get(f"x-{key}-en"):
        return node[f"x-{key}-en"]
    return node.get(key)


def describe(form_file: str | None, data: dict | None) -> list[Entry]:
    """Label/value entries for `data` as entered on the form `form_file` (unknown keys are skipped)."""
    if not data:
        return []
    if not form_file:
        return [Entry(label=str(k), text=_plain(v)) for k, v in data.items()]
    try:
        schema = current_app.extensions["form_library"].schema(form_file)
    except Exception:  # a form file broken since: still show the raw answers
        return [Entry(label=str(k), text=_plain(v)) for k, v in data.items()]
    return _describe_object(schema, data, depth=0)


def _describe_object(schema: dict, data: dict, depth: int) -> list[Entry]:
    """Entries for the declared properties of an object, in schema order."""
    entries = []
    for name, node in (schema.get("properties") or {}).items():
        if name in data and depth < 6:
            entries.append(_describe_value(localized(node, "title") or name, node, data[name], depth))
    return entries


def _describe_value(label: str, node: dict, value: Any, depth: int) -> Entry:
    """One entry, by the kind of field."""
    if node.get("format") == "x-evidence":
        return Entry(label=label, evidence=[value] if isinstance(value, str) else [])
    if node.get("type") == "array":
        items = node.get("items") or {}
        if items.get("format") == "x-evidence":
            return Entry(label=label, evidence=[v for v in value or [] if isinstance(v, str)])
        if items.get("type") == "object":
            rows = [_describe_object(items, row, depth + 1) for row in value or [] if isinstance(row, dict)]
            return Entry(label=label, rows=rows)
        return Entry(label=label, text="、".join(_choice_label(items, v) for v in value or []))
    if isinstance(value, bool):
        return Entry(label=label, text=_("Yes") if value else _("No"))
    return Entry(label=label, text=_choice_label(node, value))


def _choice_label(node: dict, value: Any) -> str:
    """The label of a choice (`oneOf` with `const`), or the value itself."""
    for option in node.get("oneOf") or []:
        if isinstance(option, dict) and option.get("const") == value:
            return localized(option, "title") or str(value)
    return _plain(value)


def _plain(value: Any) -> str:
    """Text for a value with no schema to describe it."""
    if value is None:
        return ""
    return str(value)
