"""Words of the training in the page's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

COHORT_STATUS = {
    "planning": _l("Planning"),
    "centralised": _l("Centralised training"),
    "practice": _l("Decentralised practice"),
    "assessment": _l("Assessment"),
    "done": _l("Finished"),
    "cancelled": _l("Cancelled"),
}
TRAINEE_STATUS = {
    "active": _l("In training"),
    "passed": _l("Passed"),
    "eliminated": _l("Eliminated"),
    "withdrawn": _l("Withdrawn"),
}
MARKS = {
    "present": _l("Present"),
    "late": _l("Late"),
    "absent": _l("Absent"),
    "leave": _l("On leave"),
}
PRACTICE_STATUS = {
    "submitted": _l("Waiting for the mentor"),
    "accepted": _l("Accepted"),
    "returned": _l("Returned"),
}
# Components of seed 001 (part 3); a component not listed here is shown by its name.
COMPONENTS = {
    "learning": _l("Learning performance"),
    "design": _l("Teaching design"),
    "fragment": _l("Fragment teaching and blackboard"),
    "courseware": _l("Courseware"),
    "research": _l("Research project"),
    "portfolio": _l("Portfolio"),
}


def component_label(name: str) -> str:
    """A component's name in the page's language."""
    label = COMPONENTS.get(name)
    return str(label) if label is not None else name


def status_reason(reason: str | None) -> str:
    """Why a trainee left the cohort, in the reader's language (rule reasons are stored as codes,
    a withdrawal's reason as the trainee wrote it)."""
    from flask_babel import gettext as _

    if not reason:
        return ""
    kind, _sep, rest = reason.partition("|")
    parts = rest.split("|")
    if kind == "attendance" and len(parts) == 2:
        return _("Attendance %(rate)s %% of the centralised training hours, under the required %(threshold)s %%.",
                 rate=parts[0], threshold=parts[1])
    if kind == "score" and len(parts) == 2:
        return _("Weighted assessment total %(total)s, under the pass line of %(line)s.", total=parts[0], line=parts[1])
    return reason
