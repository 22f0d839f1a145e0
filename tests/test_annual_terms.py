"""Term end of titles: the lapse job runs exactly once with two schedulers, expiry reminders are sent
once each (6 and 1 months before the end; only the nearest when both are due), and the job is one of every scheduler's jobs."""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from webapp import register
from webapp.extensions import db
from webapp.models import Notification, NotificationKind, TitleEvent, TitleHolding, User
from webapp.processes.annual_review import term
from webapp.processes.annual_review.models import TitleTermNotice
from webapp.scheduler.jobs import all_jobs
from webapp.scheduler.runner import JobRunner

NOW = datetime(2027, 3, 10, 2, 0, tzinfo=timezone.utc)  # 10 March 2027, morning in China


def _confer(username: str, on: date) -> int:
    user = db.session.scalar(select(User).where(User.username == username))
    school = user.profile.school
    title = register.confer(user_id=user.id, level="county", category="backbone", conferred_on=on, term_years=5,
                            org_id=school.id, county_id=school.parent_id, allowance_monthly=300, source="demo")
    db.session.flush()
    return title.id


@pytest.fixture
def titles(app, demo):
    """Three titles past their end (one ended yesterday), one ending in a month, one in five months, one far off."""
    with app.app_context():
        ids = {
            "t010": _confer("t010", date(2021, 6, 1)), "t011": _confer("t011", date(2022, 1, 15)),
            "t012": _confer("t012", date(2022, 3, 9)), "t013": _confer("t013", date(2022, 4, 1)),
            "t014": _confer("t014", date(2022, 8, 1)), "t015": _confer("t015", date(2025, 9, 1)),
        }
        db.session.commit()
    return ids


def _job(app):
    return next(spec for spec in all_jobs(app) if spec.name == "title_terms")


def test_the_lapse_runs_exactly_once_with_two_schedulers(app, titles, monkeypatch):
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if postgres:
        # Both schedulers claim at the same moment: the second finds the rows locked and skips them.
        barrier = threading.Barrier(2, timeout=20)
        original = term._claim

        def claim_together(on, limit):
            found = original(on, limit)
            if not getattr(local, "waited", False):
                local.waited = True
                barrier.wait()
            return found

        local = threading.local()
        monkeypatch.setattr(term, "_claim", claim_together)
    spec = _job(app)
    results = []
    runners = [JobRunner(app, "scheduler-a"), JobRunner(app, "scheduler-b")]
    original_work = spec.work
    threads = [threading.Thread(target=lambda r=r: results.append(r.run(
        type(spec)(spec.name, spec.label, spec.interval_setting, lambda now, lease: original_work(NOW, lease))))) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()
    assert results.count("ok") >= 1 and set(results) <= {"ok", "skipped"}, results
    if postgres:
        assert results == ["ok", "ok"]  # both ran at once, sharing the work
    with app.app_context():
        statuses = {username: db.session.get(TitleHolding, title_id).status for username, title_id in titles.items()}
        lapsed_events = db.session.scalar(select(func.count()).select_from(TitleEvent).where(TitleEvent.kind == "lapsed"))
        told = {username: db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == NotificationKind.title_notice, Notification.event_key == f"title:{titles[username]}:lapsed",
            Notification.user_id == db.session.get(TitleHolding, titles[username]).user_id))
            for username in ("t010", "t011", "t012")}
    assert statuses == {"t010": "lapsed", "t011": "lapsed", "t012": "lapsed", "t013": "active", "t014": "active",
                        "t015": "active"}
    assert lapsed_events == 3
    assert told == {"t010": 1, "t011": 1, "t012": 1}  # each holder told once
    with app.app_context():
        title = db.session.get(TitleHolding, titles["t011"])
        assert title.allowance_until == date(2027, 1, 15)
        assert term.lapse_due_titles(NOW) == 0  # nothing left, nothing twice
        assert db.session.scalar(select(func.count()).select_from(TitleEvent).where(TitleEvent.kind == "lapsed")) == 3


def test_expiry_reminders_go_out_once_six_and_one_months_before(app, titles):
    with app.app_context():
        assert term.remind_expiring(NOW) == 2  # t013 (ends 1 April: the 1-month one only), t014 (6 months)
        assert term.remind_expiring(NOW) == 0
        sent = {(row.title_id, row.months_before) for row in db.session.scalars(select(TitleTermNotice))}
        assert sent == {(titles["t013"], 6), (titles["t013"], 1), (titles["t014"], 6)}
        keys = set(db.session.scalars(select(Notification.event_key).where(Notification.kind == NotificationKind.title_notice)))
        assert keys == {f"title:{titles['t013']}:expiring:1", f"title:{titles['t014']}:expiring:6"}


def test_every_scheduler_runs_the_title_job(app):
    assert "title_terms" in [spec.name for spec in all_jobs(app)]


def test_holders_short_of_a_duty_are_told_once_before_the_semester_ends(app, titles):
    from webapp.processes.annual_review.models import DutyRecord, DutyReminder

    near_end = datetime(2027, 8, 10, 2, 0, tzinfo=timezone.utc)  # three weeks before 31 August
    with app.app_context():
        assert term.remind_short_duties(NOW) == 0  # 10 March: the second semester is far from its end
        done = db.session.get(TitleHolding, titles["t015"])
        for duty, count in [("demo_class", 1), ("apprentice", 1), ("research_hours", 20), ("monograph", 1),
                            ("paper", 1), ("reflection", 2), ("publication", 2), ("work_summary", 1)]:
            db.session.add(DutyRecord(title_id=done.id, user_id=done.user_id, school_year=2026, semester=2, duty=duty,
                                      on_date=date(2027, 5, 4), quantity=count, description="done"))
        db.session.commit()
        told = term.remind_short_duties(near_end)
        assert told == 5  # the six titles in force (no lapse has run here) but t015, whose log is complete
        assert term.remind_short_duties(near_end) == 0
        keys = set(db.session.scalars(select(Notification.event_key).where(Notification.event_key.like("title:%:duties:%"))))
        assert f"title:{titles['t015']}:duties:2026:2" not in keys and f"title:{titles['t013']}:duties:2026:2" in keys
        assert db.session.scalar(select(func.count()).select_from(DutyReminder)) == 6


@pytest.fixture
def smtp(app):
    """A loopback SMTP server the app sends to."""
    from .scheduling import BASE_URL, configured
    from .support.smtp import SmtpSink

    sink = SmtpSink().start()
    with configured(app, BASE_URL=BASE_URL, NOTIFICATION_RETRY_SECONDS=60, **sink.config()):
        yield sink
    sink.stop()


def test_a_pairing_meets_the_apprentice_duty_in_the_reminder_as_on_the_progress(app, titles, smtp):
    """t015 mentors a pairing (对口帮扶) and t014 does not; both logged every duty but the apprentice.
    The duty progress counts the pairing: t015 is not told, t014 is told by e-mail of that duty only."""
    from webapp.notifications.delivery import deliver_notifications
    from webapp.processes.annual_review.duties import pairing_credit, progress, records_of, title_duties
    from webapp.processes.annual_review.models import DutyRecord
    from webapp.processes.rotation_plan.models import Pairing, PairingMember

    near_end = datetime(2027, 8, 10, 2, 0, tzinfo=timezone.utc)  # three weeks before 31 August
    with app.app_context():
        for username in ("t014", "t015"):
            title = db.session.get(TitleHolding, titles[username])
            for duty, count in [("demo_class", 1), ("research_hours", 20), ("monograph", 1), ("paper", 1),
                                ("reflection", 2), ("publication", 2), ("work_summary", 1)]:
                for semester, on in ((1, date(2026, 11, 4)), (2, date(2027, 5, 4))):  # both semesters: the year met
                    db.session.add(DutyRecord(title_id=title.id, user_id=title.user_id, school_year=2026,
                                              semester=semester, duty=duty, on_date=on, quantity=count,
                                              description="done"))
        mentor = db.session.get(TitleHolding, titles["t015"])
        apprentice = db.session.scalar(select(User).where(User.username == "t020"))
        db.session.add(Pairing(county_id=mentor.county_id, mentor_id=mentor.user_id, mentor_school_id=mentor.org_id,
                               partner_school_id=apprentice.profile.school_id, start_date=date(2026, 9, 1),
                               end_date=date(2027, 7, 1), members=[PairingMember(user_id=apprentice.id)]))
        db.session.commit()
        # The progress the holder's page and the review read: t015's duties are all met.
        rows = progress(title_duties(mentor), records_of(mentor.id, 2026), pairing_credit(mentor, 2026))
        assert [row.duty.code for row in rows if not row.met] == []
        mentor_id = mentor.user_id

        assert term.remind_short_duties(near_end) == 5  # t010–t014; not t015
        assert deliver_notifications(near_end) >= 5
        holders = {username: db.session.get(TitleHolding, titles[username]).holder for username in ("t014", "t015")}
        addresses = {username: holder.email for username, holder in holders.items()}

    assert addresses["t014"] and addresses["t015"] and addresses["t014"] != addresses["t015"]
    to_t014 = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == addresses["t014"]]
    assert len(to_t014) == 1 and "结对带徒" in to_t014[0].get_content()
    assert [m for m in smtp.messages if m["To"].addresses[0].addr_spec == addresses["t015"]] == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == mentor_id, Notification.event_key.like("title:%:duties:%"))) == 0
