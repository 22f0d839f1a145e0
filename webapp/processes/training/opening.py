"""Opening a cohort: the formal candidates of a finished review, each with a mentor; the local rules."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...core.errors import Conflict, NotFound
from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...models import Organisation, RoleAssignment, User
from ...roles import Role
from ..call_instances import start_call_instance
from ..county_review.models import ReviewCandidate, ReviewCandidateStatus
from ..county_review.selection import staff_subjects
from . import access, rules
from .base import today
from .models import Trainee, TrainingCohort

PROCESS_ID = "training"


def mentor_for(county_id: int, subject: str) -> int | None:
    """The first research staff member of the county who serves the subject."""
    staff_ids = list(db.session.scalars(
        select(RoleAssignment.user_id).filter_by(role=Role.research_staff, org_id=county_id)
        .order_by(RoleAssignment.user_id)))
    serves = staff_subjects(county_id, staff_ids)
    return next((uid for uid in staff_ids if subject in serves[uid]),
                next((uid for uid in staff_ids if not serves[uid]), None))


def new_trainee(cohort: TrainingCohort, candidate: ReviewCandidate, supplement: bool) -> Trainee:
    """A candidate of the review as a trainee of the cohort, with the mentor of their subject."""
    return Trainee(candidate_id=candidate.id, teacher_id=candidate.teacher_id, school_id=candidate.school_id,
                   subject=candidate.subject, mentor_id=mentor_for(cohort.office_id, candidate.subject),
                   supplement=supplement, joined_on=today())


def open_cohort(engine: WorkflowEngine, user: User, office: Organisation, review_id: int) -> TrainingCohort:
    """The county office opens the training of a finished review: its formal candidates are the cohort."""
    review = next((r for r in access.reviews_ready(office) if r.id == review_id), None)
    if review is None:
        raise NotFound(_("No such review."))
    formal = review.with_status(ReviewCandidateStatus.formal)
    if not formal:
        raise Conflict(_("This review has no formal candidates to train."))
    cohort = TrainingCohort(office_id=office.id, review_id=review.id, cycle_id=review.cycle_id, level=review.level,
                            category=review.category)
    db.session.add(cohort)
    db.session.flush()
    cohort.trainees = [new_trainee(cohort, c, False) for c in formal]
    db.session.flush()
    instance = start_call_instance(engine, PROCESS_ID, office, user, review.cycle, "培养期", "training",
                                   {"cohort_id": cohort.id, "level": review.level, "category": review.category})
    cohort.instance_id = instance.id
    db.session.flush()
    return cohort


def apply_rules(cohort: TrainingCohort, decided: dict) -> None:
    """Keep the local rules: default weights (the plan may change them), threshold, rule, pass line."""
    weights = rules.parse_weights(str(decided["weights"]))
    if rules.weights_problem(weights):
        raise ValueError(f"training_rules: weights {decided['weights']!r} do not sum to 100")
    if not cohort.weights:
        cohort.weights = weights
    cohort.attendance_threshold = float(decided["attendance_threshold"])
    cohort.attendance_rule = "warn" if str(decided["attendance_rule"]) == "warn" else "eliminate"
    cohort.pass_line = float(decided["pass_line"])
