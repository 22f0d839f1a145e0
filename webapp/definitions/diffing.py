"""What changed between two versions of a file, in words, plus the text diff.

Diagrams: elements added, removed or changed (name, properties, conditions, scripts, timers).
Decision tables: rules added or removed, and each changed cell with its column. Forms and the
reminder policy: each changed JSON value by its path.
"""
from __future__ import annotations

import difflib
import json
from io import BytesIO

from lxml import etree

from ..engine.snippets import BPMN, SPIFF

_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False)


def text_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff of the two texts."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        old_name, new_name, n=2))


def changes(filename: str, old: str, new: str) -> list[str]:
    """Changes in words (English technical terms with ids, as the editor shows them)."""
    try:
        if filename.endswith(".bpmn"):
            return _bpmn_changes(_tree(old), _tree(new))
        if filename.endswith(".dmn"):
            return _dmn_changes(_tree(old), _tree(new))
        return _json_changes(json.loads(old), json.loads(new), "")
    except (etree.XMLSyntaxError, json.JSONDecodeError, ValueError):
        return ["(the file could not be read; see the text below)"]


def _tree(text: str) -> etree._Element:
    return etree.parse(BytesIO(text.encode("utf-8")), etree.XMLParser(**_PARSER)).getroot()


def _describe_bpmn(el: etree._Element) -> dict[str, str]:
    """The parts of a diagram element that change what it does (layout ignored)."""
    parts = {"name": el.get("name") or ""}
    for key in ("sourceRef", "targetRef", "default", "calledElement", "attachedToRef"):
        if el.get(key):
            parts[key] = el.get(key)
    for prop in el.iterfind(f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property"):
        parts[f"property {prop.get('name')}"] = prop.get("value") or ""
    for child in el.iter(f"{SPIFF}instructionsForEndUser", f"{SPIFF}calledDecisionId", f"{BPMN}script",
                         f"{BPMN}conditionExpression", f"{BPMN}timeDate", f"{BPMN}timeDuration",
                         f"{BPMN}timeCycle"):
        parts[etree.QName(child).localname] = (child.text or "").strip()
    for op in el.iter(f"{SPIFF}serviceTaskOperator"):
        parts["operation"] = op.get("id") or ""
        for param in op.iter(f"{SPIFF}parameter"):
            parts[f"parameter {param.get('id')}"] = param.get("value") or ""
    return parts


def _bpmn_elements(root: etree._Element) -> dict[str, etree._Element]:
    return {el.get("id"): el for process in root.iter(f"{BPMN}process") for el in process.iter()
            if el.get("id") and el.tag.startswith(BPMN) and el is not process
            and etree.QName(el).localname not in ("laneSet", "extensionElements")}


def _label(el: etree._Element) -> str:
    kind = etree.QName(el).localname
    name = el.get("name")
    return f"{kind} {el.get('id')}" + (f" “{name}”" if name else "")


def _bpmn_changes(old: etree._Element, new: etree._Element) -> list[str]:
    before, after = _bpmn_elements(old), _bpmn_elements(new)
    lines = [f"added {_label(after[i])}" for i in after if i not in before]
    lines += [f"removed {_label(before[i])}" for i in before if i not in after]
    for element_id in (i for i in after if i in before):
        a, b = _describe_bpmn(before[element_id]), _describe_bpmn(after[element_id])
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                lines.append(f"{_label(after[element_id])}: {key} {_quote(a.get(key))} → {_quote(b.get(key))}")
    return lines


def _dmn_rows(root: etree._Element) -> tuple[list[str], dict[str, dict[str, str]]]:
    columns, rows = [], {}
    for table in root.iter("{*}decisionTable"):
        inputs = [el.get("label") or el.get("id") for el in table.findall("{*}input")]
        outputs = [el.get("name") or el.get("label") or el.get("id") for el in table.findall("{*}output")]
        columns = inputs + outputs
        for rule in table.iterfind("{*}rule"):
            cells = [e.findtext("{*}text") or "" for e in rule.findall("{*}inputEntry")]
            cells += [e.findtext("{*}text") or "" for e in rule.findall("{*}outputEntry")]
            rows[rule.get("id")] = dict(zip(columns, cells))
            rows[rule.get("id")]["description"] = (rule.findtext("{*}description") or "").strip()
    return columns, rows


def _dmn_changes(old: etree._Element, new: etree._Element) -> list[str]:
    _cols, before = _dmn_rows(old)
    _cols, after = _dmn_rows(new)
    lines = [f"added rule {rule_id} ({after[rule_id].get('description') or '-'})"
             for rule_id in after if rule_id not in before]
    lines += [f"removed rule {rule_id} ({before[rule_id].get('description') or '-'})"
              for rule_id in before if rule_id not in after]
    for rule_id in (r for r in after if r in before):
        for column in after[rule_id]:
            if before[rule_id].get(column) != after[rule_id][column]:
                lines.append(f"rule {rule_id}, {column}: {_quote(before[rule_id].get(column))} → "
                             f"{_quote(after[rule_id][column])}")
    return lines


def _json_changes(old, new, path: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in list(old) + [k for k in new if k not in old]:
            lines += _json_changes(old.get(key, _MISSING), new.get(key, _MISSING), f"{path}.{key}" if path else key)
        return lines
    if old == new:
        return []
    if old is _MISSING:
        return [f"added {path} = {json.dumps(new, ensure_ascii=False)[:200]}"]
    if new is _MISSING:
        return [f"removed {path}"]
    return [f"{path}: {json.dumps(old, ensure_ascii=False)[:200]} → {json.dumps(new, ensure_ascii=False)[:200]}"]


_MISSING = object()


def _quote(value: str | None) -> str:
    return "(none)" if value is None else f"“{value[:200]}”"
