"""Training and conferral in the permission matrix's world (`permission_world.build_world` calls
`add_training` last).

Built cheaply with the training demo's helpers (`webapp/demo_training.py`), on backbone-teacher calls
of 汉阴县 of which the world has no county review (this year's, last year's and the year before's):

- a cohort **mid-training** (this year's call): plan saved, centralised training under way, the
  window for supplements open; t002 (probed) and t028, t029 are trainees, t034, t035 the reserves;
  every trainee teaches mathematics, so `research` is their mentor; t002 handed in a practice record;
- a cohort trained, assessed and **conferred** (last year's call): t002 and t036 hold numbered
  certificates, t037 failed the pass line;
- a finished review without a cohort yet (the year before's), for the office to open;
- a holders import of the county office, applied.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApplicationCycle, HumanTask, Organisation, TaskState, TitleHolding, User, utcnow
from webapp.processes.county_review.models import ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus


def _cycle(county: Organisation, year: int) -> ApplicationCycle:
    """The county's backbone call of `year` (this year's exists; earlier ones are added)."""
    cycle = db.session.scalar(select(ApplicationCycle).filter_by(county_id=county.id, category="backbone",
                                                                 level="county", year=year))
    if cycle is None:
        now = utcnow().replace(year=year)
        cycle = ApplicationCycle(county_id=county.id, year=year, level="county", category="backbone", opens_dt=now,
                                 deadline_dt=now)
        db.session.add(cycle)
        db.session.flush()
    return cycle


def _review(county: Organisation, cycle: ApplicationCycle, formal: list[str], reserve: list[str]) -> ReviewRound:
    """A county review of the call entered as done: formal candidates then reserves, all mathematics."""
    review = ReviewRound(office_id=county.id, cycle_id=cycle.id, level="county", category="backbone",
                         places_mode="absolute", places_value=len(formal), places=len(formal),
                         status=ReviewStatus.done, result_dt=utcnow())
    rank = 0
    for usernames, status in ((formal, ReviewCandidateStatus.formal), (reserve, ReviewCandidateStatus.reserve)):
        for username in usernames:
            rank += 1
            teacher = db.session.scalar(select(User).filter_by(username=username))
            review.candidates.append(ReviewCandidate(
                cycle_id=cycle.id, office_id=county.id, level="county", category="backbone", source="matrix",
                source_id=0, teacher_id=teacher.id, school_id=teacher.profile.school_id, subject="mathematics",
                status=status, final_score=95 - rank, rank=rank))
    db.session.add(review)
    db.session.flush()
    return review


def add_training(world) -> None:
    """The cohorts and the conferral described in the module docstring; their ids in `world.ids`."""
    from flask import current_app

    from webapp.demo_training import PLAN_COMPONENTS, _finish, confer_cohort, plan_form
    from webapp.processes.training import assessment, attendance, base, opening, plan, practice

    app, ids = world.app, world.ids
    with app.test_request_context():
        engine = current_app.extensions["workflow_engine"]
        county = db.session.get(Organisation, ids["county1"])
        office, centre = (db.session.scalar(select(User).filter_by(username=name)) for name in ("county", "training"))
        this_year = base.today().year
        # Conferred: the whole training, then the conferral proposed and approved.
        review = _review(county, _cycle(county, this_year - 1), ["t002", "t036", "t037"], [])
        cohort = opening.open_cohort(engine, office, county, review.id)
        plan.save_plan(cohort, plan_form(days=2, start=base.today() - timedelta(days=30)))
        _finish(engine, centre, cohort, "plan")
        attendance.record_attendance(cohort, {(t.id, s.id): "present" for t in cohort.trainees for s in cohort.sessions})
        _finish(engine, centre, cohort, "centralised")
        _finish(engine, centre, cohort, "practice")
        assessment.record_scores(cohort, {(t.id, name): ("52" if number == 2 else "88")
                                        for number, t in enumerate(cohort.trainees) for name, _w in PLAN_COMPONENTS})
        _finish(engine, centre, cohort, "assessment")
        conferral = confer_cohort(engine, county, cohort)
        ids["conferred_cohort"], ids["conferral"] = cohort.id, conferral.id
        by_name = dict(db.session.execute(select(User.username, User.id)).all())
        title = db.session.scalar(select(TitleHolding).where(TitleHolding.user_id == by_name["t002"],
                                                             TitleHolding.certificate_no.is_not(None)))
        assert title is not None, "t002 was not conferred"
        ids["certificate"], world.digests["certificate_no"] = title.id, title.certificate_no
        # Mid-training: plan saved and finished, attendance of the first session, a practice record.
        review = _review(county, _cycle(county, this_year), ["t002", "t028", "t029"], ["t034", "t035"])
        cohort = opening.open_cohort(engine, office, county, review.id)
        plan.save_plan(cohort, plan_form(days=5, start=base.today() - timedelta(days=2)))
        _finish(engine, centre, cohort, "plan")
        attendance.record_attendance(cohort, {(t.id, cohort.sessions[0].id): "present" for t in cohort.trainees})
        cohort.supplement_until = base.today() + timedelta(days=14)
        trainee = next(t for t in cohort.trainees if t.teacher_id == by_name["t002"])
        assert trainee.mentor_id == by_name["research"], "the mathematics research staff mentors t002"
        record = practice.submit_practice(trainee.teacher, trainee.id, "教学设计", "《一元一次方程》教学设计，含学情分析。", "")
        stage = db.session.scalar(select(HumanTask.id).filter_by(instance_id=cohort.instance_id, task_name="centralised",
                                                                 state=TaskState.open))
        # A holders import of the county office, applied already (its page; applying it again is refused).
        from webapp.people.models import ImportJob

        job = ImportJob(kind="title_holders", org_id=county.id, created_by_id=office.id, file_name="holders.xlsx",
                        status="applied", total=1, done=1, summary={"rows": 1, "applied": 1})
        db.session.add(job)
        db.session.flush()
        ids.update(holders_job=job.id, cohort=cohort.id, trainee=trainee.id, practice=record.id, training_stage=stage,
                   ready_review=_review(county, _cycle(county, this_year - 2), ["t013"], []).id)
        db.session.commit()
