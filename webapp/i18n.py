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


def format_deadline(value, english: bool | None = None) -> str:
    """A deadline as its last day: midnight closing 9 December reads '2026年12月9日 24时' / '2026-12-09 24:00'.

    Deadlines are stored as the moment they pass (local midnight after the last day); showing that
    moment ('12-10 00:00') reads as a day later than meant. Other times show as they are.
    """
    from datetime import datetime, timedelta

    from flask_babel import format_date, format_datetime, to_user_timezone

    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    english = is_english() if english is None else english
    local = to_user_timezone(value)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        last_day = local.date() - timedelta(days=1)
        return f"{format_date(last_day, 'yyyy-MM-dd')} 24:00" if english else f"{format_date(last_day, 'y年M月d日')} 24时"
    return format_datetime(value, "yyyy-MM-dd HH:mm" if english else "y年M月d日 HH:mm")


def format_moment(value, english: bool | None = None) -> str:
    """A point in time in the same style as deadlines ('2026年12月2日 11:24' / '2026-12-02 11:24')."""
    from flask_babel import format_datetime

    if value is None:
        return ""
    english = is_english() if english is None else english
    return format_datetime(value, "yyyy-MM-dd HH:mm" if english else "y年M月d日 HH:mm")


def join_list(items, english: bool | None = None) -> str:
    """Items as one list with the language's punctuation: 'a、b' / 'a, b'."""
    english = is_english() if english is None else english
    return (", " if english else "、").join(str(item) for item in items)


def parenthesised(text, english: bool | None = None) -> str:
    """A remark in the language's brackets: '（数学）' / ' (Mathematics)'."""
    english = is_english() if english is None else english
    return f" ({text})" if english else f"（{text}）"


def in_language(chinese, english_text, english: bool):
    """A text stored in both languages, in the page's: the English one falls back to the Chinese
    (names and titles an administrator left untranslated stay as entered)."""
    return (english_text or chinese) if english else chinese
