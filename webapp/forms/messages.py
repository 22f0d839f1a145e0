"""User-facing messages: validation errors and submission problems, translated.

Message ids are English; the Chinese catalog is maintained separately. Every
message names the field by its localized title (%(field)s).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import gettext, ngettext
from jsonschema.exceptions import ValidationError

from .errors import FieldError
from .spec import choices_of
from .validation import PatternTimeout

LabelFor = Callable[[tuple], str]


def required(field: str) -> str:
    """A required field was left empty."""
    return gettext("%(field)s is required.", field=field)


def whole_number(field: str) -> str:
    """Text that is not an integer in an integer field."""
    return gettext("%(field)s must be a whole number.", field=field)


def number(field: str) -> str:
    """Text that is not a number in a number field."""
    return gettext("%(field)s must be a number.", field=field)


def invalid(field: str) -> str:
    """Fallback for anything without a more specific message."""
    return gettext("%(field)s: invalid value.", field=field)


def refused_character(field: str, code: str) -> str:
    """Text holding a control or text-direction character (removed from the text shown again)."""
    return gettext(
        "%(field)s contained a control or text-direction character that is not allowed (%(code)s). "
        "It has been removed: check the text and send it again.", field=field, code=code,
    )


def form_too_large(limit_kb: int) -> str:
    """The whole form holds more data than a form may keep."""
    return gettext("The form holds too much (more than %(limit)d KB). Please shorten the text.", limit=limit_kb)


def too_many_items(field: str, limit: int) -> str:
    """An array has more items than allowed."""
    return ngettext(
        "%(field)s allows at most %(num)d item.",
        "%(field)s allows at most %(num)d items.", limit, field=field,
    )


def _type(error: ValidationError, field: str) -> str:
    """Wrong JSON type: only numbers can be mistyped through a form."""
    if choices_of(error.schema) is not None:  # e.g. a tampered token in an integer select
        return _choice(error, field)
    types = error.validator_value
    types = types if isinstance(types, list) else [types]
    if "integer" in types:
        return whole_number(field)
    if "number" in types:
        return number(field)
    return invalid(field)


def must_tick(field: str) -> str:
    """A checkbox that must be ticked (a commitment: boolean with const true) was left empty."""
    return gettext("Tick “%(field)s” to continue.", field=field)


def _is_commitment(schema: object) -> bool:
    """A checkbox the form requires ticked: ``{"type": "boolean", "const": true}``."""
    return isinstance(schema, dict) and schema.get("type") == "boolean" and schema.get("const") is True


def _choice(error: ValidationError, field: str) -> str:
    """A value outside the offered options (enum, const, or oneOf/anyOf of consts)."""
    if _is_commitment(error.schema):
        return must_tick(field)
    if error.validator in ("oneOf", "anyOf") and choices_of(error.schema) is None:
        return invalid(field)
    return gettext("%(field)s: please choose one of the offered options.", field=field)


def _format(error: ValidationError, field: str) -> str:
    """A string in the wrong format (date, email)."""
    if error.validator_value == "date":
        return gettext("%(field)s must be a date (YYYY-MM-DD).", field=field)
    if error.validator_value == "email":
        return gettext("%(field)s must be an email address.", field=field)
    return invalid(field)


def _pattern(error: ValidationError, field: str) -> str:
    """A string not matching the pattern, or a pattern too slow to check."""
    if isinstance(error, PatternTimeout):
        return gettext("%(field)s could not be checked in time; please shorten it.", field=field)
    return gettext("%(field)s is not in the expected format.", field=field)


# One literal gettext/ngettext call per message, so that `pybabel extract` finds them all.
def _minimum(error: ValidationError, field: str) -> str:
    """Below ``minimum``."""
    return gettext(
        "%(field)s must be at least %(limit)s.", field=field, limit=error.validator_value
    )


def _maximum(error: ValidationError, field: str) -> str:
    """Above ``maximum``."""
    return gettext(
        "%(field)s must be at most %(limit)s.", field=field, limit=error.validator_value
    )


def _exclusive_minimum(error: ValidationError, field: str) -> str:
    """Not above ``exclusiveMinimum``."""
    return gettext(
        "%(field)s must be greater than %(limit)s.", field=field, limit=error.validator_value
    )


def _exclusive_maximum(error: ValidationError, field: str) -> str:
    """Not below ``exclusiveMaximum``."""
    return gettext(
        "%(field)s must be less than %(limit)s.", field=field, limit=error.validator_value
    )


def _min_length(error: ValidationError, field: str) -> str:
    """Shorter than ``minLength``."""
    return ngettext(
        "%(field)s must be at least %(num)d character long.",
        "%(field)s must be at least %(num)d characters long.",
        error.validator_value, field=field,
    )


def _max_length(error: ValidationError, field: str) -> str:
    """Longer than ``maxLength``."""
    return ngettext(
        "%(field)s must be at most %(num)d character long.",
        "%(field)s must be at most %(num)d characters long.",
        error.validator_value, field=field,
    )


def _min_items(error: ValidationError, field: str) -> str:
    """Fewer items than ``minItems``."""
    return ngettext(
        "%(field)s needs at least %(num)d item.",
        "%(field)s needs at least %(num)d items.",
        error.validator_value, field=field,
    )


def _max_items(error: ValidationError, field: str) -> str:
    """More items than ``maxItems``."""
    return too_many_items(field, error.validator_value)


def _unique_items(error: ValidationError, field: str) -> str:
    """Repeated items despite ``uniqueItems``."""
    return gettext("%(field)s contains duplicates.", field=field)


def _additional_properties(error: ValidationError, field: str) -> str:
    """Keys the schema does not declare."""
    return gettext("%(field)s contains unexpected fields.", field=field)


def _after_today(error: ValidationError, field: str) -> str:
    """A date that must lie after today."""
    return gettext("%(field)s must be a day after today.", field=field)


def _fallback(error: ValidationError, field: str) -> str:
    """Any other keyword."""
    return invalid(field)


_BY_KEYWORD: dict[str, Callable[[ValidationError, str], str]] = {
    "type": _type,
    "enum": _choice,
    "const": _choice,
    "oneOf": _choice,
    "anyOf": _choice,
    "format": _format,
    "pattern": _pattern,
    "minimum": _minimum,
    "maximum": _maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "exclusiveMaximum": _exclusive_maximum,
    "minLength": _min_length,
    "maxLength": _max_length,
    "minItems": _min_items,
    "maxItems": _max_items,
    "uniqueItems": _unique_items,
    "additionalProperties": _additional_properties,
    "x-after-today": _after_today,
}


def describe(error: ValidationError, label_for: LabelFor) -> Iterable[tuple[tuple, str]]:
    """(path, message) pairs for one validation error."""
    path = tuple(error.absolute_path)
    if error.validator == "required":
        # jsonschema reports one error per missing property but does not say which one.
        present = error.instance if isinstance(error.instance, dict) else {}
        properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for key in error.validator_value:
            if key not in present:
                label = label_for(path + (key,))
                yield path + (key,), must_tick(label) if _is_commitment(properties.get(key)) else required(label)
        return
    message = _BY_KEYWORD.get(error.validator, _fallback)
    yield path, message(error, label_for(path))


def field_errors(errors: Iterable[ValidationError], label_for: LabelFor) -> list[FieldError]:
    """Translated FieldErrors, at most one per field, in the order found."""
    result: dict[tuple, FieldError] = {}
    for error in errors:
        for path, message in describe(error, label_for):
            if path not in result:
                result[path] = FieldError(path, label_for(path), message)
    return list(result.values())
