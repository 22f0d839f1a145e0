"""The reminder scan: who is told what, when, exactly once; escalation to the supervising role."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from webapp.calendar.window import WorkingDayWindow
from webapp.extensions import db
from webapp.models import CalendarDay, Notification, TaskState, User
from webapp.notifications.policy import PolicySource
from webapp.notifications.reminders import first_reminder_dt, scan_reminders
from webapp.roles import Role

from .scheduling import next_reminder, open_step, synthetic_instance, user

UTC = timezone.utc
# Friday 27 November 2026, end of the working day in Beijing (28th 00:00 +08:00).
DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def _sent(task_id: int) -> list[tuple[str, int, str]]:
    """(kind, sequence, recipient) of every notification about a task, in a stable order."""
    rows = db.session.execute(
        select(Notification.kind, Notification.sequence, Notification.user_id).where(Notification.task_id == task_id)
        .order_by(Notification.id)
    ).all()
    names = {row.user_id: db.session.get(User, row.user_id).username for row in rows}
    return [(kind.value, sequence, names[user_id]) for kind, sequence, user_id in rows]


def test_reminders_follow_the_working_day_timetable(app, demo):
    with app.app_context():
        task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=DUE)
        db.session.commit()
        timeline = [
            (datetime(2026, 11, 26, 10, 0, tzinfo=UTC), []),  # more than a working day left
            (datetime(2026, 11, 26, 16, 30, tzinfo=UTC), [("due_soon", 1, "s1admin")]),
            (datetime(2026, 11, 26, 18, 0, tzinfo=UTC), []),  # a rerun sends nothing new
            (datetime(2026, 11, 27, 16, 0, tzinfo=UTC), [("due", 1, "s1admin")]),
            # Two working days late is the end of Tuesday 1 December (the weekend does not count).
            (datetime(2026, 12, 1, 15, 59, tzinfo=UTC), []),
            (datetime(2026, 12, 1, 16, 0, tzinfo=UTC), [("overdue", 1, "s1admin")]),
            (datetime(2026, 12, 3, 16, 5, tzinfo=UTC), [("overdue", 2, "s1admin")]),
            # After two overdue reminders the county office is told as well.
            (datetime(2026, 12, 7, 16, 5, tzinfo=UTC), [("overdue", 3, "s1admin"), ("escalation", 1, "county")]),
        ]
        seen: list = []
        for now, expected in timeline:
            scan_reminders(now)
            scan_reminders(now)  # running twice at the same moment changes nothing
            db.session.expire_all()
            sent = _sent(task.id)
            assert sent[len(seen):] == expected, now
            seen = sent
        assert next_reminder(task.id) == datetime(2026, 12, 9, 16, 0, tzinfo=UTC)


def test_holidays_move_the_reminders(app, demo):
    with app.app_context():
        # Monday 30 Nov and Tuesday 1 Dec declared holidays: two working days late is now Thursday 3rd.
        db.session.add_all([CalendarDay(day=datetime(2026, 11, 30).date(), is_workday=False, name="test"),
                            CalendarDay(day=datetime(2026, 12, 1).date(), is_workday=False, name="test")])
        task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=DUE)
        db.session.commit()
        scan_reminders(datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
        assert next_reminder(task.id) == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def test_an_assigned_step_reminds_its_assignee_and_escalates_to_the_school(app, demo):
    with app.app_context():
        teacher = user("t001")
        task = open_step(synthetic_instance(), role=Role.teacher, org_code="530101-01", due=DUE, assignee=teacher,
                         name="correct_application")
        db.session.commit()
        # A scheduler that was down for weeks sends only the latest reminder, not every missed one.
        scan_reminders(datetime(2026, 12, 9, 17, 0, tzinfo=UTC))
        assert _sent(task.id) == [("overdue", 4, "t001"), ("escalation", 2, "s1admin")]


def test_queue_steps_remind_everyone_who_may_claim_them(app, demo):
    with app.app_context():
        task = open_step(synthetic_instance(), role=Role.school_committee, org_code="530101-01", due=DUE)
        db.session.commit()
        scan_reminders(DUE)
        assert sorted(name for _kind, _seq, name in _sent(task.id)) == ["s1c1", "s1c2", "s1c3"]


def test_done_steps_are_not_reminded(app, demo):
    with app.app_context():
        task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=DUE)
        task.state = TaskState.completed
        db.session.commit()
        assert scan_reminders(DUE + timedelta(days=30)) == 0
        assert _sent(task.id) == []
        assert next_reminder(task.id) is None  # a done step leaves the schedule for good


def test_a_step_with_no_supervisor_is_not_escalated(app, demo, tmp_path):
    policy = tmp_path / "reminders.json"
    policy.write_text('{"escalate_to": {"school_admin": null}, "defaults": {"escalate_after_reminders": 0}}')
    original = app.extensions["reminder_policy"]
    app.extensions["reminder_policy"] = PolicySource(policy)
    try:
        with app.app_context():
            task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=DUE)
            db.session.commit()
            scan_reminders(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
            assert _sent(task.id) == [("overdue", 1, "s1admin")]
    finally:
        app.extensions["reminder_policy"] = original


def test_per_step_policy_overrides_the_defaults(app, demo, tmp_path):
    policy = tmp_path / "reminders.json"
    policy.write_text('{"steps": {"synthetic/review": {"remind_before_working_days": 3, "remind_at_due": false,'
                      ' "repeat_every_working_days": 1, "escalate_after_reminders": 0}}}')
    original = app.extensions["reminder_policy"]
    app.extensions["reminder_policy"] = PolicySource(policy)
    try:
        with app.app_context():
            task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=DUE)
            db.session.commit()
            scan_reminders(datetime(2026, 11, 24, 16, 30, tzinfo=UTC))  # 3 working days before: Tuesday night
            scan_reminders(datetime(2026, 11, 27, 16, 30, tzinfo=UTC))  # no reminder at due
            scan_reminders(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # one working day late: escalate at once
            assert _sent(task.id) == [("due_soon", 1, "s1admin"), ("overdue", 1, "s1admin"), ("escalation", 1, "county")]
    finally:
        app.extensions["reminder_policy"] = original


def test_first_reminder_is_never_in_the_past(app):
    with app.app_context():
        created = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # less than a working day before it is due
        assert first_reminder_dt("self_application", "school_review", DUE, created) == DUE
        assert first_reminder_dt("self_application", "school_review", None, created) is None
        assert first_reminder_dt("self_application", "school_review", DUE, datetime(2026, 11, 20, tzinfo=UTC)) == \
            datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment, count, expected",
    [
        (DUE, 1, datetime(2026, 11, 30, 16, 0, tzinfo=UTC)),  # end of Friday + 1 = end of Monday
        (DUE, -1, datetime(2026, 11, 26, 16, 0, tzinfo=UTC)),  # end of Thursday
        (datetime(2026, 11, 27, 7, 59, tzinfo=UTC), 1, datetime(2026, 11, 30, 7, 59, tzinfo=UTC)),  # 15:59 local
        (datetime(2026, 11, 30, 2, 0, tzinfo=UTC), -1, datetime(2026, 11, 27, 2, 0, tzinfo=UTC)),  # Monday → Friday
    ],
)
def test_deadlines_move_by_working_days(app, moment, count, expected):
    with app.app_context():
        assert WorkingDayWindow(moment.date(), moment.date()).shift_deadline(moment, count) == expected


def test_window_agrees_with_the_calendar_module(app):
    from webapp.calendar import end_of_working_days

    with app.app_context():
        db.session.add(CalendarDay(day=datetime(2026, 12, 2).date(), is_workday=False, name="test"))
        db.session.commit()
        start = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
        window = WorkingDayWindow(start.date(), start.date())
        for count in range(0, 12):
            # end_of_working_days(start, n) is the end of the n-th working day after start's day.
            assert window.shift_deadline(end_of_working_days(start, 0), count) == end_of_working_days(start, count)


def test_a_missed_due_soon_reminder_is_not_sent_after_the_deadline(app, demo, tmp_path):
    policy = tmp_path / "reminders.json"
    policy.write_text('{"defaults": {"remind_at_due": false, "repeat_every_working_days": 0, "escalate_after_reminders": null}}')
    original = app.extensions["reminder_policy"]
    app.extensions["reminder_policy"] = PolicySource(policy)
    try:
        with app.app_context():
            task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=DUE)
            db.session.commit()
            assert scan_reminders(DUE + timedelta(hours=1)) == 0  # the scheduler was down until after the deadline
            assert next_reminder(task.id) is None
    finally:
        app.extensions["reminder_policy"] = original
