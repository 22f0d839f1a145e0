"""Schools nominate from their due lists and volunteers; teachers volunteer; due people may be exempted."""
from __future__ import annotations

from collections import Counter, defaultdict

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...core.errors import Conflict, NotFound
from ...extensions import db
from ...models import Organisation, Posting, PostingKind, User
from .access import current_school
from .due import county_schools
from .models import (FORMS, DueEntry, Nomination, NominationStatus, PlanStatus, Rotation, RotationPlan,
                     RotationStatus, Volunteer)
from .plans import quota_table
from .audit import record
from .validation import FieldErrors

MAX_PREFERENCES = 3


def _open_for_nominations(plan: RotationPlan) -> None:
    if plan.status is not PlanStatus.nominating:
        raise Conflict(_("Nominations for this plan are closed."))


def nominated_counts(plan: RotationPlan) -> Counter:
    """(school id, form) → people nominated."""
    rows = db.session.execute(select(Nomination.school_id, Nomination.form).filter_by(
        plan_id=plan.id, status=NominationStatus.nominated)).all()
    return Counter((school_id, form) for school_id, form in rows)


def school_due(plan: RotationPlan, school: Organisation) -> dict[int, list[DueEntry]]:
    """user id → the school's due entries of that person."""
    grouped: dict[int, list[DueEntry]] = defaultdict(list)
    for entry in db.session.scalars(select(DueEntry).filter_by(plan_id=plan.id, school_id=school.id)
                                    .options(selectinload(DueEntry.user)).order_by(DueEntry.user_id, DueEntry.rule)):
        grouped[entry.user_id].append(entry)
    return grouped


def school_staff(school: Organisation, on) -> list[User]:
    """People holding an appointment at the school on `on`, by name."""
    postings = db.session.scalars(select(Posting).filter_by(school_id=school.id, kind=PostingKind.appointment)
                                  .options(selectinload(Posting.user))).all()
    people = {p.user_id: p.user for p in postings if p.covers(on)}
    return sorted(people.values(), key=lambda u: u.username)


def school_nominations(plan: RotationPlan, school: Organisation) -> list[Nomination]:
    """The school's answers so far."""
    return list(db.session.scalars(select(Nomination).filter_by(plan_id=plan.id, school_id=school.id)
                                   .options(selectinload(Nomination.user)).order_by(Nomination.id)))


def school_volunteers(plan: RotationPlan, school: Organisation) -> list[Volunteer]:
    """Teachers of the school who volunteered this year."""
    return list(db.session.scalars(select(Volunteer).filter_by(plan_id=plan.id, school_id=school.id)
                                   .options(selectinload(Volunteer.user)).order_by(Volunteer.id)))


def overlapping_rotation(plan: RotationPlan, user_id: int) -> tuple[object, object] | None:
    """(start, end) of the person's rotation or nomination in another plan overlapping this plan's period."""
    rotation = db.session.scalar(select(Rotation).where(
        Rotation.user_id == user_id, Rotation.plan_id != plan.id, Rotation.status != RotationStatus.completed,
        Rotation.start_date < plan.end_date, Rotation.end_date > plan.start_date).limit(1))
    if rotation is not None:
        return rotation.start_date, rotation.end_date
    other = db.session.scalar(select(RotationPlan).join(Nomination, Nomination.plan_id == RotationPlan.id).where(
        Nomination.user_id == user_id, Nomination.status == NominationStatus.nominated, RotationPlan.id != plan.id,
        RotationPlan.status != PlanStatus.finished,
        RotationPlan.start_date < plan.end_date, RotationPlan.end_date > plan.start_date).limit(1))
    return (other.start_date, other.end_date) if other is not None else None


def read_preferences(plan: RotationPlan, sending: Organisation | None, form, errors: FieldErrors) -> list[int]:
    """Up to three distinct receiving schools of the county, none of them the sending school."""
    schools = {s.id for s in county_schools(plan.county)}
    chosen: list[int] = []
    for rank in range(1, MAX_PREFERENCES + 1):
        name = f"pref{rank}"
        raw = (form.get(name) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) not in schools:
            errors.add(name, _("Choose a school of this county."))
        elif sending is not None and int(raw) == sending.id:
            errors.add(name, _("The receiving school must be another school than the sending one."))
        elif int(raw) in chosen:
            errors.add(name, _("This school is already among the choices."))
        else:
            chosen.append(int(raw))
    return chosen


def _person_of_school(plan: RotationPlan, school: Organisation, raw, errors: FieldErrors) -> User | None:
    """The nominee, who must hold an appointment at this school (so in this county)."""
    person = db.session.get(User, int(raw)) if str(raw or "").isdigit() else None
    if person is None:
        errors.add("person", _("Choose a person."))
        return None
    home = current_school(person, plan.start_date)
    if home is None or not home.path.startswith(plan.county.path):
        errors.add("person", _("%(name)s does not serve in this county and cannot be nominated here.",
                               name=person.display_name))
        return None
    if home.id != school.id:
        errors.add("person", _("%(name)s serves at another school; only that school can nominate them.",
                               name=person.display_name))
        return None
    return person


def nominate(user: User, plan: RotationPlan, school: Organisation, form) -> FieldErrors:
    """Nominate one person of the school in a form, within the school's sending quota."""
    _open_for_nominations(plan)
    errors = FieldErrors()
    person = _person_of_school(plan, school, form.get("person"), errors)
    form_key = (form.get("form") or "").strip()
    if form_key not in FORMS:
        errors.add("form", _("Choose a form of exchange."))
    preferences = read_preferences(plan, school, form, errors)
    if errors:
        return errors
    existing = db.session.scalar(select(Nomination).filter_by(plan_id=plan.id, user_id=person.id))
    quota = quota_table(plan).get((school.id, form_key))
    used = nominated_counts(plan)[(school.id, form_key)]
    if existing is not None and existing.status is NominationStatus.nominated and existing.form == form_key:
        used -= 1
    if used >= (quota.sends if quota else 0):
        errors.add("form", _("The school's quota in this form (%(quota)s) is used up.", quota=quota.sends if quota else 0))
    clash = overlapping_rotation(plan, person.id)
    if clash is not None:
        errors.add("person", _("%(name)s already has a rotation from %(start)s to %(end)s, which overlaps this plan.",
                               name=person.display_name, start=clash[0], end=clash[1]))
    if errors:
        return errors
    volunteer = db.session.scalar(select(Volunteer).filter_by(plan_id=plan.id, user_id=person.id))
    if not preferences and volunteer is not None:
        preferences = list(volunteer.preferences or [])
    is_due = db.session.scalar(select(DueEntry.id).filter_by(plan_id=plan.id, user_id=person.id).limit(1)) is not None
    row = existing or Nomination(plan_id=plan.id, user_id=person.id, school_id=school.id)
    row.status, row.form, row.preferences = NominationStatus.nominated, form_key, preferences
    row.source = "due" if is_due else "volunteer" if volunteer else "school"
    row.exemption_reason, row.created_by_id = None, user.id
    db.session.add(row)
    record(plan, user, "rotation_nominated", f"{school.name}: {person.display_name} ({form_key})",
           {"user_id": person.id, "form": form_key, "preferences": preferences})
    db.session.flush()
    return errors


def exempt(user: User, plan: RotationPlan, school: Organisation, form) -> FieldErrors:
    """Exempt a due person of the school this year; the reason is required and recorded."""
    _open_for_nominations(plan)
    errors = FieldErrors()
    person = _person_of_school(plan, school, form.get("person"), errors)
    reason = errors.text(form, "reason", _("Reason for the exemption"), minimum=5)
    if errors:
        return errors
    if person.id not in school_due(plan, school):
        errors.add("person", _("Only people on the due list can be exempted."))
        return errors
    row = db.session.scalar(select(Nomination).filter_by(plan_id=plan.id, user_id=person.id)) or \
        Nomination(plan_id=plan.id, user_id=person.id, school_id=school.id, source="due")
    row.status, row.form, row.preferences = NominationStatus.exempted, "", []
    row.exemption_reason, row.created_by_id = reason, user.id
    db.session.add(row)
    record(plan, user, "rotation_exempted", f"{school.name}: {person.display_name} — {reason}", {"user_id": person.id})
    db.session.flush()
    return errors


def withdraw(user: User, plan: RotationPlan, school: Organisation, nomination_id: int) -> None:
    """Take back a nomination or exemption while nominations are open."""
    _open_for_nominations(plan)
    row = db.session.get(Nomination, nomination_id)
    if row is None or row.plan_id != plan.id or row.school_id != school.id:
        raise NotFound(_("This page does not exist, or you may not see it."))
    record(plan, user, "rotation_taken_back", f"{school.name}: {row.user.display_name}", {"user_id": row.user_id})
    db.session.delete(row)
    db.session.flush()


def volunteer(user: User, plan: RotationPlan, form) -> FieldErrors:
    """A teacher offers to rotate, with a form (or any) and up to three preferred schools."""
    if plan.status not in (PlanStatus.quotas, PlanStatus.nominating):
        raise Conflict(_("Nominations for this plan are closed."))
    errors = FieldErrors()
    school = current_school(user, plan.start_date)
    if school is None or not school.path.startswith(plan.county.path):
        raise NotFound(_("This page does not exist, or you may not see it."))
    form_key = (form.get("form") or "").strip()
    if form_key and form_key not in FORMS:
        errors.add("form", _("Choose a form of exchange."))
    preferences = read_preferences(plan, school, form, errors)
    note = errors.text(form, "note", _("Note"), maximum=500)
    if errors:
        return errors
    row = db.session.scalar(select(Volunteer).filter_by(plan_id=plan.id, user_id=user.id)) or \
        Volunteer(plan_id=plan.id, user_id=user.id)
    row.school_id, row.form, row.preferences, row.note = school.id, form_key, preferences, note or None
    db.session.add(row)
    record(plan, user, "rotation_volunteered", f"{school.name}: {user.display_name} ({form_key or '-'})")
    db.session.flush()
    return errors
