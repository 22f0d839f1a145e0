"""The training's result as the conferral reads it: only finished cohorts count."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from .models import CohortStatus, Trainee, TraineeStatus, TrainingCohort


def passed_trainees(cohort_id: int) -> list[Trainee]:
    """Those who passed a finished cohort, by weighted total (best first)."""
    return list(db.session.scalars(
        select(Trainee).join(TrainingCohort)
        .where(Trainee.cohort_id == cohort_id, Trainee.status == TraineeStatus.passed,
               TrainingCohort.status == CohortStatus.done)
        .order_by(Trainee.weighted_total.desc(), Trainee.id)))


def results_of(teacher_id: int) -> list[Trainee]:
    """A teacher's results in finished cohorts (passed or eliminated, with the weighted total), oldest first
    (read by the career record)."""
    return list(db.session.scalars(
        select(Trainee).join(TrainingCohort)
        .where(Trainee.teacher_id == teacher_id, TrainingCohort.status == CohortStatus.done,
               Trainee.status.in_((TraineeStatus.passed, TraineeStatus.eliminated)))
        .order_by(Trainee.joined_on, Trainee.id)))
