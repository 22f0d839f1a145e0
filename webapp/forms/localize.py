"""Picking the Chinese or English text of a schema or UI schema entry."""
from __future__ import annotations

import flask_babel

# Chinese text lives in the standard keyword, English in an x-...-en sibling.
_ENGLISH_KEY = {
    "title": "x-title-en",
    "description": "x-description-en",
    "ui:help": "ui:help-en",
    "ui:placeholder": "ui:placeholder-en",
}


def prefers_chinese() -> bool:
    """True unless the current locale is a non-Chinese one (Chinese is the default)."""
    locale = flask_babel.get_locale()
    return locale is None or locale.language == "zh"


def localized(node: object, key: str) -> str:
    """Text of ``key`` (e.g. 'title') in the current language, else the other language, else ''."""
    if not isinstance(node, dict):
        return ""
    chinese = _text(node.get(key))
    english = _text(node.get(_ENGLISH_KEY[key]))
    if prefers_chinese():
        return chinese or english
    return english or chinese


def _text(value: object) -> str:
    """Only strings count as text; anything else in an untrusted file is ignored."""
    return value.strip() if isinstance(value, str) else ""
