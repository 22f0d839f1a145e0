"""The scheduler opens each county's annual review by itself on the day of the local rule
(workflows/annual_review_opening.dmn, default 15 June), exactly once per county and school year,
also with two schedulers at once."""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from webapp import register
from webapp.extensions import db
from webapp.models import Organisation, ProcessInstance, User
from webapp.processes.annual_review import scheduled_opening
from webapp.processes.annual_review.models import AnnualReview, AnnualReviewRound
from webapp.processes.annual_review.schoolyear import SchoolYear
from webapp.scheduler.jobs import all_jobs
from webapp.scheduler.runner import JobRunner

BEFORE = datetime(2027, 6, 14, 2, 0, tzinfo=timezone.utc)  # 14 June 2027, morning in China
ON_THE_DAY = datetime(2027, 6, 15, 2, 0, tzinfo=timezone.utc)
HOLDERS = ("t010", "t011", "t012", "q001")  # three in the first county, one in the second


def _world(app):
    """The demo, a second county and titles in force in both."""
    from webapp.demo import add_second_county, build_demo

    with app.app_context():
        build_demo()
        add_second_county()
        for username in HOLDERS:
            user = db.session.scalar(select(User).where(User.username == username))
            school = user.profile.school
            register.confer(user_id=user.id, level="county", category="backbone", conferred_on=date(2025, 3, 1),
                            term_years=5, org_id=school.id, county_id=school.parent_id, allowance_monthly=300,
                            source="demo")
        db.session.commit()


def test_the_rule_sets_the_day():
    rule = {"enabled": True, "open_month": 6, "open_day": 15}
    assert scheduled_opening.opening_day(rule, SchoolYear(2026)) == date(2027, 6, 15)
    assert scheduled_opening.opening_day({**rule, "open_month": 12, "open_day": 1}, SchoolYear(2026)) == date(2026, 12, 1)
    assert scheduled_opening.opening_day({**rule, "enabled": False}, SchoolYear(2026)) is None
    assert scheduled_opening.opening_day({**rule, "open_day": 31}, SchoolYear(2026)) is None  # no 31 June


def test_the_scheduler_opens_each_county_once_on_the_day_with_two_schedulers(app, monkeypatch):
    _world(app)
    spec = next(spec for spec in all_jobs(app) if spec.name == "annual_review_opening")
    with app.app_context():
        assert scheduled_opening.open_due_reviews(BEFORE) == 0  # the day has not come
        assert db.session.scalar(select(func.count()).select_from(AnnualReviewRound)) == 0

    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if postgres:
        # Both schedulers open the same county at the same moment: one round is inserted, the other undone.
        barrier = threading.Barrier(2, timeout=20)
        original = scheduled_opening.open_annual_review
        local = threading.local()

        def open_together(*args, **kwargs):
            if not getattr(local, "waited", False):
                local.waited = True
                barrier.wait()
            return original(*args, **kwargs)

        monkeypatch.setattr(scheduled_opening, "open_annual_review", open_together)
    results = []
    runners = [JobRunner(app, "scheduler-a"), JobRunner(app, "scheduler-b")]
    threads = [threading.Thread(target=lambda r=r: results.append(r.run(
        type(spec)(spec.name, spec.label, spec.interval_setting, lambda now, lease: spec.work(ON_THE_DAY, lease)))))
        for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()
    assert results.count("ok") >= 1 and set(results) <= {"ok", "skipped"}, results
    if postgres:
        assert results == ["ok", "ok"]  # both ran at once

    with app.app_context():
        rounds = db.session.scalars(select(AnnualReviewRound).order_by(AnnualReviewRound.county_id)).all()
        counties = {db.session.get(Organisation, r.county_id).name: (r.school_year, r.reviews_opened, r.opened_by_id)
                    for r in rounds}
        assert counties == {"汉阴县": (2026, 3, None), "石泉县": (2026, 1, None)}
        assert db.session.scalar(select(func.count()).select_from(AnnualReview)) == 4
        assert db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.process_id == "annual_review")) == 4
        # Later runs of the school year open nothing again.
        assert scheduled_opening.open_due_reviews(datetime(2027, 7, 1, 2, 0, tzinfo=timezone.utc)) == 0
        assert db.session.scalar(select(func.count()).select_from(AnnualReviewRound)) == 2
