"""Names of titles (level × category), professional titles, education and assessment results, in the page's language."""
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

ASSESSMENT_RATINGS = {
    "excellent": _l("Excellent"),
    "competent": _l("Competent"),
    "basically_competent": _l("Basically competent"),
    "fail": _l("Not competent"),
}


def professional_title_label(code: str) -> str:
    """'高级教师' / 'Senior teacher' (page language)."""
    return str(PROFESSIONAL_TITLES.get(code, code))


def education_label(code: str) -> str:
    """'本科' / "Bachelor's degree" (page language)."""
    return str(EDUCATION.get(code, code))


def rating_label(code: str) -> str:
    """An annual assessment result: '优秀' / 'Excellent' (page language)."""
    return str(ASSESSMENT_RATINGS.get(code, code))


def level_label(level: str, english: bool | None = None) -> str:
    """'县级' / 'County-level'."""
    return _label(LEVELS, level, english)


def category_label(category: str, english: bool | None = None) -> str:
    """'学科带头人' / 'academic leader'."""
    return _label(CATEGORIES, category, english)


def title_label(level: str, category: str, year: int | None = None, english: bool | None = None) -> str:
    """A title as one phrase: '县级学科带头人', '2026 年度县级学科带头人' / '2026 County-level academic leader'.

    `english` None follows the page's language; False gives the official (Chinese) wording that
    stored records use.
    """
    if english is None:
        from .i18n import is_english

        english = is_english()
    phrase = (f"{level_label(level, english)} {category_label(category, english)}" if english
              else f"{level_label(level, english)}{category_label(category, english)}")
    if year is None:
        return phrase
    return f"{year} {phrase}" if english else f"{year} 年度{phrase}"


def call_title(cycle, english: bool | None = None) -> str:
    """The title of a call for applications with its year (a cycle row)."""
    return title_label(cycle.level, cycle.category, cycle.year, english)


def office_call_title(office_name: str, cycle, stage: str, english: bool) -> str:
    """An office's instance about a call, e.g. "汉阴县 · 2026 年县级骨干教师 · 培养期"."""
    return f"{office_name} · {call_title(cycle, english=english)} · {stage}"


def call_labels(cycle) -> dict[str, str]:
    """The call's title in both languages, as the steps of a process about it show it."""
    return {"title_label": call_title(cycle, english=False), "title_label_en": call_title(cycle, english=True)}


def _label(table: dict, key: str, english: bool | None) -> str:
    """Look a key up; `english` False forces Chinese (records stored in the official language), True English."""
    if english is None:
        return str(table.get(key, key))
    with force_locale("en" if english else "zh_Hans_CN"):
        return str(table.get(key, key))


TITLE_STATUSES = {
    "active": _l("Valid"),
    "revoked": _l("Revoked"),
    "lapsed": _l("Lapsed"),
    "expired": _l("Expired"),
}

TITLE_EVENTS = {
    "conferred": _l("Title conferred"),
    "imported": _l("Entered from an earlier register"),
    "allowance_started": _l("Allowance started"),
    "allowance_stopped": _l("Allowance stopped"),
    "revoked": _l("Title revoked"),
    "reinstated": _l("Title reinstated"),
    "transferred": _l("Transferred to another organisation"),
    "renewed": _l("Title renewed"),
    "lapsed": _l("Title lapsed at the end of its term"),
}


def title_status_label(status: str) -> str:
    """'有效' / 'Valid', '已撤销' / 'Revoked', … (page language)."""
    return str(TITLE_STATUSES.get(status, status))


def title_event_label(kind: str) -> str:
    """One entry of a title's history, named in the page language."""
    return str(TITLE_EVENTS.get(kind, kind))
