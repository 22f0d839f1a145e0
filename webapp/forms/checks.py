"""Rules a form file must follow beyond being JSON; each broken rule is a FormFileError."""
from __future__ import annotations

import re
from collections.abc import Iterator

import regex
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from .errors import FormFileError
from .source import is_plain_filename

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
UI_WIDGETS = {"radio", "select", "textarea", "text"}
UI_TEXT_KEYS = ("ui:help", "ui:help-en", "ui:placeholder", "ui:placeholder-en")
_SIMPLE_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9]{1,10}")


# The metaschema checks `pattern` with format "regex"; check it with the engine that
# will run it (the regex package), so patterns such as \p{Han} are accepted.
_METASCHEMA_FORMATS = FormatChecker()


@_METASCHEMA_FORMATS.checks("regex", raises=regex.error)
def _is_regex(value: object) -> bool:
    """A pattern is valid if the regex package compiles it."""
    return not isinstance(value, str) or regex.compile(value) is not None


def is_safe_key(key: object) -> bool:
    """Property names become task-data variables: identifiers only, no private or dunder names."""
    return (
        isinstance(key, str) and key.isidentifier()
        and not key.startswith("_") and "__" not in key
    )


def json_path(parts: tuple) -> str:
    """Format a path inside a JSON document like jsonschema does ('$.properties.x')."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _SIMPLE_KEY_RE.fullmatch(part):
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def walk_objects(document: object) -> Iterator[tuple[tuple, dict]]:
    """Yield (path, object) for every JSON object in a document, without recursion."""
    stack: list[tuple[tuple, object]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            yield path, node
            stack.extend((path + (key,), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((path + (index,), value) for index, value in enumerate(node))


def check_form_schema(document: object, filename: str) -> None:
    """Check a JSON Schema form file: metaschema, then our own safety rules."""
    if not isinstance(document, dict):
        raise FormFileError(filename, "a form schema must be a JSON object")
    dialect = document.get("$schema", DRAFT_2020_12)
    if not isinstance(dialect, str) or dialect.rstrip("#") != DRAFT_2020_12:
        raise FormFileError(filename, f"$schema must be {DRAFT_2020_12!r} (or left out)")
    try:
        Draft202012Validator.check_schema(document, format_checker=_METASCHEMA_FORMATS)
    except SchemaError as error:
        raise FormFileError(filename, f"{error.json_path}: {error.message}") from None
    except RecursionError:
        raise FormFileError(filename, "schema is nested too deeply") from None
    for path, node in walk_objects(document):
        problem = _node_problem(node)
        if problem:
            raise FormFileError(filename, f"{json_path(path)}: {problem}")


def _node_problem(node: dict) -> str | None:
    """Return what is wrong with one schema object, or None."""
    for keyword in ("$ref", "$dynamicRef"):
        if keyword in node and not is_allowed_ref(node[keyword]):
            return (
                f"{keyword} {node[keyword]!r} is not allowed: use '#/...' or the name of "
                "another file in the forms directory (no URLs, no paths)"
            )
    if "$id" in node:
        return "$id is not supported; refer to other form files by file name"
    if "patternProperties" in node:
        # jsonschema matches patternProperties with Python's re, which cannot time out.
        return "patternProperties is not supported in form files"
    if isinstance(node.get("properties"), dict):
        bad = [key for key in node["properties"] if not is_safe_key(key)]
        if bad:
            return (
                f"property name {bad[0]!r} is not allowed: use letters, digits and single "
                "underscores, not starting with '_'"
            )
    if node.get("format") == "x-evidence":
        return _evidence_problem(node)
    return None


def is_allowed_ref(ref: object) -> bool:
    """A $ref may point into the same file ('#...') or to a plain file name ('x.json#...')."""
    if not isinstance(ref, str):
        return False
    target, _, _fragment = ref.partition("#")
    return target == "" or is_plain_filename(target)


def _evidence_problem(node: dict) -> str | None:
    """Check the x-accept / x-max-bytes settings of an evidence file field."""
    accept = node.get("x-accept")
    if accept is not None and not (
        isinstance(accept, list) and accept
        and all(isinstance(ext, str) and _EXTENSION_RE.fullmatch(ext) for ext in accept)
    ):
        return "x-accept must be a non-empty list of extensions such as [\".pdf\", \".jpg\"]"
    max_bytes = node.get("x-max-bytes")
    if max_bytes is not None and not (
        isinstance(max_bytes, int) and not isinstance(max_bytes, bool) and max_bytes > 0
    ):
        return "x-max-bytes must be a positive integer"
    return None


def check_ui_schema(document: object, filename: str) -> None:
    """Check a UI schema file: only the ui: keywords we understand, with the right types."""
    if not isinstance(document, dict):
        raise FormFileError(filename, "a UI schema must be a JSON object")
    for path, node in walk_objects(document):
        problem = _ui_node_problem(node)
        if problem:
            raise FormFileError(filename, f"{json_path(path)}: {problem}")


def _ui_node_problem(node: dict) -> str | None:
    """Return what is wrong with one object of a UI schema, or None."""
    order = node.get("ui:order")
    if order is not None and not (
        isinstance(order, list) and all(isinstance(name, str) for name in order)
    ):
        return "ui:order must be a list of field names"
    widget = node.get("ui:widget")
    if widget is not None and widget not in UI_WIDGETS:
        return f"ui:widget must be one of {sorted(UI_WIDGETS)}"
    for key in UI_TEXT_KEYS:
        if key in node and not isinstance(node[key], str):
            return f"{key} must be a string"
    return None
