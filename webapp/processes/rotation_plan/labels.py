"""Words of the rotation plan: forms, statuses, positions, the rules of the forms and the matches' reasons."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...titles import _label
from ..self_application.labels import subject_label

FORM_LABELS = {
    "support": _l("Support teaching (urban to rural)"),
    "exchange": _l("Exchange between paired schools"),
    "secondment": _l("Secondment from a surplus school to a weak school"),
    "group": _l("Exchange within a school group"),
    "district": _l("Rotation within a supervision district"),
    "pairing": _l("Pairing with a weak or rural school"),
    "": _l("Any form"),
}

PLAN_STATUS = {
    "quotas": _l("Quotas being set"),
    "nominating": _l("Schools nominate"),
    "matching": _l("Matching"),
    "confirming": _l("Schools confirm"),
    "approval": _l("Waiting for county approval"),
    "published": _l("Published"),
    "running": _l("Rotation under way"),
    "finished": _l("Finished"),
}

POSITIONS = {
    "teacher": _l("Teacher"),
    "vice_principal": _l("Vice-principal"),
    "principal": _l("Principal"),
}

TITLE_GRADES = {
    "junior": _l("Junior"),
    "intermediate": _l("Intermediate"),
    "senior": _l("Senior"),
}

DUE_RULES = {
    "principal_term": _l("Principal's term in one school"),
    "vice_principal_term": _l("Vice-principal's term in one school"),
    "new_urban_teacher": _l("Newly hired urban teacher"),
    "senior_title_exchange": _l("Exchange service for the senior title"),
    "title_holder_pairing": _l("Famous or backbone teacher to be paired"),
}

# Joint activities of a pairing (对口帮扶); the activity form file offers the same codes.
ACTIVITY_KINDS = {
    "demonstration_class": _l("Demonstration class"),
    "lesson_review": _l("Lesson observation and review"),
    "joint_preparation": _l("Joint lesson preparation"),
    "lecture": _l("Lecture"),
    "other": _l("Other"),
}

ROTATION_STATUS = {
    "planned": _l("Planned"),
    "active": _l("At the receiving school"),
    "completed": _l("Completed"),
}

# A rule a placement breaks: shown when the office's manual move is refused, with the rule named.
RULES = {
    "same_school": _l("The receiving school must be another school than the sending one."),
    "other_county": _l("The receiving school must be in the same county."),
    "support_urban_to_rural": _l("Support teaching sends a teacher from an urban school to a rural school."),
    "exchange_paired": _l("An exchange goes only between paired schools."),
    "secondment_surplus": _l("A secondment comes only from a school with a surplus in the teacher's subject."),
    "secondment_weak": _l("A secondment goes only to a weak school."),
    "group_same": _l("An exchange within a group stays within the sending school's school group."),
    "district_same": _l("A rotation within a district stays within the sending school's supervision district."),
    "unknown_form": _l("Unknown form of exchange."),
    "quota_full": _l("The receiving school has no place left in this form."),
}


def form_label(form: str | None) -> str:
    """A form of exchange in the page's language."""
    return str(FORM_LABELS.get(form or "", form))


def explanation_text(items: list, english: bool | None = None) -> str:
    """A match's reasons as one sentence in the page's language (or a forced one)."""
    parts = []
    for code, params in items or []:
        if code == "form_rule":
            parts.append(_("meets the rule of the form: %(form)s", form=form_label(params.get("form"))))
        elif code == "subject_short":
            parts.append(_("short of %(count)s %(subject)s teacher(s)", count=params.get("count"),
                           subject=subject_label(params.get("subject", ""), english=english)))
        elif code == "subject_surplus":
            parts.append(_("has a surplus of %(count)s in %(subject)s", count=params.get("count"),
                           subject=subject_label(params.get("subject", ""), english=english)))
        elif code == "preference":
            parts.append(_("the teacher's choice no. %(rank)s", rank=params.get("rank")))
        elif code == "preference_not_met":
            parts.append(_("none of the teacher's choices had an allowed place left"))
        elif code == "no_place":
            parts.append(_("no receiving school with a free place in this form meets its rules"))
        elif code == "manual":
            parts.append(_("placed by the county office"))
    return "; ".join(parts)


def label_of(table: dict):
    """A label function for one table (unknown keys as they are)."""
    return lambda key: str(table.get(key, key))


def grade_label(grade: str | None, english: bool | None = None) -> str:
    """A title grade (初级 / 中级 / 高级)."""
    return _label(TITLE_GRADES, grade or "", english)
