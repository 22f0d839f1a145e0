"""The run-time half of the sandbox: size checks for operations that can blow up, and builtins.

One C-level call cannot be interrupted (the watchdog acts between bytecodes), so every operation
whose result can be far larger than its operands is checked *before* it runs: sequences stay
under MAX_SEQUENCE_ITEMS, integers within ±MAX_INT (2**60: below 2**61-1, the modulus of
Python's integer hash, so scripts cannot build thousands of integers with one hash and make a
single `set(...)` call quadratic), padding and repetition widths are bounded. Operations whose
result is at most about the size of their inputs (slicing, `list()`, `sorted()`, ...) are left
alone: the watchdog's memory limit stops code that repeats them.
"""
from __future__ import annotations

import builtins
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from .errors import ScriptSafetyError

MAX_RANGE_ITEMS = 100_000
MAX_SEQUENCE_ITEMS = 1_000_000  # characters of a string, items of a list or tuple
MAX_INT = 2**60
MAX_FORMAT_WIDTH = 1_000  # padding/precision in f-strings and %-formatting
MAX_DECIMAL_DIGITS = 1_000  # a Decimal printed in fixed point ('{d:f}') or made an int
SEQUENCES = (str, bytes, list, tuple)
# %-format directives: the number after the flags (width) and after a dot (precision), or '*'.
PERCENT_DIRECTIVE = re.compile(rb"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")

BUILTIN_NAMES = (
    "abs all any bool dict enumerate filter float int isinstance len list map max min "
    "reversed set sorted str tuple zip "
    # Exception classes so scripts can fail a task on purpose or catch arithmetic errors;
    # SystemExit/KeyboardInterrupt/BaseException stay out, so `raise SystemExit` is a NameError.
    "Exception ValueError KeyError IndexError TypeError ZeroDivisionError").split()


def _too_large(what: str) -> ScriptSafetyError:
    """The error every size check raises."""
    return ScriptSafetyError(f"result too large: {what}")


def _check_int(value):
    """Return ``value``, refusing integers beyond ±MAX_INT."""
    if type(value) is int and not -MAX_INT <= value <= MAX_INT:
        raise _too_large("integers are limited to ±2**60 in scripts")
    return value


def _check_length(length: int) -> None:
    """Refuse a sequence result longer than MAX_SEQUENCE_ITEMS."""
    if length > MAX_SEQUENCE_ITEMS:
        raise _too_large(f"over {MAX_SEQUENCE_ITEMS:,} items or characters")


def _sbx_add(a, b):
    """`a + b`: sequences and integers stay within their limits."""
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        _check_length(len(a) + len(b))
    return _check_int(a + b)


def _sbx_iadd(a, b):
    """`a += b` (lists extended in place, as without the guard)."""
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        _check_length(len(a) + len(b))
    a += b
    return _check_int(a)


def _sbx_sub(a, b):
    """`a - b`: integers stay within ±MAX_INT."""
    return _check_int(a - b)


def _repeat_check(a, b) -> None:
    """Refuse `seq * n` over MAX_SEQUENCE_ITEMS and integer products beyond MAX_INT."""
    for seq, n in ((a, b), (b, a)):
        if isinstance(n, int) and isinstance(seq, SEQUENCES):
            _check_length(len(seq) * n)
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT.bit_length() + 1:
        raise _too_large("integers are limited to ±2**60 in scripts")


def _sbx_mul(a, b):
    """`a * b`, refusing huge sequence repetitions and huge integers."""
    _repeat_check(a, b)
    return _check_int(a * b)


def _sbx_imul(a, b):
    """`a *= b` (lists repeated in place, as without the guard)."""
    _repeat_check(a, b)
    a *= b
    return _check_int(a)


def _sbx_pow(a, b):
    """`a ** b`: the exponent is a constant of at most 64 (checked statically), so computing
    first is cheap; the integer result must stay within MAX_INT."""
    return _check_int(a ** b)


def _sbx_lshift(a, b):
    """`a << b`, integers within MAX_INT."""
    if isinstance(a, int) and isinstance(b, int) and a and a.bit_length() + b > MAX_INT.bit_length():
        raise _too_large("integers are limited to ±2**60 in scripts")
    return _check_int(a << b)


def _sbx_mod(a, b):
    """`a % b`; for %-formatting, no '*' widths and no width or precision above MAX_FORMAT_WIDTH."""
    if isinstance(a, (str, bytes)):
        text = a.encode("utf-8", "surrogatepass") if isinstance(a, str) else a
        for width, precision in PERCENT_DIRECTIVE.findall(text):
            for number in (width, precision):
                if number == b"*" or (number and int(number) > MAX_FORMAT_WIDTH):
                    raise _too_large(f"%-format widths are limited to {MAX_FORMAT_WIDTH} (no '*')")
    return a % b


def _sbx_formatted(value):
    """A value about to be formatted with a spec: no Decimal that prints as a billion digits."""
    if isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) > MAX_DECIMAL_DIGITS:
        raise _too_large(f"a Decimal with more than {MAX_DECIMAL_DIGITS} digits")
    return value


def _sbx_int(*args, **kwargs):
    """`int(...)`: no conversion of a huge Decimal or float into a huge integer."""
    value = args[0] if args else None
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() > MAX_DECIMAL_DIGITS:
        raise _too_large(f"a Decimal with more than {MAX_DECIMAL_DIGITS} digits")
    return _check_int(int(*args, **kwargs))


def _sbx_round(number, ndigits=None):
    """`round()`: the same limits as int() when it returns an integer."""
    if ndigits is None:
        _sbx_int(number)
    return _check_int(round(number, ndigits))


def _sbx_sum(iterable, start=0):
    """`sum()` of numbers only (adding up lists is quadratic in one call), within MAX_INT."""
    if not isinstance(start, (int, float, Decimal)):
        raise ScriptSafetyError("sum() adds numbers only; join lists with a comprehension")
    return _check_int(sum(iterable, start))


def _width_check(obj, args, kwargs, name="width"):
    """center/ljust/rjust/zfill: the target width."""
    width = args[0] if args else kwargs.get(name, 0)
    if isinstance(obj, (str, bytes)) and isinstance(width, int):
        _check_length(width)


def _tabs_check(obj, args, kwargs):
    """expandtabs: every tab may become `tabsize` characters."""
    size = args[0] if args else kwargs.get("tabsize", 8)
    if isinstance(obj, (str, bytes)) and isinstance(size, int):
        tab = "\t" if isinstance(obj, str) else b"\t"
        _check_length(len(obj) + obj.count(tab) * max(size, 0))


def _replace_check(obj, args, kwargs):
    """replace: each occurrence of `old` becomes `new`."""
    if isinstance(obj, (str, bytes)) and len(args) >= 2 and isinstance(args[0], type(obj)) \
            and isinstance(args[1], type(obj)):
        old, new = args[0], args[1]
        count = obj.count(old) if old else len(obj) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        _check_length(len(obj) + count * max(len(new) - len(old), 0))


def _translate_check(obj, args, kwargs):
    """str.translate: each character may become the longest replacement string of the table."""
    table = args[0] if args else None
    if isinstance(obj, str) and isinstance(table, dict):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        _check_length(len(obj) * max(longest, 1))


def _to_bytes_check(obj, args, kwargs):
    """int.to_bytes: the requested length."""
    length = args[0] if args else kwargs.get("length", 1)
    if isinstance(length, int):
        _check_length(length)


def _strftime_check(obj, args, kwargs):
    """date/datetime.strftime: CPython lets the result grow to 256 times the format's length."""
    fmt = args[0] if args else kwargs.get("format", "")
    if isinstance(fmt, str) and len(fmt) > MAX_FORMAT_WIDTH:
        raise _too_large(f"a strftime format longer than {MAX_FORMAT_WIDTH} characters")


def _no_check(obj, args, kwargs):
    """Methods whose result is checked afterwards (integers)."""


# Methods whose result can be far larger than the object and arguments: called through
# `_sbx_method`, which checks first (and checks integer results afterwards).
METHOD_GUARDS = {
    "center": _width_check, "ljust": _width_check, "rjust": _width_check, "zfill": _width_check,
    "expandtabs": _tabs_check, "replace": _replace_check, "translate": _translate_check,
    "to_bytes": _to_bytes_check, "from_bytes": _no_check, "as_integer_ratio": _no_check,
    "strftime": _strftime_check,
    "join": _no_check,  # checked in _sbx_method, which needs the items as a list
}


def _sbx_method(obj, name, *args, **kwargs):
    """Call ``obj.name(*args, **kwargs)`` after its size check."""
    if name == "join" and isinstance(obj, (str, bytes)) and args:
        items = list(args[0])
        lengths = sum(len(item) for item in items if isinstance(item, (str, bytes)))
        _check_length(lengths + len(obj) * max(len(items) - 1, 0))
        args = (items, *args[1:])
    else:
        METHOD_GUARDS[name](obj, args, kwargs)
    result = getattr(obj, name)(*args, **kwargs)
    if isinstance(result, tuple):  # as_integer_ratio
        for part in result:
            _check_int(part)
    return _check_int(result)


class _BoundedRange:
    """`range()` refusing over MAX_RANGE_ITEMS items; slots, so scripts cannot set attributes."""

    __slots__ = ()

    def __call__(self, *args):
        """Return range(*args) if it is small enough."""
        result = range(*args)
        if len(result[:MAX_RANGE_ITEMS + 1]) > MAX_RANGE_ITEMS:  # len(result) may overflow
            raise _too_large(f"range() over {MAX_RANGE_ITEMS:,} items")
        return result


# Copied per evaluation (one C-level dict copy): nothing one evaluation plants is seen by the next.
_BUILTINS = {name: getattr(builtins, name) for name in BUILTIN_NAMES}
_BUILTINS.update(
    range=_BoundedRange(), round=_sbx_round, sum=_sbx_sum, date=date, datetime=datetime,
    timedelta=timedelta, Decimal=Decimal, _sbx_add=_sbx_add, _sbx_iadd=_sbx_iadd, _sbx_sub=_sbx_sub,
    _sbx_mul=_sbx_mul, _sbx_imul=_sbx_imul, _sbx_pow=_sbx_pow, _sbx_lshift=_sbx_lshift,
    _sbx_mod=_sbx_mod, _sbx_formatted=_sbx_formatted, _sbx_int=_sbx_int, _sbx_method=_sbx_method)


def safe_builtins() -> dict:
    """Return a fresh builtins dict for one evaluation."""
    return _BUILTINS.copy()
