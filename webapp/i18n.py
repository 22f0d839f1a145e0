"""Language and time zone of the current request: Simplified Chinese unless the user chose English."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    """The user's saved choice, then the session's, then the site default (zh_Hans_CN).

    Outside a request (scheduled jobs) it is the default; e-mails pick the recipient's language
    themselves with `force_locale`.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    choice = request.args.get("lang") if request else None
    if choice in current_app.config["LANGUAGES"]:
        return choice
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    if session.get("lang") in current_app.config["LANGUAGES"]:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """All users work in the site's time zone (China has one)."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def is_english() -> bool:
    """True when the page speaks English (to pick the `_en` variant of bilingual texts)."""
    from flask_babel import get_locale

    return str(get_locale()).startswith("en")
