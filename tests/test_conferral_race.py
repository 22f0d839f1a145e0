"""Two conferrals approved at the same moment in one county, year, level and category: the
certificate numbers stay unique and gapless (PostgreSQL, where the sequence row lock is real)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, Organisation, TaskState, TitleHolding, User
from webapp.processes.training.models import CohortStatus, Trainee, TraineeStatus, TrainingCohort

from .conftest import Session
from .test_concurrency import _race

GROUPS = (["t016", "t017", "t018"], ["t019", "t020", "t021"])


def _passed_cohort(county: Organisation, usernames: list[str]) -> TrainingCohort:
    """A finished cohort whose trainees all passed (the training itself is tested in test_training)."""
    from webapp.demo_training import finished_review

    review = finished_review(county, "backbone", usernames, [])
    cohort = TrainingCohort(office_id=county.id, review_id=review.id, cycle_id=review.cycle_id, level="county",
                            category="backbone", status=CohortStatus.done, weights=[["learning", 100]])
    for candidate in review.candidates:
        cohort.trainees.append(Trainee(candidate_id=candidate.id, teacher_id=candidate.teacher_id,
                                       school_id=candidate.school_id, subject=candidate.subject, joined_on=date.today(),
                                       status=TraineeStatus.passed, weighted_total=80.0))
    db.session.add(cohort)
    db.session.flush()
    return cohort


def test_two_conferrals_at_once_share_one_gapless_sequence(app, demo, monkeypatch, request):
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    from webapp.processes.conferral import operations
    from webapp.workflow.operations import complete_task

    engine = app.extensions["workflow_engine"]
    with app.test_request_context():
        county = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
        office = db.session.scalar(select(User).filter_by(username="county"))
        approvals = []
        for group in GROUPS:
            conferral = operations.open_conferral(engine, office, county, _passed_cohort(county, group).id)
            propose = db.session.scalar(select(HumanTask).filter_by(instance_id=conferral.instance_id,
                                                                    task_name="propose", state=TaskState.open))
            complete_task(engine, office, propose, {"proposal_confirmed": True}, ("proposal_confirmed", "proposal_note"))
            approvals.append(db.session.scalar(select(HumanTask.id).filter_by(
                instance_id=conferral.instance_id, task_name="approve", state=TaskState.open)))
        db.session.commit()
    leaders = [Session(app, "leader"), Session(app, "leader")]
    form = {"approval_decision": "approve", "approval_comment": "同意授予", "_action": "submit"}
    codes = _race(monkeypatch, [lambda i=i: leaders[i].post(f"/tasks/{approvals[i]}", data=form).status_code
                                for i in range(2)])
    assert all(code in (302, 303) for code in codes), codes
    with app.app_context():
        numbers = sorted(db.session.scalars(select(TitleHolding.certificate_no)))
    year = date.today().year
    assert numbers == [f"530101-{year}-0303-{n:04d}" for n in range(1, 7)]
