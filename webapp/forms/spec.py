"""Turning a JSON Schema into a tree of form fields (kinds, choices, children).

The tree is shared by rendering and by parsing submissions, so both agree on
field names. Depth is capped because a schema may refer to itself, and the total
number of fields is capped because $refs that fan out (10 properties referring to
the next level, 8 levels deep) expand to 10**8 fields well within that depth.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .checks import is_safe_key
from .localize import localized

MAX_DEPTH = 8  # nesting of objects/arrays rendered or parsed
MAX_FIELDS = 500  # fields of one form once its $refs are followed
MAX_REF_HOPS = 16  # a $ref chain longer than this is treated as a loop
MAX_ROWS = 200  # hard cap on array items taken from a submission
TEXTAREA_MIN_LENGTH = 200  # strings allowed to be longer than this get a textarea
DEFAULT_ACCEPT = (".pdf", ".jpg", ".jpeg", ".png")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass
class Choice:
    """One offered value of a select, radio group or checkbox group."""

    value: object
    schema: dict  # carries title / x-title-en for labelled choices

    @property
    def token(self) -> str:
        """The string sent by the browser for this choice."""
        return choice_token(self.value)

    @property
    def label(self) -> str:
        """Localized label, falling back to the value itself."""
        return localized(self.schema, "title") or self.token


@dataclass
class FieldSpec:
    """One form field derived from a schema property."""

    key: str
    kind: str  # text textarea date email number checkbox select radio checkboxes
    #            evidence evidence_list lines group repeat
    schema: dict  # the property's schema with $refs followed
    ui: dict
    required: bool
    choices: list[Choice] = field(default_factory=list)
    children: list[FieldSpec] = field(default_factory=list)  # group fields / row fields
    item_schema: dict = field(default_factory=dict)  # arrays: the schema of one item

    @property
    def label(self) -> str:
        """Localized title, falling back to the property name."""
        return localized(self.schema, "title") or self.key

    @property
    def upload_schema(self) -> dict:
        """Schema holding x-accept / x-max-bytes for an evidence field."""
        return self.item_schema if self.kind == "evidence_list" else self.schema

    @property
    def max_rows(self) -> int:
        """How many items an array field may take from a submission."""
        limit = self.schema.get("maxItems")
        return min(limit, MAX_ROWS) if isinstance(limit, int) and limit >= 0 else MAX_ROWS


class FormTooLarge(ValueError):
    """The schema expands to more than MAX_FIELDS fields; the message names where it ran out."""


class _FieldBudget:
    """Counts the fields built for one form and stops at MAX_FIELDS."""

    def __init__(self) -> None:
        self.left = MAX_FIELDS

    def take(self, path: tuple) -> None:
        """Account for the field at ``path`` (the property names leading to it)."""
        self.left -= 1
        if self.left < 0:
            raise FormTooLarge(
                f"the form expands to more than {MAX_FIELDS} fields once its $refs are followed "
                f"(field {'.'.join(path)} is one too many): do its $refs fan out?")


def choice_token(value: object) -> str:
    """Strings are sent as they are; other JSON values in their JSON spelling."""
    return value if isinstance(value, str) else json.dumps(value)


def deref(node: object, resolver) -> tuple[object, object]:
    """Follow $ref (bounded), letting sibling keywords such as title override the target."""
    for _ in range(MAX_REF_HOPS):
        if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
            return node, resolver
        resolved = resolver.lookup(node["$ref"])
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        target = resolved.contents if isinstance(resolved.contents, dict) else {}
        node, resolver = {**target, **siblings}, resolved.resolver
    return {}, resolver  # a $ref loop: nothing renderable


def main_type(node: dict) -> str:
    """The one JSON type a field is edited as ('null' in a type list is ignored)."""
    declared = node.get("type")
    if isinstance(declared, list):
        declared = next((name for name in declared if name != "null"), None)
    if isinstance(declared, str):
        return declared
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    return "string"


def choices_of(node: object) -> list[Choice] | None:
    """Offered values: oneOf/anyOf of consts (labelled) or enum (label = value)."""
    if not isinstance(node, dict):
        return None
    for keyword in ("oneOf", "anyOf"):
        options = node.get(keyword)
        if isinstance(options, list) and options and all(
            isinstance(option, dict) and "const" in option for option in options
        ):
            return [Choice(option["const"], option) for option in options]
    if isinstance(node.get("enum"), list):
        return [Choice(value, {}) for value in node["enum"]]
    return None


def ui_child(ui: object, key: str) -> dict:
    """The UI schema entry of a sub-field (anything malformed counts as empty)."""
    child = ui.get(key) if isinstance(ui, dict) else None
    return child if isinstance(child, dict) else {}


def ordered_keys(properties: dict, ui: dict) -> list[str]:
    """Property names in ui:order order; '*' (or the end) stands for all unlisted ones."""
    order = ui.get("ui:order")
    if not isinstance(order, list):
        return list(properties)
    listed = [name for name in order if name in properties]
    rest = [name for name in properties if name not in listed]
    if "*" not in order:
        return listed + rest
    star = order.index("*")
    before = [name for name in order[:star] if name in properties]
    after = [name for name in order[star + 1:] if name in properties]
    return before + rest + after


def build_fields(schema: object, ui: dict, resolver, depth: int = 0,
                 budget: _FieldBudget | None = None, path: tuple = ()) -> list[FieldSpec]:
    """Field specs of an object schema's properties, in display order (FormTooLarge if too many)."""
    budget = budget or _FieldBudget()
    schema, resolver = deref(schema, resolver)
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if depth >= MAX_DEPTH or not isinstance(properties, dict):
        return []
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    specs = []
    for key in ordered_keys(properties, ui):
        if is_safe_key(key):
            where = path + (key,)
            budget.take(where)
            spec = build_field(
                key, properties[key], ui_child(ui, key), key in required, resolver, depth, budget, where
            )
            if spec is not None:
                specs.append(spec)
    return specs


def build_field(key, node, ui, required, resolver, depth, budget=None, path=()) -> FieldSpec | None:
    """Field spec of one property, or None if it cannot be shown as a form field."""
    budget = budget or _FieldBudget()
    node, resolver = deref(node, resolver)
    if not isinstance(node, dict):
        return None  # boolean schemas (true/false) have nothing to edit
    spec = FieldSpec(key=key, kind="text", schema=node, ui=ui, required=required)
    choices = choices_of(node)
    kind = main_type(node)
    if choices is not None:
        spec.choices = choices
        spec.kind = "radio" if ui.get("ui:widget") == "radio" else "select"
    elif kind == "object":
        spec.kind = "group"
        spec.children = build_fields(node, ui, resolver, depth + 1, budget, path)
    elif kind == "array":
        _fill_array(spec, resolver, depth, budget, path)
    elif kind in ("integer", "number"):
        spec.kind = "number"
    elif kind == "boolean":
        spec.kind = "checkbox"
    else:
        spec.kind = _string_kind(node, ui)
    return spec


def _fill_array(spec: FieldSpec, resolver, depth: int, budget: _FieldBudget, path: tuple) -> None:
    """Arrays: checkbox group, multiple files, repeated section, or one item per line."""
    items, item_resolver = deref(spec.schema.get("items", {}), resolver)
    spec.item_schema = items if isinstance(items, dict) else {}
    choices = choices_of(items)
    if choices is not None:
        spec.kind, spec.choices = "checkboxes", choices
    elif spec.item_schema.get("format") == "x-evidence":
        spec.kind = "evidence_list"
    elif main_type(spec.item_schema) == "object":
        spec.kind = "repeat"
        row_ui = ui_child(spec.ui, "items")
        spec.children = build_fields(items, row_ui, item_resolver, depth + 1, budget, path)
    else:
        spec.kind = "lines"


def _string_kind(node: dict, ui: dict) -> str:
    """Which input a string gets: by format, then by widget or length."""
    fmt = node.get("format")
    if fmt in ("date", "email"):
        return fmt
    if fmt == "x-evidence":
        return "evidence"
    widget = ui.get("ui:widget")
    if widget in ("textarea", "text"):
        return widget
    max_length = node.get("maxLength")
    if isinstance(max_length, int) and max_length > TEXTAREA_MIN_LENGTH:
        return "textarea"
    return "text"


def schema_at(schema: object, resolver, path: tuple) -> dict:
    """The schema describing the value at an instance path ({} if unknown)."""
    node, resolver = deref(schema, resolver)
    for part in path:
        parent = node if isinstance(node, dict) else {}
        if isinstance(part, int):
            child = parent.get("items")
        else:
            properties = parent.get("properties")
            child = properties.get(part) if isinstance(properties, dict) else None
        node, resolver = deref(child, resolver)
    return node if isinstance(node, dict) else {}


def label_at(schema: object, resolver, path: tuple) -> str:
    """Localized title of the field at ``path``; an array item borrows its array's title."""
    if not path:
        return localized(deref(schema, resolver)[0], "title")
    node = schema_at(schema, resolver, path)
    title = localized(node, "title")
    if title:
        return title
    if isinstance(path[-1], int):
        return label_at(schema, resolver, path[:-1])
    return path[-1]
