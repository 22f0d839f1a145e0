"""A Draft 2020-12 validator hardened for untrusted form schemas.

* ``pattern`` runs on the ``regex`` package with a per-match timeout and an overall
  budget per validation, so a catastrophic pattern such as ``^(a|a)+$`` cannot hang a worker.
* formats ``date``, ``email`` and our ``x-evidence`` (evidence id) are asserted;
* ``x-after-today: true`` on a date asks for a day after today (a new deadline).
"""
from __future__ import annotations

import contextvars
import re
import time
from datetime import date, datetime

import regex
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

PATTERN_TIMEOUT = 0.05  # seconds for one match
VALIDATION_BUDGET = 1.0  # seconds of pattern matching for one whole validation
EVIDENCE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "form_validation_deadline", default=None
)


class PatternTimeout(ValidationError):
    """A ``pattern`` could not be matched in time; counts as a failed validation."""


def _timeout_left() -> float:
    """Seconds the next match may take: the per-match timeout, capped by the budget."""
    deadline = _deadline.get()
    if deadline is None:
        return PATTERN_TIMEOUT
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("validation budget for patterns used up")
    return min(PATTERN_TIMEOUT, left)


def _pattern(validator, pattern, instance, schema):
    """``pattern`` keyword using ``regex`` with a timeout instead of Python's ``re``."""
    if not validator.is_type(instance, "string"):
        return
    try:
        matched = regex.search(pattern, instance, timeout=_timeout_left())
    except TimeoutError:
        yield PatternTimeout(f"checking pattern {pattern!r} took too long")
        return
    except regex.error:
        yield ValidationError(f"{pattern!r} is not a valid pattern")
        return
    if matched is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


FORMAT_CHECKER = FormatChecker(formats=("date", "email"))


@FORMAT_CHECKER.checks("x-evidence")
def _is_evidence_id(value: object) -> bool:
    """Evidence ids end up in URLs (/evidence/<id>): only a safe alphabet is valid."""
    return not isinstance(value, str) or EVIDENCE_ID_RE.fullmatch(value) is not None


def local_today() -> date:
    """Today in the site's time zone (deadlines are days there)."""
    from ..calendar import local_zone

    return datetime.now(local_zone()).date()


def _after_today(validator, wanted, instance, schema):
    """``x-after-today: true``: a date (YYYY-MM-DD) later than today, such as a new deadline."""
    if wanted is not True or not validator.is_type(instance, "string"):
        return
    try:
        day = date.fromisoformat(instance)
    except ValueError:
        return  # the ``format`` keyword reports a malformed date
    if day <= local_today():
        yield ValidationError(f"{instance} is not after today")


FormValidator = validators.extend(
    Draft202012Validator, validators={"pattern": _pattern, "x-after-today": _after_today}
)


def collect_errors(schema: dict, registry, data: object) -> list[ValidationError]:
    """All validation errors of ``data``; may raise RecursionError or Unresolvable."""
    validator = FormValidator(schema, registry=registry, format_checker=FORMAT_CHECKER)
    token = _deadline.set(time.monotonic() + VALIDATION_BUDGET)
    try:
        return list(validator.iter_errors(data))
    finally:
        _deadline.reset(token)
