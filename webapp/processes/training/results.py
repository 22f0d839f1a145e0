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
