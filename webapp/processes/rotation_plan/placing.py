"""The county office's matching: the solver's placements, manual moves checked against the rules,
and what each school is asked to confirm."""
from __future__ import annotations

import hashlib
from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ...core.errors import Conflict, NotFound
from ...extensions import db
from ...models import EmploymentRecord, Organisation, StaffingNeed, TeacherProfile
from .due import county_schools
from .labels import RULES
from .matching import Nominee, explain, match
from .models import Nomination, NominationStatus, PlanStatus, Rotation, RotationPlan, SchoolResponse
from .audit import record
from .rules import School, broken_rule


def rule_schools(plan: RotationPlan) -> dict[int, School]:
    """The county's schools as the rules see them, with their staffing by subject."""
    orgs = county_schools(plan.county)
    staffing: dict[int, dict[str, int]] = {org.id: {} for org in orgs}
    for need in db.session.scalars(select(StaffingNeed).where(StaffingNeed.school_id.in_(staffing))):
        staffing[need.school_id][need.subject] = need.balance
    return {org.id: School(org.id, plan.county_id, org.is_rural, org.is_weak, org.school_group,
                           org.supervision_district, org.paired_school_id, staffing[org.id]) for org in orgs}


def subjects(user_ids) -> dict[int, str | None]:
    """user id → subject (the employment record's, else the teacher profile's)."""
    found = {uid: subject for uid, subject in db.session.execute(
        select(TeacherProfile.user_id, TeacherProfile.subject).where(TeacherProfile.user_id.in_(user_ids)))}
    for uid, subject in db.session.execute(
            select(EmploymentRecord.user_id, EmploymentRecord.subject).where(EmploymentRecord.user_id.in_(user_ids))):
        if subject:
            found[uid] = subject
    return found


def nominees(plan: RotationPlan, schools: dict[int, School]) -> list[tuple[Nomination, Nominee]]:
    """The plan's nominations as the solver sees them."""
    rows = db.session.scalars(select(Nomination).filter_by(plan_id=plan.id, status=NominationStatus.nominated)
                              .order_by(Nomination.id)).all()
    subject_of = subjects([n.user_id for n in rows])
    return [(n, Nominee(n.id, n.form, schools[n.school_id], subject_of.get(n.user_id), tuple(n.preferences or ())))
            for n in rows]


def places(plan: RotationPlan) -> dict[tuple[int, str], int]:
    """(school id, form) → places the school receives."""
    return {(q.school_id, q.form): q.receives for q in plan.quotas if q.receives > 0}


def _editable(plan: RotationPlan) -> None:
    if plan.status is not PlanStatus.matching:
        raise Conflict(_("The matching can be changed only while the plan is at the matching step."))


def run_matching(plan: RotationPlan, actor=None) -> tuple[int, int]:
    """Replace the plan's placements with the solver's; returns (placed, not placed)."""
    _editable(plan)
    schools = rule_schools(plan)
    pairs = nominees(plan, schools)
    result = match([nominee for _, nominee in pairs], schools, places(plan))
    db.session.execute(delete(Rotation).where(Rotation.plan_id == plan.id))
    for nomination, nominee in pairs:
        placement = result[nominee.id]
        db.session.add(Rotation(plan_id=plan.id, nomination_id=nomination.id, user_id=nomination.user_id,
                                form=nomination.form, sending_school_id=nomination.school_id,
                                receiving_school_id=placement.school_id, start_date=plan.start_date,
                                end_date=plan.end_date, explanation=placement.explanation))
    plan.matching_revision += 1
    db.session.flush()
    placed = sum(1 for p in result.values() if p.school_id is not None)
    record(plan, actor, "rotation_matched", f"{placed} / {len(result)}", {"placed": placed, "nominees": len(result)})
    return placed, len(result) - placed


def plan_rotations(plan: RotationPlan) -> list[Rotation]:
    """The plan's placements, by sending school."""
    # The pages show every row's person and schools: loaded in three queries, not three per row.
    return list(db.session.scalars(select(Rotation).filter_by(plan_id=plan.id)
                                   .options(selectinload(Rotation.user), selectinload(Rotation.sending_school),
                                            selectinload(Rotation.receiving_school))
                                   .order_by(Rotation.sending_school_id, Rotation.id)))


def move(plan: RotationPlan, rotation_id: int, school_id: int, actor=None) -> str | None:
    """Place one nominee by hand; returns the message of the rule it would break (nothing changes then)."""
    _editable(plan)
    rotation = db.session.get(Rotation, rotation_id)
    if rotation is None or rotation.plan_id != plan.id:
        raise NotFound(_("This page does not exist, or you may not see it."))
    schools = rule_schools(plan)
    receiving = schools.get(school_id)
    if receiving is None:
        return str(RULES["other_county"])
    subject = subjects([rotation.user_id]).get(rotation.user_id)
    broken = broken_rule(rotation.form, schools[rotation.sending_school_id], receiving, subject)
    if broken is None:
        taken = Counter((r.receiving_school_id, r.form) for r in plan_rotations(plan) if r.id != rotation.id)
        if taken[(school_id, rotation.form)] >= places(plan).get((school_id, rotation.form), 0):
            broken = "quota_full"
    if broken is not None:
        return str(RULES[broken])
    nominee = Nominee(rotation.nomination_id, rotation.form, schools[rotation.sending_school_id], subject,
                      tuple(rotation.nomination.preferences or ()))
    rotation.receiving_school_id = school_id
    rotation.explanation = [["manual", {}], *explain(nominee, receiving)]
    rotation.manual = True
    plan.matching_revision += 1
    record(plan, actor, "rotation_moved", f"{rotation.user.display_name} → {db.session.get(Organisation, school_id).name}",
           {"rotation_id": rotation.id, "school_id": school_id})
    db.session.flush()
    return None


def fingerprint(plan: RotationPlan, school_id: int, rotations: list[Rotation]) -> str:
    """What a school is asked to confirm: every rotation it sends or receives, as one digest."""
    lines = sorted(f"{r.user_id}:{r.form}:{r.sending_school_id}:{r.receiving_school_id}:{r.start_date}:{r.end_date}"
                   for r in rotations if school_id in (r.sending_school_id, r.receiving_school_id))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def involved_schools(rotations: list[Rotation]) -> set[int]:
    """Schools that send or receive someone."""
    return {r.sending_school_id for r in rotations} | {r.receiving_school_id for r in rotations if r.receiving_school_id}


def latest_responses(plan: RotationPlan) -> dict[int, SchoolResponse]:
    """school id → its latest answer."""
    latest: dict[int, SchoolResponse] = {}
    for row in db.session.scalars(select(SchoolResponse).filter_by(plan_id=plan.id)
                                  .options(selectinload(SchoolResponse.school)).order_by(SchoolResponse.id)):
        latest[row.school_id] = row
    return latest


def schools_to_confirm(plan: RotationPlan, rotations: list[Rotation]) -> list[int]:
    """Involved schools that have not confirmed exactly what they would see now."""
    latest = latest_responses(plan)
    return sorted(school_id for school_id in involved_schools(rotations)
                  if not (latest.get(school_id) and latest[school_id].decision == "confirmed"
                          and latest[school_id].fingerprint == fingerprint(plan, school_id, rotations)))


def school_rotations(plan: RotationPlan, school: Organisation) -> tuple[list[Rotation], list[Rotation]]:
    """(sent, received) placements of a school."""
    rotations = plan_rotations(plan)
    return ([r for r in rotations if r.sending_school_id == school.id],
            [r for r in rotations if r.receiving_school_id == school.id])


def set_personnel(plan: RotationPlan, rotation_id: int, moved: bool, actor=None) -> None:
    """Record whether the personnel relationship moves with the teacher."""
    _editable(plan)
    rotation = db.session.get(Rotation, rotation_id)
    if rotation is None or rotation.plan_id != plan.id:
        raise NotFound(_("This page does not exist, or you may not see it."))
    rotation.personnel_moved = moved
    plan.matching_revision += 1
    record(plan, actor, "rotation_personnel", f"{rotation.user.display_name}: {'moves' if moved else 'stays'}",
           {"rotation_id": rotation.id, "moved": moved})
    db.session.flush()
