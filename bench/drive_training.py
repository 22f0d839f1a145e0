"""The training and the conferral in the driven cycle (`drive.py`): after the county reviews.

Phase **training**: the county office opens the training of every review the run finished (its
formal candidates are the cohort). The driver answers the training centre's four stage steps like
the other processes' (FIFO); each answer enters that stage's data first, inside the timed
completion, as the centre would before finishing the stage: the plan (seed 001's weights, two
sessions), everyone present at every session, every component scored (one trainee in ten under the
pass line, eliminated). Phase **conferral**: the office opens the conferral of every finished
cohort; it proposes the list, the leading group approves, and every certificate is numbered from
the county's sequence. `check_trainings` raises unless every cohort is done and every conferral
conferred with its titles in the register.
"""
from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select

from webapp.auth import load_user
from webapp.extensions import db
from webapp.models import Organisation, ProcessInstance
from webapp.processes.conferral import operations as conferral_ops
from webapp.processes.conferral.models import Conferral, ConferralStatus
from webapp.processes.county_review.models import ReviewRound, ReviewStatus
from webapp.processes.training import assessment, attendance, base, opening, plan
from webapp.processes.training.models import CohortStatus, TrainingCohort
from webapp.roles import Role

FAIL_EVERY = 10  # one trainee in ten scores under the pass line


def plan_training(driver, schools: list[int], record) -> list:
    """Open the training of every review of the run that is done."""
    from drive import Action

    reviews = db.session.scalars(select(ReviewRound).where(ReviewRound.id.in_(record.reviews),
                                                           ReviewRound.status == ReviewStatus.done)
                                 ).all() if record.reviews else []
    return [Action("open_cohort", partial(open_cohort_action, driver, review.office_id, review.id, record))
            for review in reviews]


def open_cohort_action(driver, county_id: int, review_id: int, record) -> None:
    office = load_user(driver.role_holders[(Role.county_office, county_id)])
    cohort = opening.open_cohort(driver.engine, office, db.session.get(Organisation, county_id), review_id)
    record.cohorts.append(cohort.id)


def _cohort(context) -> TrainingCohort:
    return db.session.scalar(select(TrainingCohort).filter_by(instance_id=context.task.instance_id))


def plan_answer(context) -> dict:
    from webapp.demo_training import plan_form

    plan.save_plan(_cohort(context), plan_form(days=2, start=base.today() - timedelta(days=30)))
    return {}


def centralised_answer(context) -> dict:
    cohort = _cohort(context)
    attendance.record_attendance(cohort, {(t.id, s.id): "present" for t in cohort.trainees for s in cohort.sessions})
    return {}


def assessment_answer(context) -> dict:
    cohort = _cohort(context)
    scores = {}
    for number, trainee in enumerate(cohort.trainees):
        value = "50" if number % FAIL_EVERY == FAIL_EVERY - 1 else str(70 + context.rng.randint(0, 30))
        for name in cohort.components():
            scores[(trainee.id, name)] = value
    assessment.record_scores(cohort, scores)
    return {}


def plan_conferral(driver, schools: list[int], record) -> list:
    """Open the conferral of every cohort of the run that finished with someone who passed."""
    from drive import Action

    cohorts = db.session.scalars(select(TrainingCohort).where(TrainingCohort.id.in_(record.cohorts),
                                                              TrainingCohort.status == CohortStatus.done)
                                 ).all() if record.cohorts else []
    return [Action("open_conferral", partial(open_conferral_action, driver, cohort.office_id, cohort.id, record))
            for cohort in cohorts]


def open_conferral_action(driver, county_id: int, cohort_id: int, record) -> None:
    office = load_user(driver.role_holders[(Role.county_office, county_id)])
    conferral = conferral_ops.open_conferral(driver.engine, office, db.session.get(Organisation, county_id), cohort_id)
    record.conferrals.append(conferral.id)


def check_trainings(record) -> list[str]:
    """Every cohort of the run is done; every conferral conferred, its process completed, one title per entry."""
    problems = []
    for cohort in db.session.scalars(select(TrainingCohort).where(TrainingCohort.id.in_(record.cohorts))).all() \
            if record.cohorts else []:
        instance = db.session.get(ProcessInstance, cohort.instance_id)
        if cohort.status is not CohortStatus.done or instance.status.value != "completed":
            problems.append(f"cohort {cohort.id}: {cohort.status.value}, process {instance.status.value}")
    for conferral in db.session.scalars(select(Conferral).where(Conferral.id.in_(record.conferrals))).all() \
            if record.conferrals else []:
        instance = db.session.get(ProcessInstance, conferral.instance_id)
        titled = [entry for entry in conferral.entries if entry.title_id is not None]
        if conferral.status is not ConferralStatus.conferred or instance.status.value != "completed" \
                or len(titled) != len(conferral.entries) or not titled:
            problems.append(f"conferral {conferral.id}: {conferral.status.value}, process {instance.status.value}, "
                            f"{len(titled)} of {len(conferral.entries)} titled")
    if record.reviews and not record.cohorts:
        problems.append("no training was opened for the run's reviews")
    return problems


TRAINING_ANSWERS = {
    "plan": plan_answer,
    "centralised": centralised_answer,
    "practice": lambda context: {},
    "assessment": assessment_answer,
}
CONFERRAL_ANSWERS = {
    "propose": lambda context: {"proposal_confirmed": True},
    "approve": lambda context: {"approval_decision": "approve", "approval_comment": "同意授予"},
    "hr_approve": lambda context: {"approval_decision": "approve", "approval_comment": "同意授予"},
}
