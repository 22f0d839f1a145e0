"""Show form data people entered as label/value pairs, in the page's language."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..i18n import is_english, join_list
from ..models import Evidence, EvidenceLink


@dataclass
class Entry:
    """One answered field: a label and either a text value, evidence ids, or nested rows."""

    label: str
    text: str = ""
    evidence: list[str] = field(default_factory=list)
    rows: list[list["Entry"]] = field(default_factory=list)
    file_names: dict[str, str] = field(default_factory=dict)  # evidence id → the name it was uploaded as

    def files(self) -> list[tuple[str, str]]:
        """(evidence id, file name) for each file, the name falling back to a numbered label."""
        return [(ev, self.file_names.get(ev) or _("File %(n)d", n=number))
                for number, ev in enumerate(self.evidence, start=1)]


def localized(node: dict, key: str) -> str | None:
    """`title`/`description` in the page's language (the `x-<key>-en` variant for English)."""
    if is_english() and node.get(f"x-{key}-en"):
        return node[f"x-{key}-en"]
    return node.get(key)


def describe(form_file: str | None, data: dict | None, library) -> list[Entry]:
    """Label/value entries for `data` as entered on the form `form_file` of `library` (unknown keys
    are skipped). `library` is the instance's own form set (`form_library_for_instance`): the
    answers are shown with the labels of the form they were entered on, not the forms in force now."""
    if not data:
        return []
    if not form_file:
        return [Entry(label=str(k), text=_plain(v)) for k, v in data.items()]
    try:
        schema = library.schema(form_file)
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
        return Entry(label=label, text=join_list(_choice_label(items, v) for v in value or []))
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


def _walk(entries: list[Entry]):
    """Every entry, nested rows included."""
    for entry in entries:
        yield entry
        for row in entry.rows:
            yield from _walk(row)


def with_file_names(instance_id: int, groups: list[list[Entry]]) -> None:
    """Give each evidence entry the names its files were uploaded as (one query for all groups).

    Names come from the files the instance cites, so a reader never sees what someone else
    called the same bytes elsewhere.
    """
    entries = [entry for group in groups for entry in _walk(group) if entry.evidence]
    digests = {ev for entry in entries for ev in entry.evidence}
    if not digests:
        return
    names = dict(db.session.execute(
        select(Evidence.digest, func.min(Evidence.original_name))
        .join(EvidenceLink, EvidenceLink.evidence_id == Evidence.id)
        .where(EvidenceLink.instance_id == instance_id, Evidence.digest.in_(digests))
        .group_by(Evidence.digest)
    ).all())
    for entry in entries:
        entry.file_names = {ev: names[ev] for ev in entry.evidence if ev in names}
