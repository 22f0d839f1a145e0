"""The rotation period: on the start date the receiving school manages the teacher, on the end date
they return (or stay, when the personnel relationship moved), and the service history records it.

The managing school is what the rest of the app reads as "the teacher's school": the teacher's role
assignment (inbox scope, who oversees their new work) and their profile (the annual review's school).
A principal or vice-principal who holds the school administrator's role at the sending school takes
that role to the receiving school for the period (they lead there, 县管校聘), and it comes back with
them; committee seats stay with the school that appointed them. Which roles moved is stored on the
rotation, so the end moves back exactly those (a role the person already held at the receiving
school is never taken away).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...models import Position, Posting, PostingKind, RoleAssignment, TeacherProfile
from ...roles import Role
from .models import PlanStatus, Rotation, RotationPlan, RotationStatus


def _current_appointment(user_id: int, on: date) -> Posting | None:
    postings = db.session.scalars(select(Posting).filter_by(user_id=user_id, kind=PostingKind.appointment)
                                  .order_by(Posting.start_date.desc())).all()
    return next((p for p in postings if p.covers(on)), None)


# The roles that follow a person to the receiving school, by the position they hold at home.
FOLLOWING_ROLES = {
    Position.teacher: (Role.teacher,),
    Position.vice_principal: (Role.teacher, Role.school_admin),
    Position.principal: (Role.teacher, Role.school_admin),
}


def move_managing_school(user_id: int, from_school_id: int, to_school_id: int,
                         roles=(Role.teacher,)) -> list[str]:
    """Move the person's `roles` and profile from one school to another; returns the roles moved.

    A role the person already holds at the target school is left where it is (and not reported as
    moved), so moving back never takes away a role they had there before.
    """
    moved = []
    for role in roles:
        assignment = db.session.scalar(select(RoleAssignment).filter_by(user_id=user_id, role=role,
                                                                        org_id=from_school_id))
        clash = db.session.scalar(select(RoleAssignment.id).filter_by(user_id=user_id, role=role,
                                                                      org_id=to_school_id))
        if assignment is not None and clash is None:
            assignment.org_id = to_school_id
            moved.append(role.value)
    profile = db.session.scalar(select(TeacherProfile).filter_by(user_id=user_id))
    if profile is not None and profile.school_id == from_school_id:
        profile.school_id = to_school_id
    db.session.flush()
    return moved


def start_rotation(rotation: Rotation) -> None:
    """The teacher goes to the receiving school; a move of the personnel relationship is for good."""
    home = _current_appointment(rotation.user_id, rotation.start_date)
    position = home.position if home is not None else Position.teacher
    if rotation.personnel_moved:
        if home is not None:
            home.end_date = rotation.start_date
        db.session.add(Posting(user_id=rotation.user_id, school_id=rotation.receiving_school_id, position=position,
                               start_date=rotation.start_date, personnel_moved=True, kind=PostingKind.appointment))
    else:
        db.session.add(Posting(user_id=rotation.user_id, school_id=rotation.receiving_school_id, position=position,
                               start_date=rotation.start_date, end_date=rotation.end_date, personnel_moved=False,
                               kind=PostingKind.rotation))
    rotation.moved_roles = move_managing_school(rotation.user_id, rotation.sending_school_id,
                                                rotation.receiving_school_id, FOLLOWING_ROLES[position])
    rotation.status = RotationStatus.active


def end_rotation(rotation: Rotation) -> None:
    """The teacher returns to the sending school, unless the personnel relationship moved."""
    if not rotation.personnel_moved:
        # Rotations started before roles were recorded moved the teacher role only.
        roles = [Role(value) for value in (rotation.moved_roles if rotation.moved_roles is not None else ["teacher"])]
        move_managing_school(rotation.user_id, rotation.receiving_school_id, rotation.sending_school_id, roles)
    rotation.status = RotationStatus.completed


def start_plan(plan: RotationPlan) -> int:
    """Every placed rotation of the plan starts; returns how many."""
    rotations = db.session.scalars(select(Rotation).where(
        Rotation.plan_id == plan.id, Rotation.status == RotationStatus.planned,
        Rotation.receiving_school_id.is_not(None))).all()
    for rotation in rotations:
        start_rotation(rotation)
    plan.status = PlanStatus.running
    db.session.flush()
    return len(rotations)


def end_plan(plan: RotationPlan) -> int:
    """Every running rotation of the plan ends; returns how many."""
    rotations = db.session.scalars(select(Rotation).filter_by(plan_id=plan.id, status=RotationStatus.active)).all()
    for rotation in rotations:
        end_rotation(rotation)
    plan.status = PlanStatus.finished
    db.session.flush()
    return len(rotations)
