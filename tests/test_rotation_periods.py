"""The start and end of a rotation period, for the roles that follow the person (no plan needed)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, Position, Posting, RoleAssignment, User
from webapp.processes.rotation_plan.models import Rotation, RotationStatus
from webapp.processes.rotation_plan.periods import end_rotation, start_rotation
from webapp.roles import Role


def _roles(user_id: int) -> set[tuple[str, str]]:
    return {(role.value, code) for role, code in db.session.execute(
        select(RoleAssignment.role, Organisation.code).join(Organisation, Organisation.id == RoleAssignment.org_id)
        .where(RoleAssignment.user_id == user_id))}


def _rotation(user: User, sending: Organisation, receiving: Organisation) -> Rotation:
    return Rotation(user_id=user.id, form="group", sending_school_id=sending.id, receiving_school_id=receiving.id,
                    start_date=date(2027, 9, 1), end_date=date(2028, 9, 1), personnel_moved=False)


def test_a_principal_takes_the_school_administrator_role_and_brings_back_only_what_moved(app, demo):
    with app.app_context():
        schools = {o.code[-2:]: o for o in db.session.scalars(select(Organisation).where(Organisation.code.like("530101-%")))}
        principal = db.session.scalar(select(User).filter_by(username="s1admin"))
        db.session.add(Posting(user_id=principal.id, school_id=schools["01"].id, position=Position.principal,
                               start_date=date(2015, 9, 1)))
        # Already an administrator of the receiving school: that role is theirs before, during and after.
        db.session.add(RoleAssignment(user_id=principal.id, role=Role.school_admin, org_id=schools["02"].id))
        db.session.flush()
        rotation = _rotation(principal, schools["01"], schools["02"])
        start_rotation(rotation)
        assert rotation.status is RotationStatus.active and rotation.moved_roles == []
        assert _roles(principal.id) == {("school_admin", "530101-01"), ("school_admin", "530101-02")}

        teacher = db.session.scalar(select(User).filter_by(username="t002"))  # a teacher of school 2
        db.session.add(Posting(user_id=teacher.id, school_id=schools["02"].id, position=Position.vice_principal,
                               start_date=date(2010, 9, 1)))
        db.session.add(RoleAssignment(user_id=teacher.id, role=Role.school_admin, org_id=schools["02"].id))
        db.session.flush()
        vice = _rotation(teacher, schools["02"], schools["03"])
        start_rotation(vice)
        assert sorted(vice.moved_roles) == ["school_admin", "teacher"]
        assert _roles(teacher.id) == {("school_admin", "530101-03"), ("teacher", "530101-03")}
        end_rotation(vice)
        assert _roles(teacher.id) == {("school_admin", "530101-02"), ("teacher", "530101-02")}

        plain = db.session.scalar(select(User).filter_by(username="t001"))
        db.session.add(RoleAssignment(user_id=plain.id, role=Role.school_committee, org_id=schools["01"].id))
        db.session.add(Posting(user_id=plain.id, school_id=schools["01"].id, position=Position.teacher,
                               start_date=date(2012, 9, 1)))
        db.session.flush()
        move = _rotation(plain, schools["01"], schools["03"])
        start_rotation(move)
        assert move.moved_roles == ["teacher"]  # a teacher's committee seat stays with the school
        assert _roles(plain.id) == {("teacher", "530101-03"), ("school_committee", "530101-01")}
        db.session.rollback()
