"""Who may see and do what in rotation: the county office of the county, the administrator of a school,
the teacher themselves. Anything else is the app's one fixed 404, never a hint that it exists."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...core.errors import NotFound
from ...extensions import db
from ...models import Organisation, OrgKind, Posting, User, utcnow
from ...roles import Role
from .models import RotationPlan


def _missing() -> NotFound:
    return NotFound(_("This page does not exist, or you may not see it."))


def office_counties(user: User) -> list[Organisation]:
    """Counties where the user is the county office."""
    return [org for role, org in user.role_scopes() if role is Role.county_office and org.kind is OrgKind.county]


def admin_schools(user: User) -> list[Organisation]:
    """Schools where the user is the school administrator."""
    return [org for role, org in user.role_scopes() if role is Role.school_admin]


def office_county(user: User, county_id: int | None = None) -> Organisation:
    """The county the user runs (the named one, or their first); 404 if none."""
    counties = office_counties(user)
    county = next((c for c in counties if county_id is None or c.id == county_id), None)
    if county is None:
        raise _missing()
    return county


def office_plan(user: User, plan_id: int) -> RotationPlan:
    """A plan of a county the user runs; 404 otherwise."""
    plan = db.session.get(RotationPlan, plan_id)
    if plan is None or plan.county_id not in {c.id for c in office_counties(user)}:
        raise _missing()
    return plan


def admin_school(user: User, plan: RotationPlan, school_id: int) -> Organisation:
    """A school of the plan's county that the user administers; 404 otherwise."""
    school = next((s for s in admin_schools(user) if s.id == school_id), None)
    if school is None or not school.path.startswith(plan.county.path):
        raise _missing()
    return school


def school_plans(user: User) -> list[tuple[RotationPlan, Organisation]]:
    """Plans of the counties of the schools the user administers, newest first, with the school."""
    pairs = []
    for school in admin_schools(user):
        county_id = school.parent_id
        for plan in db.session.scalars(select(RotationPlan).filter_by(county_id=county_id)
                                       .order_by(RotationPlan.year.desc())):
            pairs.append((plan, school))
    return pairs


def current_school(user: User, on=None) -> Organisation | None:
    """The school whose appointment the person holds now (service history), else their teacher role's school."""
    on = on or utcnow().date()
    postings = db.session.scalars(select(Posting).filter_by(user_id=user.id).order_by(Posting.start_date.desc())).all()
    for posting in postings:
        if posting.kind.value == "appointment" and posting.covers(on):
            return posting.school
    return next((org for role, org in user.role_scopes() if role is Role.teacher), None)


def teacher_plans(user: User) -> list[RotationPlan]:
    """Plans of the county the teacher serves in, newest first."""
    school = current_school(user)
    if school is None:
        return []
    return list(db.session.scalars(select(RotationPlan).filter_by(county_id=school.parent_id)
                                   .order_by(RotationPlan.year.desc())))
