"""Words of the self-application process: application statuses and subjects, in the page's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

APPLICATION_STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted, waiting for the school"),
    "returned": _l("Returned for correction"),
    "ineligible": _l("Not eligible"),
    "accepted": _l("Accepted by the school"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Deadline passed"),
    "renewed": _l("Title renewed"),
    "refused": _l("Renewal refused"),
}


def application_status(value: str) -> str:
    """An application status in the page's language."""
    return str(APPLICATION_STATUS.get(value, value))


DECLARATION_FORM = "self_application_declaration.schema.json"


def subject_label(code: str | None, english: bool | None = None) -> str:
    """A subject's name as the declaration form lists it (administrators edit the list there)."""
    if not code:
        return ""
    from flask import current_app

    from ...forms import FormFileError
    from ...forms.localize import localized

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
