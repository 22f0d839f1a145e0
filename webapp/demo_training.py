"""Demo state for the training and the conferral (run after `build_demo`; `flask demo-data` calls it).

The county reviews of two calls are entered as finished (their formal candidates and reserve list
are the input of this stage; the review itself is demonstrated by `demo_review`):

- 县级学科带头人 (academic leaders): a cohort **mid-training** — plan saved, the centralised
  training under way with attendance of the first sessions entered (t028 … t033; reserves t034, t035);
- 县级名师 (famous teachers): a cohort trained, assessed and **conferred** through the real processes,
  with numbered certificates to print (t036, t037, t038; t039 eliminated under the pass line).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .extensions import db
from .models import ApplicationCycle, HumanTask, Organisation, OrgKind, TaskState, User, utcnow
from .processes.county_review.models import ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus
from .processes.training import assessment, attendance, base, opening, plan
from .processes.training.models import TrainingCohort
from .workflow.operations import complete_task

COUNTY = "汉阴县"
MID_TRAINING = {"category": "academic_leader", "formal": ["t028", "t029", "t030", "t031", "t032", "t033"],
                "reserve": ["t034", "t035"]}
CONFERRED = {"category": "famous_teacher", "formal": ["t036", "t037", "t038", "t039"], "reserve": ["t040"]}
SUBJECTS = ["mathematics", "chinese", "english", "physics"]
PLAN_COMPONENTS = [("learning", 20), ("design", 20), ("fragment", 20), ("courseware", 10), ("research", 10),
                   ("portfolio", 20)]


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _open_task(instance_id: int, step: str) -> HumanTask:
    return db.session.scalar(select(HumanTask).filter_by(instance_id=instance_id, task_name=step, state=TaskState.open))


def finished_review(county: Organisation, category: str, formal: list[str], reserve: list[str]) -> ReviewRound:
    """A county review of this year's call entered as done: formal candidates then reserves, in rank order."""
    cycle = db.session.scalar(select(ApplicationCycle).filter_by(county_id=county.id, category=category, level="county"))
    review = ReviewRound(office_id=county.id, cycle_id=cycle.id, level="county", category=category,
                         places_mode="absolute", places_value=len(formal), places=len(formal),
                         status=ReviewStatus.done, result_dt=utcnow())
    rank = 0
    for usernames, status in ((formal, ReviewCandidateStatus.formal), (reserve, ReviewCandidateStatus.reserve)):
        for username in usernames:
            rank += 1
            teacher = _user(username)
            teacher.profile.subject = SUBJECTS[rank % len(SUBJECTS)]
            review.candidates.append(ReviewCandidate(
                cycle_id=cycle.id, office_id=county.id, level="county", category=category, source="demo",
                source_id=0, teacher_id=teacher.id, school_id=teacher.profile.school_id,
                subject=teacher.profile.subject, status=status, final_score=95 - rank, rank=rank))
    db.session.add(review)
    db.session.flush()
    return review


def plan_form(days: int = 4, start=None) -> MultiDict:
    """A plan as the plan page posts it: seed 001's weights, `days` sessions of 6 hours from `start`."""
    start = start or base.today()
    form = MultiDict()
    for index, (name, weight) in enumerate(PLAN_COMPONENTS):
        form[f"component_{index}"], form[f"weight_{index}"] = name, str(weight)
    for index in range(days):
        form[f"session_day_{index}"] = (start + timedelta(days=index)).isoformat()
        form[f"session_hours_{index}"] = "6"
        form[f"session_topic_{index}"] = f"集中培训第{index + 1}天"
    form["practice_from"] = (start + timedelta(days=days + 1)).isoformat()
    form["practice_until"] = (start + timedelta(days=days + 180)).isoformat()
    form["practice_outputs"] = "教学设计 2 篇\n课例研究报告 1 篇"
    return form


def _finish(engine, user: User, cohort: TrainingCohort, step: str) -> None:
    complete_task(engine, user, _open_task(cohort.instance_id, step), {})


def build_training_demo(engine) -> None:
    """The two cohorts described in the module docstring."""
    county = db.session.scalar(select(Organisation).filter_by(name=COUNTY, kind=OrgKind.county))
    office, centre = _user("county"), _user("training")
    # Mid-training: plan saved and finished, attendance of the first two sessions.
    review = finished_review(county, **MID_TRAINING)
    cohort = opening.open_cohort(engine, office, county, review.id)
    plan.save_plan(cohort, plan_form(days=5, start=base.today() - timedelta(days=2)))
    _finish(engine, centre, cohort, "plan")
    marks = {}
    for number, trainee in enumerate(cohort.trainees):
        for session in cohort.sessions[:2]:
            marks[(trainee.id, session.id)] = "late" if number == 1 else ("absent" if number == 2 else "present")
    attendance.record_attendance(cohort, marks)
    cohort.supplement_until = base.today() + timedelta(days=14)
    # Conferred: the whole training, then the conferral proposed and approved.
    review = finished_review(county, **CONFERRED)
    cohort = opening.open_cohort(engine, office, county, review.id)
    plan.save_plan(cohort, plan_form(days=2, start=base.today() - timedelta(days=30)))
    _finish(engine, centre, cohort, "plan")
    attendance.record_attendance(cohort, {(t.id, s.id): "present" for t in cohort.trainees for s in cohort.sessions})
    _finish(engine, centre, cohort, "centralised")
    _finish(engine, centre, cohort, "practice")
    scores = {}
    for number, trainee in enumerate(cohort.trainees):
        value = 52 if number == len(cohort.trainees) - 1 else 88 - 4 * number
        for name, _weight in PLAN_COMPONENTS:
            scores[(trainee.id, name)] = str(value)
    assessment.record_scores(cohort, scores)
    _finish(engine, centre, cohort, "assessment")
    confer_cohort(engine, county, cohort)
    db.session.flush()


def confer_cohort(engine, county: Organisation, cohort: TrainingCohort):
    """Open the conferral, propose it (office) and approve it (leader)."""
    from .processes.conferral import operations as conferral_ops

    conferral = conferral_ops.open_conferral(engine, _user("county"), county, cohort.id)
    complete_task(engine, _user("county"), _open_task(conferral.instance_id, "propose"),
                  {"proposal_confirmed": True}, ("proposal_confirmed", "proposal_note"))
    complete_task(engine, _user("leader"), _open_task(conferral.instance_id, "approve"),
                  {"approval_decision": "approve", "approval_comment": "同意授予"}, ("approval_decision", "approval_comment"))
    return conferral
