"""A holder moves to another school: a title event; with a change of personnel relationship the
allowance stops (seed 002) and the holder's managing school and teacher role move too."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ... import register
from ...extensions import db
from ...forms import FieldError
from ...models import Organisation, OrgKind, TeacherProfile, TitleHolding, User
from ..rotation_plan.periods import move_managing_school
from ...notifications.events import app_path
from .notices import school_admin_ids, tell


def current_school_id(title: TitleHolding) -> int | None:
    """The holder's managing school now."""
    return db.session.scalar(select(TeacherProfile.school_id).where(TeacherProfile.user_id == title.user_id)) \
        or title.org_id


def check_transfer(title: TitleHolding, form: dict) -> tuple[dict, list[FieldError]]:
    """The transfer's values, or the fields in error (unknown school, the same school, a bad date)."""
    errors = []
    values = {"to_school": (form.get("to_school") or "").strip(), "on": (form.get("on") or "").strip(),
              "personnel_change": form.get("personnel_change") in ("1", "true", "on"),
              "reason": (form.get("reason") or "").strip()[:500]}
    school = None
    if values["to_school"].isdigit():
        school = db.session.get(Organisation, int(values["to_school"]))
    if school is None or school.kind is not OrgKind.school:
        errors.append(FieldError(("to_school",), _("New school"), _("Choose a school from the list: this school is unknown.")))
    elif school.id == current_school_id(title):
        errors.append(FieldError(("to_school",), _("New school"), _("The holder already serves at this school.")))
    try:
        values["on_date"] = date.fromisoformat(values["on"])
    except ValueError:
        errors.append(FieldError(("on",), _("Date of the transfer"), _("Enter a date (YYYY-MM-DD).")))
    values["school"] = school
    return values, errors


def transfer_holder(actor: User, title: TitleHolding, values: dict) -> None:
    """Record the transfer on the title (the register stops the allowance with a personnel change)."""
    school: Organisation = values["school"]
    from_school = current_school_id(title)
    register.transfer(title, values["on_date"], school.id, personnel_change=values["personnel_change"],
                      reason=values["reason"] or None, actor_id=actor.id)
    if values["personnel_change"] and from_school is not None:
        move_managing_school(title.user_id, from_school, school.id)
    event_count = len(title.events)
    holder = db.session.get(User, title.user_id)
    if values["personnel_change"]:
        message = lambda: _("%(name)s moved to %(school)s with a change of personnel relationship: the title is kept "  # noqa: E731
                            "if the year's review passes, the allowance stops from %(day)s.",
                            name=holder.display_name, school=school.name, day=values["on"])
    else:
        message = lambda: _("%(name)s moved to %(school)s from %(day)s; title and allowance are unchanged.",  # noqa: E731
                            name=holder.display_name, school=school.name, day=values["on"])
    tell([title.user_id, *school_admin_ids(from_school), *school_admin_ids(school.id)], title,
         f"title:{title.id}:transfer:{event_count}", message,
         link=app_path("annual_review.career_record", user_id=title.user_id))
