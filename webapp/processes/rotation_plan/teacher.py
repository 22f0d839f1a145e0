"""What a teacher reads about their own rotation: why they are due, their offer, their placement, history."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ...extensions import db
from ...models import Posting, User
from ...roles import Role
from .access import teacher_plans
from .due import county_schools
from .models import DueEntry, Nomination, Rotation, RotationPlan, Volunteer


@dataclass
class PlanForTeacher:
    """One plan as the teacher sees it."""

    plan: RotationPlan
    due: list[DueEntry] = field(default_factory=list)
    volunteer: Volunteer | None = None
    nomination: Nomination | None = None
    rotation: Rotation | None = None


def teacher_view(user: User) -> dict | None:
    """The teacher's plans, rotations and postings; None for people who are not teachers."""
    if not any(role is Role.teacher for role, _org in user.role_scopes()):
        return None
    plans = []
    for plan in teacher_plans(user):
        plans.append(PlanForTeacher(
            plan=plan,
            due=list(db.session.scalars(select(DueEntry).filter_by(plan_id=plan.id, user_id=user.id))),
            volunteer=db.session.scalar(select(Volunteer).filter_by(plan_id=plan.id, user_id=user.id)),
            nomination=db.session.scalar(select(Nomination).filter_by(plan_id=plan.id, user_id=user.id)),
            rotation=db.session.scalar(select(Rotation).filter_by(plan_id=plan.id, user_id=user.id)),
        ))
    postings = db.session.scalars(select(Posting).filter_by(user_id=user.id).order_by(Posting.start_date)).all()
    schools = county_schools(plans[0].plan.county) if plans else []
    return {"plans": plans, "postings": postings, "schools": schools}
