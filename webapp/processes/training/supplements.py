"""Supplements from the reserve list within the office's window, and a trainee's withdrawal."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ...core.errors import Conflict
from ...extensions import db
from ...models import User
from ..county_review.models import ReviewCandidate, ReviewCandidateStatus, ReviewRound
from . import access, notices
from .base import field_error, today
from .models import CohortStatus, Trainee, TraineeStatus, TrainingCohort
from .opening import new_trainee

OPEN = (CohortStatus.planning, CohortStatus.centralised, CohortStatus.practice, CohortStatus.assessment)
# Supplements join the remaining sessions: only before the practice period starts.
SUPPLEMENT_STAGES = (CohortStatus.planning, CohortStatus.centralised)


def set_supplement_window(cohort: TrainingCohort, raw: str) -> None:
    """The county office sets the last day supplements may join."""
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        raise field_error("supplement_until", _("Enter the date as YYYY-MM-DD.")) from None
    if day < today():
        raise field_error("supplement_until", _("The window cannot end in the past."))
    cohort.supplement_until = day
    db.session.flush()


def next_reserves(cohort: TrainingCohort) -> list[ReviewCandidate]:
    """The review's reserve list in rank order, without those already in the cohort."""
    taken = {t.candidate_id for t in cohort.trainees}
    review = db.session.get(ReviewRound, cohort.review_id)
    return [c for c in review.with_status(ReviewCandidateStatus.reserve) if c.id not in taken]


def add_supplements(cohort: TrainingCohort, raw_count: str) -> list[Trainee]:
    """Within the office's window, add the next `count` of the reserve list; they join the remaining sessions."""
    try:
        count = int(raw_count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 100:
        raise field_error("count", _("Enter how many to add, from 1 to 100."))
    if cohort.supplement_until is None or today() > cohort.supplement_until:
        raise Conflict(_("The window for supplements is closed."))
    if cohort.status not in SUPPLEMENT_STAGES:
        raise Conflict(_("Supplements can join only before the practice period."))
    reserves = next_reserves(cohort)
    if len(reserves) < count:
        raise field_error("count", _("Only %(count)d candidate(s) remain on the reserve list.", count=len(reserves)))
    added = [new_trainee(cohort, candidate, True) for candidate in reserves[:count]]
    cohort.trainees.extend(added)
    db.session.flush()
    for trainee in added:
        notices.joined(cohort, trainee)
    return added


def withdraw(user: User, trainee_id: int, reason: str) -> Trainee:
    """A trainee leaves the training (before it is finished)."""
    trainee = access.own_trainee(user, trainee_id)
    if trainee.cohort.status not in OPEN:
        raise Conflict(_("The training is finished; to withdraw now, write to the county office."))
    if trainee.status is not TraineeStatus.active:
        raise Conflict(_("You are no longer in this training."))
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise field_error("reason", _("At most 500 characters."))
    trainee.status = TraineeStatus.withdrawn
    trainee.status_reason = reason or None
    db.session.flush()
    return trainee
