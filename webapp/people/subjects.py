"""Subjects as the declaration form lists them (code, Chinese, English)."""
from __future__ import annotations

from flask import current_app

from ..processes.self_application.labels import DECLARATION_FORM


def subject_options() -> list[dict]:
    """[{"const": code, "title": 中文, "x-title-en": English}, …]."""
    return current_app.extensions["form_library"].options(DECLARATION_FORM, "subject")


def subject_codes() -> set[str]:
    """Every subject code."""
    return {option["const"] for option in subject_options()}


def subject_lookup() -> dict[str, str]:
    """Code, Chinese name and English name (lower case) → code."""
    table = {}
    for option in subject_options():
        code = option["const"]
        table.update({code: code, str(option.get("title") or code): code, str(option.get("x-title-en") or code).lower(): code})
    return table


def subject_label(code: str, english: bool) -> str:
    """A subject's name in the page's language."""
    for option in subject_options():
        if option["const"] == code:
            return str(option.get("x-title-en") if english else option.get("title")) or code
    return code
