"""Password rules: at least 8 characters, not a common password, not the user name."""
from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# No 0/O, 1/l/I: read out over the phone and typed by hand.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list of common passwords (lower case), one a line in `common_passwords.txt`."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why the password is refused, in the user's language; None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("At least %(count)d characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("At most %(count)d characters.", count=MAX_LENGTH)
    if password.lower() in common_passwords() or len(set(password)) <= 2:
        return _("This password is too common: choose another.")
    if username and username.lower() in password.lower():
        return _("The password must not contain the user name.")
    return None


def temporary_password() -> str:
    """A random temporary password that passes the rules."""
    while True:
        candidate = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(12))
        if password_problem(candidate) is None:
            return candidate
