"""Resident identity numbers (居民身份证号码, GB 11643-1999): 18 characters, the last a checksum."""
from __future__ import annotations

from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """The checksum character for the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def normalise(value: str) -> str:
    """Trimmed, with a lower-case x made upper case."""
    return value.strip().upper()


def is_valid(number: str) -> bool:
    """True if the number has 18 characters, a real birth date and the right checksum."""
    return (len(number) == 18 and number[:17].isdigit() and number[17] in "0123456789X"
            and birth_date(number) is not None and check_char(number[:17]) == number[17])


def birth_date(number: str) -> date | None:
    """The birth date written in the number (characters 7–14), None if it is not a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def gender(number: str) -> str:
    """'男' if the 17th digit is odd, '女' if even."""
    return "男" if int(number[16]) % 2 else "女"


def make(region: str, born: date, sequence: int) -> str:
    """A valid number for tests, demo data and benchmarks (`sequence` 0–999, odd: male)."""
    first17 = f"{region[:6]:0<6}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
