"""Names of levels, categories, professional titles and education, in the page's language."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

LEVELS = {
    "province": _l("Provincial"),
    "city": _l("Municipal"),
    "county": _l("County-level"),
    "school": _l("School-level"),
}

CATEGORIES = {
    "famous_teacher": _l("famous teacher"),
    "academic_leader": _l("academic leader"),
    "backbone": _l("backbone teacher"),
}

PROFESSIONAL_TITLES = {
    "none": _l("No professional title"),
    "junior": _l("Junior (second-grade) teacher"),
    "intermediate": _l("Intermediate (first-grade) teacher"),
    "senior": _l("Senior teacher"),
    "full_senior": _l("Full senior teacher"),
}

EDUCATION = {
    "secondary": _l("Secondary school"),
    "associate": _l("Associate degree"),
    "bachelor": _l("Bachelor's degree"),
    "master": _l("Master's degree"),
    "doctor": _l("Doctorate"),
}

APPLICATION_STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted, waiting for the school"),
    "returned": _l("Returned for correction"),
    "ineligible": _l("Not eligible"),
    "accepted": _l("Accepted by the school"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Deadline passed"),
}


def level_label(level: str, english: bool | None = None) -> str:
    """'县级' / 'County-level'."""
    return _label(LEVELS, level, english)


def category_label(category: str, english: bool | None = None) -> str:
    """'学科带头人' / 'academic leader'."""
    return _label(CATEGORIES, category, english)


def title_label(level: str, category: str) -> str:
    """A title as one phrase in the page's language, e.g. '县级学科带头人'."""
    from ..i18n import is_english

    if is_english():
        return f"{level_label(level)} {category_label(category)}"
    return f"{level_label(level)}{category_label(category)}"


def _label(table: dict, key: str, english: bool | None) -> str:
    """Look a key up; `english` False forces Chinese (for records stored in the official language)."""
    if english is False:
        with force_locale("zh_Hans_CN"):
            return str(table.get(key, key))
    return str(table.get(key, key))


DECLARATION_FORM = "self_application_declaration.schema.json"


def subject_label(code: str | None, english: bool | None = None) -> str:
    """A subject's name as the declaration form lists it (administrators edit the list there)."""
    if not code:
        return ""
    from flask import current_app

    from ..forms import FormFileError
    from ..forms.localize import localized

    try:
        options = current_app.extensions["form_library"].options(DECLARATION_FORM, "subject")
    except FormFileError:
        return code
    for option in options:
        if option.get("const") == code:
            if english is None:
                return localized(option, "title") or code
            return str(option.get("x-title-en" if english else "title") or code)
    return code
