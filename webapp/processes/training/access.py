"""Who sees what in the training: the cohort, county or trainee a user may act on (anyone else 404),
and the lists each kind of user starts from."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...auth.scope import held_org, orgs_holding, roles_at, scoped
from ...extensions import db
from ...models import Organisation, OrgKind, User
from ...roles import Role
from ..county_review.models import ReviewRound, ReviewStatus
from .models import Trainee, TrainingCohort


def is_office(user: User, cohort: TrainingCohort) -> bool:
    """The user is the county office of the cohort's county."""
    return Role.county_office in roles_at(user, cohort.office_id)


def is_centre(user: User, cohort: TrainingCohort) -> bool:
    """The user is the training centre of the cohort's county."""
    return Role.training_centre in roles_at(user, cohort.office_id)


def cohort_for_staff(user: User, cohort_id: int) -> TrainingCohort:
    """A cohort the user runs (training centre) or oversees (county office); anyone else 404."""
    return scoped(TrainingCohort, cohort_id, lambda c: is_office(user, c) or is_centre(user, c), _("No such training."))


def cohort_for_centre(user: User, cohort_id: int) -> TrainingCohort:
    """A cohort the user's training centre runs (plan, attendance, scores); anyone else 404."""
    return scoped(TrainingCohort, cohort_id, lambda c: is_centre(user, c), _("No such training."))


def cohort_for_office(user: User, cohort_id: int) -> TrainingCohort:
    """A cohort of the user's county office (supplements, window); anyone else 404."""
    return scoped(TrainingCohort, cohort_id, lambda c: is_office(user, c), _("No such training."))


def office_org(user: User, office_id: int) -> Organisation:
    """The county if the user is its office; anyone else 404."""
    return held_org(user, office_id, Role.county_office)


def own_trainee(user: User, trainee_id: int) -> Trainee:
    """The user's own place in a cohort; anyone else's 404."""
    return scoped(Trainee, trainee_id, lambda t: t.teacher_id == user.id, _("No such trainee."))


def staff_counties(user: User) -> list[Organisation]:
    """Counties where the user is the office or the training centre."""
    return orgs_holding(user, OrgKind.county, Role.county_office, Role.training_centre)


def mentored(user: User) -> list[Trainee]:
    """Trainees the user mentors (research staff of their subject)."""
    return list(db.session.scalars(select(Trainee).where(Trainee.mentor_id == user.id).order_by(Trainee.id)))


def trainings_of(user: User) -> list[Trainee]:
    """The user's own places in cohorts."""
    return list(db.session.scalars(select(Trainee).where(Trainee.teacher_id == user.id).order_by(Trainee.id.desc())))


def cohorts_of(office: Organisation) -> list[TrainingCohort]:
    """The county's cohorts, newest first."""
    return list(db.session.scalars(select(TrainingCohort).filter_by(office_id=office.id)
                                   .order_by(TrainingCohort.id.desc())))


def reviews_ready(office: Organisation) -> list[ReviewRound]:
    """Finished reviews of the county without a cohort yet."""
    taken = select(TrainingCohort.review_id)
    return list(db.session.scalars(select(ReviewRound).where(
        ReviewRound.office_id == office.id, ReviewRound.status == ReviewStatus.done,
        ReviewRound.id.not_in(taken)).order_by(ReviewRound.id)))
